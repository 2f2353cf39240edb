"""Reference data shipped with the package (``ftzsim/data/``) and the numbers derived from it.

The CSV files are copies of the project's reference data with their source lines kept as
``#`` comments (see ``ftzsim/data/SOURCES.md``). This module reads them and derives the
starting values the model needs, each derivation stated where it is made.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where a table is read: the command line starts without pandas
    import pandas as pd

from ftzsim.levers import AGREEMENTS
from ftzsim.outcomes import REGIONS

__all__ = [
    "BLOCS",
    "CNY_PER_USD_2021",
    "GOODS_EXPORTS_2021",
    "REGIONS",
    "SECTORS",
    "ZoneInfo",
    "agreement_coverage",
    "bloc_shares",
    "bloc_sites",
    "cny_per_usd",
    "national",
    "read_csv",
    "zone_start_values",
    "zones",
]

SECTORS: tuple[str, ...] = ("goods", "ecommerce", "digital_services")

#: Average 2021 exchange rate (``exchange_rates.csv``), used to turn the 2021 cross-border
#: e-commerce in trillion CNY (national_digital_trade.csv) into the model's 100 million USD.
CNY_PER_USD_2021 = 6.4515
#: China's goods exports 2021, 100 million USD (General Administration of Customs: 3.36 trn
#: USD). Used only to give the goods sector a plausible scale.
GOODS_EXPORTS_2021 = 33_640.0

#: Destination blocs of China's exports (``partner_blocs_2022.csv``): disjoint, and together
#: every economy but China. The model's revenue arrays have one column per bloc, in this order.
BLOCS: tuple[str, ...] = ("rcep", "us", "eu", "rest_of_world")

#: Representative location of each partner bloc for great-circle distances (lat, lon):
#: rcep — Manila, between north-east Asia (Japan, Korea) and ASEAN; us — New York; eu — Frankfurt;
#: rest_of_world — Dubai, between Europe outside the EU, India, the Middle East and Africa (Hong
#: Kong SAR is folded into this bloc, see the data file; distances only shift access across zones,
#: the bloc's level is set by its share of China's exports).
_BLOC_SITES = {
    "rcep": (14.60, 120.98),
    "us": (40.71, -74.01),
    "eu": (50.11, 8.68),
    "rest_of_world": (25.20, 55.27),
}


def read_csv(name: str) -> pd.DataFrame:
    """Read one of the shipped CSV files, skipping its ``#`` source comments."""
    import pandas as pd

    path = resources.files("ftzsim.data").joinpath(name)
    with path.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#", skip_blank_lines=True)


@functools.cache
def _cny_rates() -> dict[int, float]:
    df = read_csv("exchange_rates.csv")
    return dict(zip(df["year"].astype(int), df["cny_per_usd"].astype(float), strict=True))


def cny_per_usd(year: int, trend: float = 0.0) -> float:
    """Yuan per US dollar in ``year``: the annual average where published
    (``exchange_rates.csv``, NBS communiqués 2015-2022), after that the last published rate
    moved by ``trend`` log points a year (the registry's ``cny_per_usd_trend``, an
    uncertainty whose bounds span the 2015-2022 moves). Series measured in CNY (cross-border
    e-commerce) are compared with data in CNY through this path (issue 12: currency)."""
    rates = _cny_rates()
    if year in rates:
        return rates[year]
    last = max(rates)
    if year > last:
        return rates[last] * math.exp(trend * (year - last))
    raise ValueError(f"no exchange rate for {year}: exchange_rates.csv covers {min(rates)}-{last}")


@dataclass(frozen=True, slots=True)
class ZoneInfo:
    """Fixed attributes of one pilot zone (``ftz_zones.csv``)."""

    name: str
    province_zh: str
    batch_year: int
    region: str
    coastal: bool
    border: bool
    tier: str
    alliances: tuple[str, ...]
    lat: float
    lon: float


@functools.cache
def zones() -> dict[str, ZoneInfo]:
    """All 22 pilot zones by name, in the order of ``ftz_zones.csv``."""
    df = read_csv("ftz_zones.csv")
    out = {}
    for r in df.itertuples(index=False):
        alliances = tuple(a for a in str(r.alliances).split("|") if a and a != "nan")
        tier = "" if (isinstance(r.tier_in_seeds, float) and math.isnan(r.tier_in_seeds)) else r.tier_in_seeds
        out[r.zone] = ZoneInfo(
            r.zone, r.province_zh, int(r.batch_year), r.region, bool(r.coastal),
            bool(r.border), str(tier), alliances, float(r.lat), float(r.lon),
        )  # fmt: skip
    return out


def bloc_sites() -> dict[str, tuple[float, float]]:
    """Representative (lat, lon) of each partner bloc."""
    return dict(_BLOC_SITES)


@functools.cache
def bloc_shares() -> dict[str, float]:
    """Share of each destination bloc in China's digitally deliverable services exports, 2022.

    From ``partner_blocs_2022.csv`` (002: offshore service outsourcing by client economy, the
    closest published proxy for the destination mix): RCEP 23.3%, US 20.9%, EU 13.7%, rest of
    the world 42.0%. Normalised to sum to 1 (the printed shares are rounded). These are the
    gravity model's importer weights: the model's 2021 export mix by bloc reproduces them.
    """
    df = read_csv("partner_blocs_2022.csv").set_index("bloc")
    values = {b: float(df.loc[b, "china_value_100m_cny"]) for b in BLOCS}
    total = sum(values.values())
    return {b: v / total for b, v in values.items()}


@functools.cache
def agreement_coverage() -> np.ndarray:
    """Coverage matrix (agreements x blocs): the share of China's exports to each bloc that goes
    to members of each agreement (``trade_agreements.csv``; 1 where the bloc is the agreement's
    membership, assumptions with stated bounds where it is part of a bloc)."""
    df = read_csv("trade_agreements.csv")
    cov = np.zeros((len(AGREEMENTS), len(BLOCS)))
    for r in df.itertuples(index=False):
        cov[AGREEMENTS.index(r.agreement), BLOCS.index(r.bloc)] = float(r.coverage)
    return cov


@functools.cache
def national() -> pd.DataFrame:
    """National totals 2020-2022 indexed by year (national_digital_trade.csv)."""
    return read_csv("national_digital_trade.csv").set_index("year")


@functools.cache
def zone_start_values() -> pd.DataFrame:
    """Digitally deliverable services exports and imports per zone in 2021 and 2022.

    Rule (DESIGN §7, revised for issue 12): provinces with data
    (provincial_digital_trade_2022.csv) take their 2022 values and go back to 2021 at the
    *national* growth rates of exports and of imports (national_digital_trade.csv), as do the
    zones without province data, which share their region's residual
    (regional_digital_trade_2022.csv minus the provinces with data) in equal parts. The
    provinces' own 2022 growth rates are deliberately not used: a start built from them would
    let the model reproduce each province's growth by construction, so they are kept out of
    the model and serve as its out-of-sample test (``ftzsim calibrate --validate``: province
    growth against the uniform-growth null). A province's exports/imports mix therefore
    enters the start, and the model's own export and import growth drive its 2022 growth.
    The residual includes provinces without a pilot zone, so zone values add up to the
    national totals. E-commerce exports and imports (total less exports) and goods
    exports are split in proportion to a
    zone's services exports (no provincial figures are published in the seeds).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone, columns ``ds_exports_2021``, ``ds_imports_2021``,
        ``ds_exports_2022``, ``ds_imports_2022``, ``ecommerce_exports_2021``, ``ecommerce_imports_2021``,
        ``goods_exports_2021``, ``has_province_data``. Unit: 100 million USD per year.
    """
    zs = zones()
    prov = read_csv("provincial_digital_trade_2022.csv").set_index("province")
    reg = read_csv("regional_digital_trade_2022.csv").set_index("region")
    nat = national()
    g_x = nat.loc[2022, "dd_services_exports"] / nat.loc[2021, "dd_services_exports"]
    g_m = nat.loc[2022, "dd_services_imports"] / nat.loc[2021, "dd_services_imports"]
    rows = {}
    for z in zs.values():
        if z.name in prov.index:
            p = prov.loc[z.name]
            rows[z.name] = dict(
                ds_exports_2022=p.exports,
                ds_imports_2022=p.imports,
                ds_exports_2021=p.exports / g_x,
                ds_imports_2021=p.imports / g_m,
                has_province_data=True,
            )
    for region in REGIONS:
        members = [z.name for z in zs.values() if z.region == region and z.name not in rows]
        if not members:
            continue
        covered = [n for n, z in zs.items() if z.region == region and n in rows]
        res_x = reg.loc[region, "exports"] - sum(rows[n]["ds_exports_2022"] for n in covered)
        res_m = reg.loc[region, "imports"] - sum(rows[n]["ds_imports_2022"] for n in covered)
        for n in members:
            x, m = max(res_x, 0.0) / len(members), max(res_m, 0.0) / len(members)
            rows[n] = dict(
                ds_exports_2022=x,
                ds_imports_2022=m,
                ds_exports_2021=x / g_x,
                ds_imports_2021=m / g_m,
                has_province_data=False,
            )
    import pandas as pd

    df = pd.DataFrame.from_dict(rows, orient="index").loc[list(zs)]
    share = df["ds_exports_2021"] / df["ds_exports_2021"].sum()
    ecom_2021 = nat.loc[2021, "ecommerce_exports"] * 1e4 / CNY_PER_USD_2021  # trn CNY -> 1e8 USD
    df["ecommerce_exports_2021"] = share * ecom_2021
    ecom_imports_2021 = (nat.loc[2021, "ecommerce_total"] - nat.loc[2021, "ecommerce_exports"]) * 1e4 / CNY_PER_USD_2021
    df["ecommerce_imports_2021"] = share * ecom_imports_2021
    df["goods_exports_2021"] = share * GOODS_EXPORTS_2021
    return df


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting over arrays."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
