"""A model run, and a sweep worker's run, never import pandas, SciPy or tqdm; Mesa's are deferred.

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
import inspect, mesa.agent, mesa.batchrunner, mesa.discrete_space.network
report = {{"pandas": "pandas" in sys.modules, "pyarrow": "pyarrow" in sys.modules,
          "scipy": "scipy" in sys.modules, "tqdm": "tqdm" in sys.modules,
          "mesa_pd": type(mesa.agent.pd).__name__, "final": s["final_ds_exports"],
          "mesa_kdtree": mesa.discrete_space.network.KDTree.__name__,
          "mesa_tqdm": mesa.batchrunner.tqdm.__name__,
          "inspect_restored": [f.__module__ for f in (inspect.stack, inspect.getouterframes, inspect.getmodule)]}}
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


def test_a_model_run_imports_no_pandas_scipy_or_tqdm_and_mesa_holds_the_stand_ins(lean):
    assert (lean["pandas"], lean["pyarrow"], lean["scipy"], lean["tqdm"]) == (False, False, False, False)
    assert lean["mesa_pd"] == "DeferredModule"
    assert (lean["mesa_kdtree"], lean["mesa_tqdm"]) == ("DeferredKDTree", "deferred_tqdm")
    assert lean["inspect_restored"] == ["inspect"] * 3  # Mesa's import window is over


def test_the_stand_in_loads_and_forwards_to_the_real_pandas_on_first_use(lean):
    assert lean["after_use"] == {"sum": 3.5, "real_is_imported": True, "same_class": True, "stand_in_gone": True}


@pytest.mark.parametrize(
    ("before", "env", "eager_scipy"),
    [("import pandas", None, False), ("", {"FTZSIM_EAGER_PANDAS": "1"}, False),
     ("import mesa", None, True), ("", {"FTZSIM_EAGER_IMPORTS": "1"}, True)],
    ids=["pandas-imported-first", "pandas-eager-by-environment", "mesa-imported-first", "all-eager-by-environment"],
)  # fmt: skip
def test_nothing_is_deferred_when_it_comes_first_or_eager_is_asked(lean, before, env, eager_scipy):
    eager = _fresh(before=before, env=env)
    assert eager["mesa_pd"] == "module"
    assert eager["pandas"] is True
    assert eager["scipy"] is eager_scipy
    assert eager["mesa_kdtree"] == ("KDTree" if eager_scipy else "DeferredKDTree")
    assert eager["final"] == lean["final"]  # the same run, to the bit (json keeps every digit)


def test_mesa_spaces_answer_through_the_deferred_tree_and_cdist_as_scipy_does():
    """Mesa's nearest-cell query on the model's zone network (cells placed by longitude and
    latitude) builds SciPy's tree on first use and answers what SciPy's own tree answers;
    copying and pickling the model's space neither builds it nor imports SciPy."""
    code = """
import copy, json, pickle, sys
import numpy as np
from ftzsim.model import FTZModel
import mesa.experimental.continuous_space.continuous_space as cs
m = FTZModel("classroom", rng=3, build_firm_agents=False, quarters=1)
copied = copy.deepcopy(m.space._kdtree)
pickled = pickle.loads(pickle.dumps(m.space._kdtree))
before = {"scipy": "scipy" in sys.modules, "tree": repr(m.space._kdtree), "copied": repr(copied)}
points = np.random.default_rng(5).uniform([100, 18], [125, 45], size=(40, 2))
ours = [m.space.find_nearest_cell(p).coordinate for p in points]
from scipy.spatial import KDTree
from scipy.spatial.distance import cdist
cells = list(m.space._cells.values())
real = KDTree(np.array([c.position for c in cells]))
theirs = [cells[int(real.query(p)[1])].coordinate for p in points]
print(json.dumps({**before, "same": ours == theirs, "distinct": len(set(ours)),
                  "built": repr(m.space._kdtree), "data": bool((m.space._kdtree.data == real.data).all()),
                  "pickled": bool(pickled.query(points[0])[1] == real.query(points[0])[1]),
                  "cdist": bool((cs.cdist(points[:3], points) == cdist(points[:3], points)).all()),
                  "cdist_name": cs.cdist.__name__}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["scipy"] is False
    assert "not built yet" in got["tree"] and "not built yet" in got["copied"]
    assert got["same"] is True and got["distinct"] >= 3  # the points reach several zones
    assert "built" in got["built"] and "not" not in got["built"] and got["data"] is True
    assert got["pickled"] is True and got["cdist"] is True and got["cdist_name"] == "deferred_cdist"


def test_mesa_logs_under_the_same_names_when_imported_with_frame_names_only():
    """Mesa finds its module loggers' names and its method logger's class name on the call
    stack while it is imported; with the stack read without source lines they must be what
    Mesa finds on its own (here: the eager import, in another process)."""
    code = """
import json, logging, sys
import ftzsim.model, mesa, mesa.model
records = []
handler = logging.Handler()
handler.emit = lambda r: records.append(r.getMessage())
logger = logging.getLogger("MESA")
logger.addHandler(handler)
logger.setLevel(logging.DEBUG)
mesa.Model(rng=1)
print(json.dumps({"logger": mesa.model._mesa_logger.name, "first": records[0].split(" with ")[0] if records else None,
                  "scipy": "scipy" in sys.modules}))
"""
    lean, eager = (
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                  env={**os.environ, **env}).stdout.strip().splitlines()[-1])
        for env in ({}, {"FTZSIM_EAGER_IMPORTS": "1"})
    )  # fmt: skip
    assert lean["scipy"] is False and eager["scipy"] is True  # the two imports differ...
    assert lean["logger"] == eager["logger"] == "MESA.mesa.model"  # ...and name alike
    assert lean["first"] == eager["first"] == "calling Model.__init__"


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


def test_a_sweep_workers_run_imports_no_pandas_or_scipy():
    """What a worker runs for each design row (the FTZ adapter without time series): no
    pandas, so no worker pays for it (it used to, once per worker, in ``run_replicates``),
    and no SciPy."""
    code = """
import json, sys
from ftzsim.engine.adapter import FTZAdapter
out = FTZAdapter("classroom", {"quarters": 2}, ["final_ds_exports"])({"data_openness": 0.6}, 11)
print(json.dumps({"pandas": "pandas" in sys.modules, "scipy": "scipy" in sys.modules, "keys": sorted(out)}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"pandas": False, "scipy": False, "keys": ["final_ds_exports"]}
