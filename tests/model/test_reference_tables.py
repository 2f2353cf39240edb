"""The model reads its reference tables without pandas: the same numbers, to the bit.

:func:`ftzsim.reference._rows` (``csv`` and ``float``) is what a model build reads; pandas'
``read_csv`` is what the DataFrames of :mod:`ftzsim.reference` and every analysis read. A
number parsed differently would move the model's start in the last bit and break the golden
outputs only for some files, so every shipped number is compared here, not a sample.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from ftzsim import reference

FILES = sorted(p.name for p in resources.files("ftzsim.data").iterdir() if p.name.endswith(".csv"))


@pytest.mark.parametrize("name", FILES)
def test_every_shipped_number_parses_as_pandas_parses_it(name):
    rows = reference._rows(name)
    df = reference.read_csv(name)
    assert list(rows[0]) == list(df.columns)
    assert len(rows) == len(df)
    for col in df.columns:
        if df[col].dtype.kind not in "fi":
            continue
        ours = np.array([float(r[col]) if r[col] != "" else np.nan for r in rows])
        theirs = df[col].to_numpy(dtype=float)
        assert ours.tobytes() == theirs.tobytes(), f"{name}:{col}"


def test_start_columns_are_the_start_frame_rows_in_any_zone_order():
    frame = reference.zone_start_values()
    assert tuple(frame.columns) == reference.START_COLUMNS
    names = [*list(frame.index)[::-3], "Shanghai"]  # any order, repeats allowed
    cols = reference.zone_start_columns(names)
    for c in reference.START_COLUMNS:
        assert cols[c].tobytes() == frame.loc[names, c].to_numpy().tobytes(), c
    cols["ds_exports_2021"][0] = -1.0  # a new array per call: the cache is not touched
    assert reference.zone_start_columns(["Shanghai"])["ds_exports_2021"][0] == frame.loc["Shanghai", "ds_exports_2021"]


def test_start_values_add_up_to_the_national_and_regional_totals():
    """Known answers of the derivation (DESIGN §7): zones take their province's 2022 value or an
    equal share of the region's residual, so the east's zones add up to the region's total less
    provinces without a zone; e-commerce and goods are shared in proportion to 2021 services."""
    frame = reference.zone_start_values()
    nat = reference.national()
    ecom = nat.loc[2021, "ecommerce_exports"] * 1e4 / reference.CNY_PER_USD_2021
    assert frame["ecommerce_exports_2021"].sum() == pytest.approx(ecom, rel=1e-12)
    assert frame["goods_exports_2021"].sum() == pytest.approx(reference.GOODS_EXPORTS_2021, rel=1e-12)
    growth = nat.loc[2022, "dd_services_exports"] / nat.loc[2021, "dd_services_exports"]
    np.testing.assert_allclose(frame["ds_exports_2022"] / frame["ds_exports_2021"], growth, rtol=1e-12)
    assert set(frame.dtypes.astype(str)) == {"float64", "bool"}
    assert pd.api.types.is_bool_dtype(frame["has_province_data"])
