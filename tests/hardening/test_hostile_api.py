"""Hostile Python API calls, ``--set`` arguments, schedules and design files (hypothesis).

Every case ends in success or a clean refusal: ``ScenarioError`` / ``TypeError`` /
``ValueError`` with a message naming the argument (CLI: exit code 2, no traceback, nothing
written); a success is checked to have used exactly the value given and to produce finite
outputs. Issue 13 found ``rng="abc"`` failing inside NumPy, ``np.int64`` refused, ``--set
rng=5`` reaching the constructor and schedule entries naming unknown blocs raising KeyError.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ftzsim import levers as L
from ftzsim.cli import main
from ftzsim.engine.spec import load_experiment
from ftzsim.model import FTZModel
from ftzsim.scenario import ScenarioError, load_scenario
from tests.hardening.hostile import BAD_VALUES, dump

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = st.one_of(
    st.sampled_from([*L.REGISTRY, "n_firms", "quarters", "rng", "reform", "debug", "build_firm_agents"]),
    st.sampled_from([f"zone.{z}.{lv}" for z in ("Shanghai", "Hainan", "Atlantis") for lv in L.ZONE_LEVERS[:4]]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=20),
)
NUMBERS = st.one_of(
    st.integers(min_value=-5, max_value=50),
    st.floats(min_value=-1.0, max_value=2.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-5, max_value=50).map(np.int64),
    st.floats(min_value=-1.0, max_value=2.0).map(np.float64),
    st.floats(min_value=-1.0, max_value=2.0, width=32).map(np.float32),
    st.booleans().map(np.bool_),
)
VALUES = st.one_of(NUMBERS, BAD_VALUES)
CLEAN = (ScenarioError, TypeError, ValueError)


def _finite(model: FTZModel) -> bool:
    num = model.national_frame().select_dtypes("number").to_numpy(dtype=float)
    return bool(np.isfinite(num).all())


@SETTINGS
@given(key=KEYS, value=VALUES)
def test_model_keywords_are_validated_or_used_exactly(key, value):
    kw = {key: value} if key not in ("rng",) else {}
    rng = value if key == "rng" else 1
    try:
        m = FTZModel("classroom", rng=rng, build_firm_agents=False, **({"n_firms": 300, "quarters": 2} | kw)
                     if key not in ("n_firms", "quarters") else kw)  # fmt: skip
    except CLEAN as exc:
        assert str(exc) and "Traceback" not in str(exc)
        event(f"refused: {type(exc).__name__}")
        return
    event("accepted")
    if key in L.REGISTRY:
        assert m.params.get(key, m.config.levers.get(key)) == float(value)
    elif key.startswith("zone."):
        _, zone, lever = key.split(".")
        assert m.config.lever(zone, lever) == float(value)
    elif key in ("n_firms", "quarters"):
        assert getattr(m.config, key) == int(value) and not isinstance(value, bool | np.bool_)
        if key == "n_firms" and value > 5000:
            return
        if key == "quarters" and value > 8:
            m = FTZModel("classroom", rng=rng, build_firm_agents=False, n_firms=300, quarters=8)
    m.run()
    assert _finite(m)


@SETTINGS
@given(rng=st.one_of(BAD_VALUES, NUMBERS, st.none()))
def test_rng_is_checked_naming_the_argument(rng):
    try:
        m = FTZModel("classroom", rng=rng, build_firm_agents=False, n_firms=300, quarters=1)
    except (TypeError, ValueError) as exc:
        assert str(exc).startswith("rng:")
        event(f"refused: {type(exc).__name__}")
        return
    event("accepted")
    assert rng is None or (int(rng) >= 0 and not isinstance(rng, bool | float))
    m.run()
    assert _finite(m)


@SETTINGS
@given(key=KEYS, value=st.one_of(NUMBERS.map(str), st.text(max_size=12)))
def test_set_arguments_exit_0_or_2_and_never_reach_the_constructor(tmp_path, capsys, key, value):
    tmp = Path(tempfile.mkdtemp(dir=tmp_path))
    out = tmp / "o"
    code = main(["run", "classroom", "--out", str(out), "--quiet", "--set", f"{key}={value}", "--set", "n_firms=300"]
                + ([] if key == "quarters" else ["--steps", "1"]))  # fmt: skip
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err
    event(f"exit {code}")
    assert out.exists() == (code == 0)
    if code == 0:
        assert key in L.REGISTRY or key.startswith("zone.") or key == "quarters"
        assert not any(k in key for k in ("rng", "reform", "debug", "build_firm_agents"))
        nat = pd.read_parquet(out / "national.parquet")
        assert np.isfinite(nat.select_dtypes("number").to_numpy(dtype=float)).all()
    else:
        assert err.startswith("error:") or "Usage" in err, err
    assert not [p for p in tmp.iterdir() if p.name.startswith(".o.")]


SCHEDULE_KEYS = ["data_openness", "risk_tolerance", "rule_alignment.eu", "data_openness", "rule_alignment.mars",
                 "nonsense"]  # fmt: skip
SCHEDULE = st.fixed_dictionaries(
    {
        "at": st.sampled_from(["2021Q2", "2021Q3", "2022Q1", "2021Q2", "2030Q1", "2021Q5", "x"]),
        "set": st.dictionaries(
            st.sampled_from(SCHEDULE_KEYS),
            st.one_of(st.sampled_from([0.1, 0.5, 0.9]), st.sampled_from([0.1, 0.5, 0.9]), BAD_VALUES),
            min_size=1,
            max_size=2,
        ),
    },
    optional={"zones": st.lists(st.sampled_from(["Shanghai", "Hainan", "Atlantis"]), max_size=2)},
)


VALID_CHANGE = st.fixed_dictionaries(
    {
        "at": st.sampled_from(["2021Q2", "2021Q3", "2022Q1"]),
        "set": st.dictionaries(st.sampled_from(["data_openness", "risk_tolerance", "rule_alignment.eu"]),
                               st.sampled_from([0.1, 0.5, 0.9]), min_size=1, max_size=2),
    },
    optional={"zones": st.lists(st.sampled_from(["Shanghai", "Hainan"]), min_size=1, max_size=2, unique=True)},
)  # fmt: skip


@SETTINGS
@given(schedule=st.lists(st.one_of(VALID_CHANGE, VALID_CHANGE, SCHEDULE), min_size=1, max_size=3))
def test_schedules_load_or_are_refused_and_never_conflict(tmp_path, schedule):
    doc = {"scenario": {"name": "t", "zones": ["Shanghai", "Hainan"], "quarters": 8, "n_firms": 300},
           "schedule": schedule}  # fmt: skip
    f = Path(tempfile.mkdtemp(dir=tmp_path)) / "s.toml"
    f.write_text(dump(doc), encoding="utf-8")
    try:
        sc = load_scenario(f)
    except ScenarioError as exc:
        assert exc.problems and all(m for _, m in exc.problems) and str(f) in str(exc)
        event("refused")
        return
    event("accepted")
    seen: dict[tuple, float] = {}
    for ch in sc.schedule:
        for k, v in ch.values.items():
            assert k in L.REGISTRY
            for z in ch.zones if k in L.ZONE_LEVERS else ("*",):
                assert seen.setdefault((ch.step, z, k), v) == v  # no two values for one slot
    m = FTZModel(sc, rng=1, build_firm_agents=False).run()
    assert _finite(m)


COLUMNS = st.one_of(
    st.lists(st.sampled_from(["data_openness", "replication_lag", "row_id"]), min_size=1, max_size=2, unique=True),
    st.lists(st.sampled_from(["data_openness", "bass_q", "replication_lag", "row_id", "rng", "x", ""]),
             min_size=1, max_size=3, unique=True),
)  # fmt: skip
# mostly values inside the registry's bounds, so that accepted files are common too
CELLS = st.one_of(st.floats(0.0, 1.0), st.integers(1, 40), st.floats(0.0, 1.0), st.integers(1, 40),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 50), st.text(max_size=4))  # fmt: skip


@SETTINGS
@given(columns=COLUMNS, cells=st.lists(CELLS, max_size=9))
def test_design_files_load_in_bounds_or_are_refused(tmp_path, capsys, columns, cells):
    tmp = Path(tempfile.mkdtemp(dir=tmp_path))
    rows = [cells[i : i + len(columns)] for i in range(0, len(cells) - len(columns) + 1, len(columns))]
    pd.DataFrame(rows, columns=columns).to_csv(tmp / "d.csv", index=False)
    exp = tmp / "e.toml"
    exp.write_text('[experiment]\nname = "e"\nscenario = "classroom"\n[design]\nmethod = "file"\nfile = "d.csv"\n'
                   "[scenario_overrides]\nn_firms = 300\nquarters = 1\n")  # fmt: skip
    try:
        e = load_experiment(exp)
    except ScenarioError as exc:
        assert exc.problems and str(exp) in str(exc)
        code = main(["sweep", str(exp), "--out", str(tmp / "o"), "--quiet"])
        assert code == 2 and not (tmp / "o").exists()
        assert "Traceback" not in capsys.readouterr().err
        event("refused")
        return
    event("accepted")
    assert len(e.design.frame) >= 1
    for name in e.design.parameters:
        p = L.REGISTRY[name]
        col = e.design.frame[name]
        assert col.between(p.lower, p.upper).all() and all(math.isfinite(v) for v in col)


TOKENS = st.sampled_from(["--out", "--outcome", "--method", "--kind", "--x", "--y", "--seed", "--workers",
                          "--chunk-size", "--backend", "--resume", "--overwrite", "--quiet", "--markdown", "-1",
                          "0", "sobol", "national", "surface", "y", "ds_exports", "zone_lever", "{store}", "{run}",
                          "{file}", "/dev/zero", "/proc/self", "{tmp}/new/fig.png", "{tmp}/f.pdf", ""])  # fmt: skip
COMMANDS = st.sampled_from([["validate"], ["plot", "national"], ["plot", "surface"], ["plot", "compare"],
                            ["plot", "zonemap"], ["sensitivity"], ["levers"], ["sweep"]])  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cmd=COMMANDS, args=st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=6))
def test_random_command_lines_exit_0_or_2_without_traceback(tmp_path_factory, capsys, cmd, args):
    """Commands that only read (validate, plot, sensitivity, levers) or refuse (sweep of a
    bad file) get random arguments: exit code 0 or 2, never a traceback, never a stray file."""
    base = _fixtures(tmp_path_factory)
    tmp = Path(tempfile.mkdtemp(dir=base["root"]))
    subst = {"{store}": base["store"], "{run}": base["run"], "{file}": base["file"], "{tmp}": str(tmp)}
    argv = [*cmd, *(subst.get(a, a).replace("{tmp}", str(tmp)) for a in args)]
    before = sorted(p.name for p in Path(base["store"]).rglob("*"))
    code = main(argv)
    err = capsys.readouterr().err
    event(f"exit {code}")
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if cmd[0] != "sensitivity":  # sensitivity adds its results to the store; nothing else may
        assert sorted(p.name for p in Path(base["store"]).rglob("*")) == before


_FIX: dict = {}


def _fixtures(factory) -> dict:
    """A finished small sweep, a run and a bad scenario file, made once for all examples."""
    if not _FIX:
        root = factory.mktemp("cli")
        exp = root / "e.toml"
        exp.write_text('[experiment]\nname = "e"\nscenario = "classroom"\n[design]\nmethod = "lhs"\nn = 4\n'
                       'parameters = ["bass_q"]\n[outcomes]\ntimeseries = true\n'
                       "[scenario_overrides]\nn_firms = 300\nquarters = 2\n")  # fmt: skip
        assert main(["sweep", str(exp), "--out", str(root / "store"), "--quiet", "--workers", "1"]) == 0
        assert main(["run", "classroom", "--out", str(root / "run"), "--quiet", "--steps", "2"]) == 0
        (root / "bad.toml").write_text("[scenario]\nname = 1\n")
        _FIX.update(root=root, store=str(root / "store"), run=str(root / "run"), file=str(root / "bad.toml"))
    return _FIX
