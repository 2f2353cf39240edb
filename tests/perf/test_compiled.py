"""The model's compiled loops: the ahead-of-time build and numba's JIT are the same code.

``ftzsim.model.compiled`` runs each compiled function from the ahead-of-time build when it
is current and for the exact argument types it was built for, and from numba's JIT
otherwise. These tests check that the two give identical runs bit for bit, that a run on
the build never loads numba, that a call the build does not cover reaches the JIT instead of
crashing, and that a stale build is refused. ``scripts/setup.sh`` makes the build, so in CI
it must be current (the first test fails otherwise); elsewhere the tests that need it skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ftzsim.model import compiled
from ftzsim.model.kernel import PENDING, pending_since

#: Runs in a fresh process; prints a digest of every national series and summary, whether
#: numba was imported, and which build served the calls.
CHILD = r"""
import hashlib, json, sys
from ftzsim.model import FTZModel
from ftzsim.model.compiled import status
h = hashlib.sha256()
m = FTZModel("classroom", rng=4, quarters=8)
m.run()
m.firm_agents[3].step()
runs = [m]
for kw in ({}, {"reform": False}, {"data_openness": 0.9, "risk_tolerance": 8.0}):
    r = FTZModel("baseline", rng=2, n_firms=4000, quarters=12, build_firm_agents=False, **kw)
    r.run()
    runs.append(r)
for r in runs:
    df = r.datacollector.get_model_vars_dataframe()
    h.update(df.select_dtypes("number").to_numpy(dtype=float).tobytes())
    h.update(json.dumps(r.summary(), sort_keys=True).encode())
h.update(m.firms.digital_level.tobytes() + m.firms.exports.tobytes() + m.firms.approval.tobytes())
s = status()
print(json.dumps({"digest": h.hexdigest(), "numba": "numba" in sys.modules, "aot": s["ahead_of_time"],
                  "fallbacks": s["fallbacks"]}))
"""


def _child(mode: str) -> dict:
    env = {**os.environ, "FTZSIM_KERNEL": mode}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _need_build() -> None:
    if not compiled.status()["ahead_of_time"]:
        pytest.skip(f"no current ahead-of-time build: {compiled.status()['why_not']}")


def test_the_build_is_current_where_setup_made_it():
    """CI runs scripts/setup.sh, which builds the loops: there the build must be in use, or
    the tests below would only ever see the JIT."""
    if not os.environ.get("CI"):
        pytest.skip("outside CI a build is optional (the JIT serves)")
    s = compiled.status()
    assert s["ahead_of_time"], s["why_not"]
    assert "ftzsim.model.kernel.firm_quarter" in s["functions"]


def test_ahead_of_time_and_jit_runs_are_identical_and_the_build_needs_no_numba():
    _need_build()
    aot, jit = _child("auto"), _child("jit")
    assert aot["aot"] and not jit["aot"]
    assert aot["digest"] == jit["digest"]  # whole runs, bit for bit
    assert aot["fallbacks"] == {}  # every call of these runs was served by the build
    assert aot["numba"] is False  # the point of the build: numba and LLVM are never imported
    assert jit["numba"] is True


def _pending_python(approval, applied, t, min_wait):
    return np.array([i for i in range(len(approval)) if approval[i] == PENDING and t - applied[i] >= min_wait])


def test_calls_the_build_does_not_cover_go_to_the_jit():
    """The build's entry points do not check types (an int64 array where int8 was compiled
    crashes the process): such calls, and a float where an int was compiled (the JIT would
    compile another specialisation), must reach the JIT and give its answer."""
    rng = np.random.default_rng(3)
    approval = rng.integers(0, 3, 50).astype(np.int8)
    applied = rng.integers(0, 10, 50).astype(np.int32)
    want = _pending_python(approval, applied, 12, 4)
    before = pending_since.fallbacks
    np.testing.assert_array_equal(pending_since(approval, applied, 12, 4), want)  # the built types
    served = compiled.status()["ahead_of_time"]
    assert pending_since.fallbacks == before
    np.testing.assert_array_equal(pending_since(approval.astype(np.int64), applied, 12, 4), want)
    np.testing.assert_array_equal(pending_since(approval[::1].copy(), applied.astype(np.int64), 12, 4), want)
    np.testing.assert_array_equal(pending_since(approval, applied, 12.0, 4), want)
    assert pending_since.fallbacks == before + (3 if served else 0)


def test_argument_checks_compare_dtype_shape_layout_and_scalar_types():
    check = compiled._checker((compiled._check(["array", "float64", 1, "C"]), compiled._check(["scalar", "int64"])))
    x = np.zeros(6)
    assert check((x, 3))
    assert check((x, np.int64(3)))
    assert check((np.asarray([0.0, 1.0]), 3))
    assert not check((x[::2], 3))  # not C-contiguous
    assert not check((x.astype(np.float32), 3))
    assert not check((x.reshape(2, 3), 3))
    assert not check((x, 3.0))
    assert not check((x, np.int32(3)))
    assert not check((x,))
    assert not check((x, 3, 4))
    ro = x.copy()
    ro.flags.writeable = False
    assert not check((ro, 3))
    assert not check((list(x), 3))
    any_layout = compiled._checker((compiled._check(["array", "float64", 1, "A"]),))
    assert any_layout((x[::2],))
    assert not any_layout((ro,))


def _why_refused(record: dict, tmp_path, monkeypatch) -> str | None:
    """Load ``record`` as the build's record in a fresh state; why it was refused (None if used)."""
    path = tmp_path / "_aot.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    monkeypatch.setattr(compiled, "_RECORD", path)
    monkeypatch.setitem(compiled._STATE, "aot", None)
    monkeypatch.setitem(compiled._STATE, "why", None)
    monkeypatch.delenv("FTZSIM_KERNEL", raising=False)
    assert (compiled._load_aot() is None) == (compiled._STATE["why"] is not None)
    return compiled._STATE["why"]


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("sources_sha256", "0" * 64, "stale"),
        ("cpu", "another", "another CPU"),
        ("numpy", "0.0.0", "another NumPy"),
    ],
)
def test_a_build_that_does_not_fit_is_refused(tmp_path, monkeypatch, field, value, why):
    """A build made from other source, for another CPU or another NumPy is never loaded:
    its machine code would compute something else, or crash."""
    record = {"sources_sha256": compiled._sources_hash(), "cpu": compiled._cpu(), "numba": "x",
              "numpy": np.__version__, "python": __import__("platform").python_version(), "functions": {}}  # fmt: skip
    record[field] = value
    assert why in (_why_refused(record, tmp_path, monkeypatch) or "")


@pytest.mark.parametrize(("key", "value"), [("export", "kernel__nothing__0"), ("args", [["scalar", "complex128"]])])
def test_a_record_that_does_not_describe_the_build_is_refused(tmp_path, monkeypatch, key, value):
    """A record naming an entry point the module lacks, or a type the checks do not know,
    sends every call to the JIT instead of failing at the first quarter."""
    _need_build()
    record = json.loads(compiled._RECORD.read_text(encoding="utf-8"))
    assert _why_refused(record, tmp_path, monkeypatch) is None  # the record as built is used
    record["functions"]["ftzsim.model.kernel.pending_since"][0][key] = value
    assert "does not describe the build" in (_why_refused(record, tmp_path, monkeypatch) or "")


def test_the_build_record_names_its_source():
    """The hash covers every compiled source file, so editing the firm rule makes the build
    stale (the test above shows a stale build is refused)."""
    h = hashlib.sha256()
    for name in ("kernel.py", "zones.py", "compiled.py"):
        h.update(name.encode())
        h.update((compiled._HERE / name).read_bytes())
    assert compiled._sources_hash() == h.hexdigest()
    assert {m.rsplit(".", 1)[1] + ".py" for m in compiled.MODULES} <= set(compiled._SOURCES)


def test_an_unknown_kernel_mode_is_a_clear_error(monkeypatch):
    from ftzsim.io import UserError

    monkeypatch.setenv("FTZSIM_KERNEL", "fast")
    with pytest.raises(UserError, match="FTZSIM_KERNEL='fast': allowed: auto, aot, jit"):
        compiled._mode()
