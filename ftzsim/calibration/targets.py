"""What the calibration compares with the data, and how far the model may miss (DESIGN §7, issue 12).

Every number in ``national_digital_trade.csv``, ``provincial_digital_trade_2022.csv`` and
``regional_digital_trade_2022.csv`` is used, each in the form the model can honestly be asked
to reproduce:

* **Levels** (log scale): national services exports and imports 2021, cross-border e-commerce
  exports 2021 *in CNY* (the data's currency; the model's USD flow times the year's rate,
  ``exchange_rates.csv``), and every province's 2022 exports and imports. Each is exactly
  proportional to one level factor (``level_ds_exports``, ``level_ds_imports``,
  ``level_ecommerce``), which the posterior integrates analytically
  (:mod:`ftzsim.calibration.posterior`).
* **Growth** (log of the growth factor): services exports, imports and total 2022, e-commerce
  exports and total 2022 (CNY), and the national total's growth of 2020 (+8.4%, from 2,947.6 in
  2020) and 2021 (to 3,605.3). The model carries no year-to-year macro shocks (pandemic boom,
  yuan swings), so its 2021-2022 growth is read as the *trend* these annual rates scatter
  around, with the scatter measured from the data themselves (:data:`GROWTH_SD`). The 2020
  figures therefore enter as two more draws of the same trend: growth no longer rests on one
  pandemic year.
* **Regional split** 2022 (percentage points of services trade).
* **Pattern** (a constraint, Grimm et al. 2005 pattern-oriented modelling): China's 2030 share
  of world digitally deliverable services exports must stay below the largest exporter's
  share today (the United States, 16.0% of the world's 4.1 trillion USD in 2022, 002 Table 1).

The provinces' own 2022 growth rates are used nowhere in the model or the fit: they are the
out-of-sample test of :mod:`ftzsim.calibration.validate`.

Error scales (standard deviations on the scale of each row) are part of the statistical
model, each with its reason in :data:`ERROR_SD`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ftzsim import reference
from ftzsim.outcomes import REGIONS

__all__ = ["ERROR_SD", "GROWTH_SD", "WORLD_DDS_EXPORTS_2022", "WORLD_SHARE_CAP", "observations"]

#: World digitally deliverable services exports 2022, 100 million USD (002 from WTO data:
#: 4.1 trillion USD), and the largest exporter's share of it (United States 6,560.5, 16.0%).
WORLD_DDS_EXPORTS_2022 = 41_000.0
WORLD_SHARE_CAP = 6560.54 / WORLD_DDS_EXPORTS_2022


def _growth_sd() -> float:
    """Scatter of annual growth around the trend: the standard deviation of the log growth
    factors of the national total 2020, 2021 and 2022 (+8.4%, +22.3%, +3.4%): 0.087."""
    nat = reference.national()
    tot = nat["dd_services_total"]
    g2020 = math.log(1 + nat.loc[2020, "dd_services_growth_pct"] / 100)
    logs = [g2020, math.log(tot[2021] / tot[2020]), math.log(tot[2022] / tot[2021])]
    return float(np.std(logs, ddof=1))


def _province_sd() -> float:
    """Root mean square of the provinces' log growth departures from the national rate,
    exports and imports pooled (provincial_digital_trade_2022.csv): how far a 2022 province
    level may sit from a start at national growth."""
    nat = reference.national()
    prov = reference.read_csv("provincial_digital_trade_2022.csv").set_index("province")
    prov = prov.loc[[p for p in prov.index if p in reference.zones()]]
    dev = []
    for col, ncol in (("exports", "dd_services_exports"), ("imports", "dd_services_imports")):
        g_nat = math.log(nat.loc[2022, ncol] / nat.loc[2021, ncol])
        dev += list(np.log1p(prov[f"{col}_growth_pct"].to_numpy(dtype=float) / 100) - g_nat)
    return float(np.sqrt(np.mean(np.square(dev))))


#: Log-scale standard deviation of an annual growth rate around the model's trend (data).
GROWTH_SD = _growth_sd()

#: Standard deviation of each kind of row, with why.
ERROR_SD = {
    # the 2021 national values are derived from the 2022 report's growth rates; MOFCOM's own
    # 2021 release differs by 0.2%, so 2% covers revision and derivation (assumption)
    "national_level": 0.02,
    # zones start 2021 from national growth (reference.zone_start_values), so a province's
    # 2022 level can miss by its own growth's departure from the national rate: the spread of
    # those departures in the data (exports and imports of the 12 provinces, log scale)
    "province_level": _province_sd(),
    "growth": GROWTH_SD,
    # regional shares are sums of the province levels above; 1 pp (assumption)
    "region_share": 1.0,
}


def observations(through: int = 2022) -> pd.DataFrame:
    """The observation table: one row per data number the fit uses.

    Parameters
    ----------
    through : int
        Last data year used (2021 gives the leave-last-year-out fit: no 2022 figure enters).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``kind`` (national_level / province_level / growth / region_share), ``year``,
        ``value`` (the data, in the row's unit), ``unit``, ``scale`` (the level factor the
        model's value is proportional to, or ``""``), ``series`` (what the model's value is),
        ``sd`` (on the row's comparison scale: log for levels and growth, points for shares).
    """
    nat = reference.national()
    prov = reference.read_csv("provincial_digital_trade_2022.csv").set_index("province")
    reg = reference.read_csv("regional_digital_trade_2022.csv").set_index("region")
    sd = ERROR_SD
    rows = []

    def add(name, kind, year, value, unit, scale, series):
        if year <= through:
            rows.append((name, kind, year, float(value), unit, scale, series, sd[kind]))

    usd, cny = "100 million USD", "100 million CNY"
    add("ds_exports_2021", "national_level", 2021, nat.loc[2021, "dd_services_exports"], usd, "level_ds_exports",
        "x_2021")  # fmt: skip
    add("ds_imports_2021", "national_level", 2021, nat.loc[2021, "dd_services_imports"], usd, "level_ds_imports",
        "m_2021")  # fmt: skip
    add("ecommerce_exports_cny_2021", "national_level", 2021, nat.loc[2021, "ecommerce_exports"] * 1e4, cny,
        "level_ecommerce", "ecny_2021")  # fmt: skip
    tot = nat["dd_services_total"]
    # the national total's growth in 2020 and 2021 and the 2022 growth rates: draws of the trend
    add("ds_total_growth_2020", "growth", 2020, nat.loc[2020, "dd_services_growth_pct"], "%", "", "g_total")
    add("ds_total_growth_2021", "growth", 2021, 100 * (tot[2021] / tot[2020] - 1), "%", "", "g_total")
    add("ds_total_growth_2022", "growth", 2022, 100 * (tot[2022] / tot[2021] - 1), "%", "", "g_total")
    for col, series in (("dd_services_exports", "g_x"), ("dd_services_imports", "g_m")):
        g = 100 * (nat.loc[2022, col] / nat.loc[2021, col] - 1)
        add(f"{col.replace('dd_services', 'ds')}_growth_2022", "growth", 2022, g, "%", "", series)
    for col, series in (("ecommerce_exports", "g_ecny"), ("ecommerce_total", "g_ecny_total")):
        g = 100 * (nat.loc[2022, col] / nat.loc[2021, col] - 1)
        add(f"{col.replace('ecommerce', 'ecommerce')}_cny_growth_2022", "growth", 2022, g, "%", "", series)
    for p in prov.index:
        if p in reference.zones():
            add(f"{p}_exports_2022", "province_level", 2022, prov.loc[p, "exports"], usd, "level_ds_exports",
                f"zx_{p}_2022")  # fmt: skip
            add(f"{p}_imports_2022", "province_level", 2022, prov.loc[p, "imports"], usd, "level_ds_imports",
                f"zm_{p}_2022")  # fmt: skip
    total = reg["total"].sum()
    for r in REGIONS:
        add(f"share_{r}_2022", "region_share", 2022, 100 * reg.loc[r, "total"] / total, "%", "", f"share_{r}")
    return pd.DataFrame(rows, columns=["name", "kind", "year", "value", "unit", "scale", "series", "sd"])


def province_growth() -> pd.Series:
    """The provinces' 2022 growth of services trade (%): the out-of-sample test, never fitted."""
    prov = reference.read_csv("provincial_digital_trade_2022.csv").set_index("province")
    return prov.loc[[p for p in prov.index if p in reference.zones()], "total_growth_pct"].astype(float)
