"""Hostile experiment files and ``ftzsim sweep`` arguments (property-based, hypothesis).

Like the scenario files: every malformed, mistyped, out-of-range, truncated, duplicated-key,
wrong-encoding or oversized experiment (a design that would exhaust memory included) must
end in a ScenarioError naming the file and the field (CLI: exit code 2, no traceback, no
sweep directory left behind). A mutation that happens to be valid must load as a valid
experiment; it is not run (a valid Sobol design is thousands of runs).
"""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftzsim.cli import main
from ftzsim.engine.designs import MAX_DESIGN_ROWS
from ftzsim.engine.spec import load_experiment
from ftzsim.levers import REGISTRY
from ftzsim.scenario import ScenarioError
from tests.hardening.hostile import (
    BAD_VALUES,
    WRONG_ENCODINGS,
    dump,
    encoded,
    leaves,
    loads_or_is_refused,
    set_path,
)

ROOT = Path(__file__).resolve().parents[2]
BASE_TEXT = (ROOT / "experiments" / "sobol_digital.toml").read_text(encoding="utf-8")
BASE = tomllib.loads(BASE_TEXT)
LEAVES = list(leaves(BASE))
SETTINGS = settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COUNT = {"inputs": 0}


def check(path: Path, tmp: Path, capsys, must_fail: bool = False) -> bool:
    """The file loads, or is refused with a ScenarioError naming it and each field; then the
    CLI exits 2 without a traceback and without creating the sweep directory."""
    COUNT["inputs"] += 1
    ok = loads_or_is_refused(load_experiment, path)
    assert not (must_fail and ok), f"{path} should have been refused"
    if not ok:
        out = tmp / "sweep"
        code = main(["sweep", str(path), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and str(path) in err and "Traceback" not in err, err
        assert not out.exists()
    return ok


def write(tmp_path: Path, text: str | bytes) -> tuple[Path, Path]:
    tmp = Path(tempfile.mkdtemp(dir=tmp_path))
    f = tmp / "exp.toml"
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text, encoding="utf-8")
    return f, tmp


@SETTINGS
@given(path=st.sampled_from(LEAVES), value=BAD_VALUES)
def test_mistyped_or_out_of_range_values(tmp_path, capsys, path, value):
    doc = copy.deepcopy(BASE)
    set_path(doc, path, value)
    check(*write(tmp_path, dump(doc)), capsys)


@SETTINGS
@given(
    table=st.sampled_from([(), ("experiment",), ("design",), ("outcomes",)]),
    key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
    value=st.integers(),
)
def test_unknown_keys(tmp_path, capsys, table, key, value):
    doc = copy.deepcopy(BASE)
    target = doc
    for t in table:
        target = target[t]
    if key in target or (table == () and key == "scenario_overrides"):
        return
    target[key] = value
    f, tmp = write(tmp_path, dump(doc))
    check(f, tmp, capsys, must_fail=True)
    with pytest.raises(ScenarioError, match=key):
        load_experiment(f)


@SETTINGS
@given(
    names=st.lists(st.one_of(st.sampled_from(sorted(REGISTRY)), st.text(max_size=15)), min_size=0, max_size=4),
    bounds=st.dictionaries(st.sampled_from(sorted(REGISTRY)),
                           st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=3), max_size=2),
    method=st.sampled_from(["sobol", "morris", "lhs", "fast", "factorial", "file", "scenarios", "grid", ""]),
    n=st.integers(-5, 2**22),
)  # fmt: skip
def test_parameters_bounds_and_methods(tmp_path, capsys, names, bounds, method, n):
    doc = copy.deepcopy(BASE)
    doc["design"] = {"method": method, "n": n, "parameters": names, "bounds": bounds}
    check(*write(tmp_path, dump(doc)), capsys)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(BASE_TEXT)))
def test_truncated_files(tmp_path, capsys, cut):
    check(*write(tmp_path, BASE_TEXT[:cut]), capsys)


@SETTINGS
@given(line=st.sampled_from([ln for ln in BASE_TEXT.splitlines() if " = " in ln and not ln.startswith("#")]))
def test_duplicated_keys(tmp_path, capsys, line):
    f, tmp = write(tmp_path, BASE_TEXT.replace(line, line + "\n" + line, 1))
    check(f, tmp, capsys, must_fail=True)


@SETTINGS
@given(encoding=WRONG_ENCODINGS, extra=st.text(max_size=10))
def test_wrong_encodings(tmp_path, capsys, encoding, extra):
    data = encoded(BASE_TEXT.replace("Sobol indices", f"Sobol 指数 {extra}"), encoding)
    if data is not None:
        check(*write(tmp_path, data), capsys)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path, capsys, data):
    check(*write(tmp_path, data), capsys)


@pytest.mark.parametrize(("design", "field"), [
    ('method = "factorial"\nlevels = 50\nparameters = "ALL"', "design.levels"),
    ('method = "sobol"\nn = 524288\nparameters = "ALL"', "design.n"),
    ('method = "morris"\nn = 1000000\nparameters = "ALL"', "design.n"),
])  # fmt: skip
def test_designs_that_would_exhaust_memory_are_refused_up_front(tmp_path, capsys, design, field):
    text = BASE_TEXT[: BASE_TEXT.index("[design]")] + "[design]\n" + design + "\n"
    f, tmp = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_experiment(f)
    ((path, msg),) = info.value.problems
    assert path == field and "would have" in msg and f"{MAX_DESIGN_ROWS:,}" in msg
    check(f, tmp, capsys, must_fail=True)


BAD_ARGS = st.one_of(
    st.tuples(st.just("--workers"), st.one_of(st.integers(max_value=0), st.integers(min_value=1025)).map(str)),
    st.tuples(st.just("--workers"), st.text(alphabet="abc.-xyz", min_size=1, max_size=5)),
    st.tuples(st.just("--chunk-size"), st.one_of(st.integers(max_value=0), st.integers(min_value=10_001)).map(str)),
    st.tuples(st.just("--backend"), st.text(max_size=10).filter(lambda s: s not in ("local", "dask"))),
    st.tuples(st.just("--scheduler"), st.text(max_size=20).filter(lambda s: "://" not in s)),
)


@SETTINGS
@given(arg=BAD_ARGS)
def test_bad_sweep_arguments_exit_2(tmp_path, capsys, arg):
    f, tmp = write(tmp_path, BASE_TEXT)
    out = tmp / "sweep"
    code = main(["sweep", str(f), "--out", str(out), "--quiet", *arg])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert arg[0] in err or arg[0].lstrip("-") in err or "Invalid value" in err, err
    assert not out.exists()
    COUNT["inputs"] += 1


def test_sweep_out_path_tricks_are_refused(tmp_path, capsys):
    f, tmp = write(tmp_path, BASE_TEXT)
    real = tmp / "real"
    real.mkdir()
    (real / "keep").write_text("x")
    (tmp / "link").symlink_to(real, target_is_directory=True)
    (tmp / "afile").write_text("x")
    for out in (real, tmp / "link", tmp / "afile", tmp / "afile" / "sub"):
        code = main(["sweep", str(f), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and "--out" in err, (out, err)
    assert (real / "keep").read_text() == "x" and (tmp / "afile").read_text() == "x"
    assert sorted(p.name for p in real.iterdir()) == ["keep"]


def test_enough_hostile_experiments_were_tried():
    """Run last in this module: the property tests above tried at least 500 inputs."""
    print(f"hostile experiment inputs tried: {COUNT['inputs']}")
    assert COUNT["inputs"] >= 500, COUNT
