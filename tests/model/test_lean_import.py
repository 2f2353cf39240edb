"""A model run, and a sweep worker's run, never import pandas; Mesa's pandas is deferred.

Each case runs in a fresh interpreter (what a process has imported is the thing under test).
See :mod:`ftzsim.model._mesa` for why, and ``benchmarks/bench_import.py`` for the cost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

RUN_CLASSROOM = """
import json, sys
{before}
from ftzsim.model import FTZModel
m = FTZModel("classroom", rng=3, build_firm_agents=False, quarters=2)
m.run()
s = m.summary()
import mesa.agent
report = {{"pandas": "pandas" in sys.modules, "pyarrow": "pyarrow" in sys.modules,
          "mesa_pd": type(mesa.agent.pd).__name__, "final": s["final_ds_exports"]}}
{after}
print(json.dumps(report))
"""


def _fresh(before: str = "", after: str = "", env: dict | None = None) -> dict:
    code = RUN_CLASSROOM.format(before=before, after=after)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})})  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lean() -> dict:
    after = """
pd = mesa.agent.pd
series = pd.Series([1.0, 2.5])  # first use through Mesa's binding loads the real pandas
import pandas
report["after_use"] = {"sum": float(series.sum()), "real_is_imported": pandas is sys.modules["pandas"],
                       "same_class": pd.Series is pandas.Series, "stand_in_gone": type(pandas).__name__ == "module"}
"""
    return _fresh(after=after)


def test_a_model_run_imports_no_pandas_and_mesa_holds_the_stand_in(lean):
    assert lean["pandas"] is False
    assert lean["pyarrow"] is False
    assert lean["mesa_pd"] == "DeferredModule"


def test_the_stand_in_loads_and_forwards_to_the_real_pandas_on_first_use(lean):
    assert lean["after_use"] == {"sum": 3.5, "real_is_imported": True, "same_class": True, "stand_in_gone": True}


@pytest.mark.parametrize(
    ("before", "env"),
    [("import pandas", None), ("", {"FTZSIM_EAGER_PANDAS": "1"})],
    ids=["pandas-imported-first", "eager-by-environment"],
)
def test_nothing_is_deferred_when_pandas_comes_first_or_eager_is_asked(lean, before, env):
    eager = _fresh(before=before, env=env)
    assert eager["mesa_pd"] == "module"
    assert eager["pandas"] is True
    assert eager["final"] == lean["final"]  # the same run, to the bit (json keeps every digit)


def test_mesa_create_agents_spreads_a_pandas_series_through_the_stand_in():
    """``Agent.create_agents`` tests its arguments against ``pd.Series``: through the stand-in
    that must load pandas and give each agent its own value, as with the real module."""
    code = """
import json, sys
import ftzsim.model, mesa, mesa.agent
assert type(mesa.agent.pd).__name__ == "DeferredModule" and "pandas" not in sys.modules
import pandas as pd
class A(mesa.Agent):
    def __init__(self, model, wealth):
        super().__init__(model)
        self.wealth = wealth
agents = A.create_agents(mesa.Model(rng=1), 3, wealth=pd.Series([5, 6, 7]))
print(json.dumps(sorted(int(a.wealth) for a in agents)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [5, 6, 7]


def test_a_sweep_workers_run_imports_no_pandas():
    """What a worker runs for each design row (the FTZ adapter without time series): no
    pandas, so no worker pays for it (it used to, once per worker, in ``run_replicates``)."""
    code = """
import json, sys
from ftzsim.engine.adapter import FTZAdapter
out = FTZAdapter("classroom", {"quarters": 2}, ["final_ds_exports"])({"data_openness": 0.6}, 11)
print(json.dumps({"pandas": "pandas" in sys.modules, "keys": sorted(out)}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"pandas": False, "keys": ["final_ds_exports"]}
