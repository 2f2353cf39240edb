"""Calibration targets: every figure of the data the fit is measured against (DESIGN §7).

Targets (``ftzsim/data``): national services trade 2021 (derived) and 2022, total, exports and
imports; cross-border e-commerce exports 2021-2022 (trillion CNY, converted at the year's
average rate); the 2022 totals and exports of the 12 provinces with data, and their 2022
growth rates (weight 0.3, secondary); the 2022 regional shares.
"""

from __future__ import annotations

import pandas as pd

from ftzsim import reference
from ftzsim.outcomes import REGIONS
from ftzsim.reference import CNY_PER_USD_2021

__all__ = ["CNY_PER_USD_2022", "targets"]

#: CNY per USD, 2022 annual average (PBoC central parity); converts e-commerce (trillion CNY)
CNY_PER_USD_2022 = 6.73


def targets(zones: list[str]) -> pd.DataFrame:
    """Calibration targets with their tolerance (DESIGN §7, issue 3).

    Columns: ``name``, ``kind`` (national / ecommerce / province / province_growth /
    region_share), ``target``, ``weight``, ``tolerance`` (relative for levels, absolute in
    percentage points for shares and growth rates), ``unit``.
    """
    nat = reference.national()
    prov = reference.read_csv("provincial_digital_trade_2022.csv").set_index("province")
    reg = reference.read_csv("regional_digital_trade_2022.csv").set_index("region")
    rows = []
    for year in (2021, 2022):
        for col, name in (("dd_services_total", "ds_total"), ("dd_services_exports", "ds_exports"),
                          ("dd_services_imports", "ds_imports")):  # fmt: skip
            tol = 0.02 if year == 2022 and name != "ds_imports" else 0.05
            rows.append((f"{name}_{year}", "national", nat.loc[year, col], 100.0, tol, "100 million USD"))
        rate = CNY_PER_USD_2021 if year == 2021 else CNY_PER_USD_2022
        rows.append(
            (f"ecommerce_exports_{year}", "ecommerce", nat.loc[year, "ecommerce_exports"] * 1e4 / rate, 100.0,
             0.05, "100 million USD"),
        )  # fmt: skip
    for p in prov.index:
        if p in zones:
            rows.append((f"{p}_total_2022", "province", prov.loc[p, "total"], 1.0, 0.10, "100 million USD"))
            rows.append((f"{p}_exports_2022", "province", prov.loc[p, "exports"], 1.0, 0.10, "100 million USD"))
            rows.append((f"{p}_growth_2022", "province_growth", prov.loc[p, "total_growth_pct"], 0.3, 10.0, "%"))
    total = reg["total"].sum()
    for r in REGIONS:
        rows.append((f"share_{r}_2022", "region_share", 100 * reg.loc[r, "total"] / total, 1.0, 2.0, "%"))
    return pd.DataFrame(rows, columns=["name", "kind", "target", "weight", "tolerance", "unit"])
