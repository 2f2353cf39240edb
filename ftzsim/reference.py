"""Reference data shipped with the package (``ftzsim/data/``) and the numbers derived from it.

The CSV files are copies of the project's reference data with their source lines kept as
``#`` comments (see ``ftzsim/data/SOURCES.md``). This module reads them and derives the
starting values the model needs, each derivation stated where it is made.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where a DataFrame is asked for: a model run never imports pandas
    import pandas as pd

from ftzsim.levers import AGREEMENTS
from ftzsim.outcomes import REGIONS

__all__ = [
    "BLOCS",
    "CNY_PER_USD_2021",
    "GOODS_EXPORTS_2021",
    "REGIONS",
    "SECTORS",
    "START_COLUMNS",
    "ZoneInfo",
    "agreement_coverage",
    "bloc_shares",
    "bloc_sites",
    "cny_per_usd",
    "national",
    "read_csv",
    "zone_start_columns",
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


def _rows(name: str) -> list[dict[str, str]]:
    """The rows of one of the shipped CSV files as text (``#`` source lines and blank lines
    skipped, as :func:`read_csv` does), read without pandas.

    What a model reads when it is built goes through here, so neither a run nor a sweep
    worker imports pandas (about 0.3 s of CPU per process, issue 15). Python's ``float``
    parses every number in the shipped files to the same bit as pandas' parser
    (``tests/model/test_reference_tables.py`` checks each one)."""
    path = resources.files("ftzsim.data").joinpath(name)
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


@functools.cache
def _cny_rates() -> dict[int, float]:
    return {int(r["year"]): float(r["cny_per_usd"]) for r in _rows("exchange_rates.csv")}


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
    out = {}
    for r in _rows("ftz_zones.csv"):
        alliances = tuple(a for a in r["alliances"].split("|") if a)
        out[r["zone"]] = ZoneInfo(
            r["zone"], r["province_zh"], int(r["batch_year"]), r["region"], bool(int(r["coastal"])),
            bool(int(r["border"])), r["tier_in_seeds"], alliances, float(r["lat"]), float(r["lon"]),
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
    value = {r["bloc"]: float(r["china_value_100m_cny"]) for r in _rows("partner_blocs_2022.csv")}
    values = {b: value[b] for b in BLOCS}
    total = sum(values.values())
    return {b: v / total for b, v in values.items()}


@functools.cache
def agreement_coverage() -> np.ndarray:
    """Coverage matrix (agreements x blocs): the share of China's exports to each bloc that goes
    to members of each agreement (``trade_agreements.csv``; 1 where the bloc is the agreement's
    membership, assumptions with stated bounds where it is part of a bloc)."""
    cov = np.zeros((len(AGREEMENTS), len(BLOCS)))
    for r in _rows("trade_agreements.csv"):
        cov[AGREEMENTS.index(r["agreement"]), BLOCS.index(r["bloc"])] = float(r["coverage"])
    return cov


@functools.cache
def national() -> pd.DataFrame:
    """National totals 2020-2022 indexed by year (national_digital_trade.csv)."""
    return read_csv("national_digital_trade.csv").set_index("year")


#: Columns of :func:`zone_start_values`, in its order.
START_COLUMNS = (
    "ds_exports_2022", "ds_imports_2022", "ds_exports_2021", "ds_imports_2021", "has_province_data",
    "ecommerce_exports_2021", "ecommerce_imports_2021", "goods_exports_2021",
)  # fmt: skip


@functools.cache
def _zone_start() -> dict[str, np.ndarray]:
    """The derivation of :func:`zone_start_values`: column -> array over the zones of
    :func:`zones`, in their order (read without pandas, see :func:`_rows`)."""
    zs = zones()
    prov = {r["province"]: r for r in _rows("provincial_digital_trade_2022.csv")}
    reg = {r["region"]: r for r in _rows("regional_digital_trade_2022.csv")}
    nat = {int(r["year"]): r for r in _rows("national_digital_trade.csv")}
    g_x = float(nat[2022]["dd_services_exports"]) / float(nat[2021]["dd_services_exports"])
    g_m = float(nat[2022]["dd_services_imports"]) / float(nat[2021]["dd_services_imports"])
    rows: dict[str, tuple[float, float, bool]] = {}  # zone -> (2022 exports, 2022 imports, from province data)
    for z in zs.values():
        if z.name in prov:
            rows[z.name] = (float(prov[z.name]["exports"]), float(prov[z.name]["imports"]), True)
    for region in REGIONS:
        members = [z.name for z in zs.values() if z.region == region and z.name not in rows]
        if not members:
            continue
        covered = [n for n, z in zs.items() if z.region == region and n in rows]
        # added one by one, in zone order (not ``sum()``, which compensates its rounding
        # since Python 3.12 and so moves the start values in the last bit)
        res_x, res_m = float(reg[region]["exports"]), float(reg[region]["imports"])
        taken_x = taken_m = 0.0
        for n in covered:
            taken_x += rows[n][0]
            taken_m += rows[n][1]
        res_x, res_m = res_x - taken_x, res_m - taken_m
        for n in members:
            rows[n] = (max(res_x, 0.0) / len(members), max(res_m, 0.0) / len(members), False)
    x22, m22, has = (np.array([rows[n][k] for n in zs]) for k in range(3))
    x21, m21 = x22 / g_x, m22 / g_m
    share = x21 / x21.sum()
    n21 = nat[2021]
    ecom_2021 = float(n21["ecommerce_exports"]) * 1e4 / CNY_PER_USD_2021  # trn CNY -> 1e8 USD
    ecom_imports_2021 = (float(n21["ecommerce_total"]) - float(n21["ecommerce_exports"])) * 1e4 / CNY_PER_USD_2021
    cols = dict(
        ds_exports_2022=x22, ds_imports_2022=m22, ds_exports_2021=x21, ds_imports_2021=m21,
        has_province_data=has.astype(bool), ecommerce_exports_2021=share * ecom_2021,
        ecommerce_imports_2021=share * ecom_imports_2021, goods_exports_2021=share * GOODS_EXPORTS_2021,
    )  # fmt: skip
    for a in cols.values():
        a.flags.writeable = False  # cached: callers select (and so copy) rows
    return cols


def zone_start_columns(zone_names) -> dict[str, np.ndarray]:
    """:func:`zone_start_values` for these zones, in this order, as column -> new array.

    What the model reads when it is built (a model never needs the DataFrame, and so never
    imports pandas)."""
    pos = {n: i for i, n in enumerate(zones())}
    rows = np.array([pos[n] for n in zone_names], dtype=np.intp)
    return {c: a[rows] for c, a in _zone_start().items()}


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
        Indexed by zone, columns ``ds_exports_2022``, ``ds_imports_2022``,
        ``ds_exports_2021``, ``ds_imports_2021``, ``has_province_data``,
        ``ecommerce_exports_2021``, ``ecommerce_imports_2021``, ``goods_exports_2021``
        (:data:`START_COLUMNS`). Unit: 100 million USD per year. A new frame each call; the
        model reads the same numbers as arrays (:func:`zone_start_columns`).
    """
    import pandas as pd

    return pd.DataFrame({c: a.copy() for c, a in _zone_start().items()}, index=list(zones()))


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting over arrays."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
