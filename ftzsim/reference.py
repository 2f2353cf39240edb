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

import numpy as np
import pandas as pd

from ftzsim.levers import BLOCS
from ftzsim.outcomes import REGIONS

__all__ = [
    "CNY_PER_USD_2021",
    "GOODS_EXPORTS_2021",
    "REGIONS",
    "SECTORS",
    "ZoneInfo",
    "bloc_market_size",
    "bloc_sites",
    "national",
    "read_csv",
    "zone_start_values",
    "zones",
]

SECTORS: tuple[str, ...] = ("goods", "ecommerce", "digital_services")

#: Average 2021 exchange rate (PBoC central parity, yearly mean), used to turn cross-border
#: e-commerce in trillion CNY (national_digital_trade.csv) into 100 million USD.
CNY_PER_USD_2021 = 6.45
#: China's goods exports 2021, 100 million USD (General Administration of Customs: 3.36 trn
#: USD). Used only to give the goods sector a plausible scale.
GOODS_EXPORTS_2021 = 33_640.0

#: Representative location of each partner bloc for great-circle distances (lat, lon):
#: rcep — Tokyo (Japan is the largest RCEP market in partner_markets_2022.csv); depa —
#: Singapore; eu — Frankfurt; us — New York; other — Dubai (between the UK and India, the
#: "other" economies of the table).
_BLOC_SITES = {
    "rcep": (35.68, 139.69),
    "depa": (1.35, 103.82),
    "eu": (50.11, 8.68),
    "us": (40.71, -74.01),
    "other": (25.20, 55.27),
}


def read_csv(name: str) -> pd.DataFrame:
    """Read one of the shipped CSV files, skipping its ``#`` source comments."""
    path = resources.files("ftzsim.data").joinpath(name)
    with path.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#", skip_blank_lines=True)


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
def bloc_market_size() -> dict[str, float]:
    """Digitally deliverable services *imports* of each bloc's members in the top ten, 2022.

    Imports of the partner are China's potential export market. Singapore (in both RCEP
    and DEPA in the table) is counted once, under DEPA; Japan stands for RCEP. The UK and
    India form "other". Unit: 100 million USD (partner_markets_2022.csv, Table 1 of 002).
    """
    df = read_csv("partner_markets_2022.csv")
    size = dict.fromkeys(BLOCS, 0.0)
    for r in df.itertuples(index=False):
        bloc = str(r.bloc).split("|")[-1]
        if bloc in size:
            size[bloc] += float(r.imports)
    return size


@functools.cache
def national() -> pd.DataFrame:
    """National totals 2020-2022 indexed by year (national_digital_trade.csv)."""
    return read_csv("national_digital_trade.csv").set_index("year")


@functools.cache
def zone_start_values() -> pd.DataFrame:
    """Digitally deliverable services exports and imports per zone in 2021 and 2022.

    Rule (DESIGN §7): provinces with data (provincial_digital_trade_2022.csv) take their
    2022 values; 2021 follows from the 2022 growth rates of exports and imports. Zones
    without province data share their region's residual (regional_digital_trade_2022.csv
    minus the provinces with data) in equal parts, and go back to 2021 at the national
    growth rates. The residual includes provinces without a pilot zone, so zone values add
    up to the national totals. E-commerce and goods exports are split in proportion to a
    zone's services exports (no provincial figures are published in the seeds).

    Returns
    -------
    pandas.DataFrame
        Indexed by zone, columns ``ds_exports_2021``, ``ds_imports_2021``,
        ``ds_exports_2022``, ``ds_imports_2022``, ``ecommerce_exports_2021``,
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
                ds_exports_2021=p.exports / (1 + p.exports_growth_pct / 100),
                ds_imports_2021=p.imports / (1 + p.imports_growth_pct / 100),
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
    df = pd.DataFrame.from_dict(rows, orient="index").loc[list(zs)]
    share = df["ds_exports_2021"] / df["ds_exports_2021"].sum()
    ecom_2021 = nat.loc[2021, "ecommerce_exports"] * 1e4 / CNY_PER_USD_2021  # trn CNY -> 1e8 USD
    df["ecommerce_exports_2021"] = share * ecom_2021
    df["goods_exports_2021"] = share * GOODS_EXPORTS_2021
    return df


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting over arrays."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
