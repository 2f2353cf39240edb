"""The experiment engine with real components: process pools, a Dask LocalCluster, files."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from ftzsim.engine.designs import latin_hypercube, make_design, scaled_lhs
from ftzsim.engine.sensitivity import analyze, noise_share, outcome_values, sobol_convergence
from ftzsim.engine.spec import load_experiment
from ftzsim.engine.store import RunStore, load_results
from ftzsim.engine.sweep import sweep, sweep_function
from ftzsim.engine.testfunctions import ISHIGAMI_S1, ISHIGAMI_ST, ishigami, sometimes_fails

PI = math.pi
ISHIGAMI = {"names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def test_ishigami_sobol_matches_analytic_indices(tmp_path):
    design = make_design("sobol", [], 1024, seed=3, problem=ISHIGAMI, second_order=False)
    sweep_function(ishigami, design, tmp_path / "s", workers=1, progress=False)
    values = outcome_values(load_results(tmp_path / "s"), "y")
    idx = analyze(design, values, "sobol", seed=2).set_index(["parameter", "index"])["value"]
    for i, p in enumerate(ISHIGAMI["names"]):
        assert idx[(p, "S1")] == pytest.approx(ISHIGAMI_S1[i], abs=0.05)
        assert idx[(p, "ST")] == pytest.approx(ISHIGAMI_ST[i], abs=0.05)
    conv = sobol_convergence(design, values)
    assert sorted(conv["N"].unique())[-1] == 1024 and len(conv["N"].unique()) == 4


def test_ishigami_fast_and_delta_and_morris_rank_correctly(tmp_path):
    design = make_design("fast", [], 512, seed=1, problem=ISHIGAMI)
    sweep_function(ishigami, design, tmp_path / "f", workers=1, progress=False)
    v = outcome_values(load_results(tmp_path / "f"), "y")
    st = analyze(design, v, "fast").query("index == 'ST'").set_index("parameter")["value"]
    assert st["x1"] == pytest.approx(ISHIGAMI_ST[0], abs=0.07) and st["x2"] == pytest.approx(ISHIGAMI_ST[1], abs=0.07)
    delta = analyze(design, v, "delta").query("index == 'delta'").set_index("parameter")["value"]
    assert delta["x2"] > delta["x3"]
    m = make_design("morris", [], 40, seed=1, problem=ISHIGAMI)
    sweep_function(ishigami, m, tmp_path / "m", workers=1, progress=False)
    idx = analyze(m, outcome_values(load_results(tmp_path / "m"), "y"), "morris").pivot_table(
        index="parameter", columns="index", values="value"
    )
    # x3 acts only through its interaction with sin(x1): its elementary effects change sign
    # with x1, so their signed mean nearly cancels while their absolute mean does not; x2 acts
    # alone (7 sin^2 x2), its effects' spread comes from non-linearity only
    assert abs(idx.loc["x3", "mu"]) < 0.5 * idx.loc["x3", "mu_star"]
    assert idx.loc["x2", "mu_star"] > idx.loc["x3", "mu_star"]


def test_designs_sizes_bounds_integers_and_seeds():
    params = ["data_openness", "bass_q", "replication_lag"]
    D = len(params)
    assert len(make_design("sobol", params, 16, seed=0).frame) == 16 * (2 * D + 2)
    assert len(make_design("sobol", params, 16, seed=0, second_order=False).frame) == 16 * (D + 2)
    assert len(make_design("morris", params, 10, seed=0).frame) == 10 * (D + 1)
    assert len(make_design("factorial", params, levels=3).frame) == 27
    assert len(make_design("lhs", params, 50, seed=0).frame) == 50
    d = make_design("lhs", params, 50, seed=0, bounds={"data_openness": (0.2, 0.4)})
    assert d.frame["data_openness"].between(0.2, 0.4).all()
    assert d.frame["replication_lag"].dtype.kind == "i" and d.frame["replication_lag"].between(1, 40).all()
    assert list(d.frame["row_id"]) == list(range(50))
    pd.testing.assert_frame_equal(
        d.frame, make_design("lhs", params, 50, seed=0, bounds={"data_openness": (0.2, 0.4)}).frame
    )
    assert not d.frame.equals(make_design("lhs", params, 50, seed=1, bounds={"data_openness": (0.2, 0.4)}).frame)
    with pytest.raises(ValueError):
        make_design("lhs", params, 5, bounds={"data_openness": (0.5, 1.5)})


@pytest.mark.parametrize("d", [0, 1, 3, 13])
@pytest.mark.parametrize("n", [0, 1, 7, 200])
@pytest.mark.parametrize("entropy", [0, 1, 2**40, [5, 1]])
def test_latin_hypercube_is_scipys_to_the_bit(d, n, entropy):
    """Our LHS replaces ``scipy.stats.qmc.LatinHypercube`` (an import of 0.7 s on the
    sweep's critical path): every design and study made with SciPy's must stay the same."""
    from scipy.stats import qmc

    def rng():
        return np.random.default_rng(np.random.SeedSequence(entropy))

    ours = latin_hypercube(d, n, rng())
    assert ours.shape == (n, d)
    np.testing.assert_array_equal(ours, qmc.LatinHypercube(d=d, rng=rng()).random(n))
    lo, hi = np.linspace(-1.0, 2.0, d), np.linspace(3.0, 9.0, d)
    if n and d:  # (qmc.scale cannot scale an empty sample)
        np.testing.assert_array_equal(
            scaled_lhs(lo, hi, n, rng()), qmc.scale(qmc.LatinHypercube(d=d, rng=rng()).random(n), lo, hi)
        )
    # one point per stratum in every dimension: the defining property, whatever SciPy does
    if n:
        np.testing.assert_array_equal(np.sort(np.floor(ours * n), axis=0), np.tile(np.arange(n), (d, 1)).T)
    if d:
        with pytest.raises(ValueError, match="lower < upper"):
            scaled_lhs(hi, lo, n, rng())


SMALL = """
[experiment]
name = "small"
scenario = "classroom"
replicates = 2
master_seed = 11
chunk_size = 3

[design]
method = "lhs"
n = 6
parameters = ["data_openness", "bass_q"]

[outcomes]
names = ["final_ds_exports", "cum_incidents", "final_adoption_rate"]
timeseries = true

[scenario_overrides]
n_firms = 150
quarters = 6
"""


def write(tmp_path, text, name="exp.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_same_results_for_one_and_two_workers_and_dask(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    frames = {}
    for label, kw in (("w1", {"workers": 1}), ("w2", {"workers": 2}), ("dask", {"workers": 2, "backend": "dask"})):
        sweep(exp, tmp_path / label, progress=False, **kw)
        frames[label] = load_results(tmp_path / label)
    assert len(frames["w1"]) == 12 and frames["w1"]["seed"].nunique() == 2
    pd.testing.assert_frame_equal(frames["w1"], frames["w2"], check_exact=True)
    pd.testing.assert_frame_equal(frames["w1"], frames["dask"], check_exact=True)
    man = RunStore(tmp_path / "dask").manifest()
    assert man["status"] == "complete" and man["done"] == 12 and man["backend"] == "dask"
    assert str(tmp_path) not in (tmp_path / "dask" / "manifest.json").read_text()
    from ftzsim.engine.store import load_timeseries

    ts = load_timeseries(tmp_path / "w2")
    assert len(ts) == 12 * 6 and {"row_id", "replicate", "ds_exports"} <= set(ts.columns)


def test_results_do_not_depend_on_the_order_runs_finish(tmp_path):
    """Row 0 is made slow, so with 2 workers and one run per task the runs finish out of
    design order (checked: the first chunk written is not row 0). The stored results still
    equal a serial sweep's exactly, and a repeated invocation gives the same again."""
    from ftzsim.engine.designs import Design

    rows = pd.DataFrame({"row_id": range(8), "x": np.arange(8.0), "hang": [1.5] + [0.05] * 7})
    design = Design("file", rows, {"num_vars": 2, "names": ["x", "hang"], "bounds": [[0, 7], [0, 1]]})
    kw = dict(replicates=1, master_seed=9, progress=False)
    serial = sweep_function(sometimes_fails, design, tmp_path / "serial", workers=1, **kw)
    shuffled = sweep_function(sometimes_fails, design, tmp_path / "shuffled", workers=2, chunk_size=1, **kw)
    again = sweep_function(sometimes_fails, design, tmp_path / "again", workers=2, chunk_size=1, **kw)
    first = pd.read_parquet(shuffled.chunks / "chunk-000000.parquet")
    assert first["row_id"].iloc[0] != 0  # the runs really finished out of order
    want = load_results(serial.root)
    assert len(want) == 8
    pd.testing.assert_frame_equal(load_results(shuffled.root), want, check_exact=True)
    pd.testing.assert_frame_equal(load_results(again.root), want, check_exact=True)


def test_common_random_numbers_across_rows(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    sweep(exp, tmp_path / "s", workers=1, progress=False)
    df = load_results(tmp_path / "s")
    assert df.groupby("replicate")["seed"].nunique().eq(1).all()  # every row on the same seeds


def test_raising_runs_are_recorded_and_retried(tmp_path):
    rows = pd.DataFrame({"row_id": range(6), "x": np.arange(6.0), "fail": [0, 1, 0, 1, 0, 0]})
    from ftzsim.engine.designs import Design

    design = Design("file", rows, {"num_vars": 2, "names": ["x", "fail"], "bounds": [[0, 5], [0, 1]]})
    store = sweep_function(sometimes_fails, design, tmp_path / "f", replicates=2, workers=2, progress=False)
    man = store.manifest()
    assert man["done"] == 8 and man["failed"] == 4 and man["status"] == "incomplete"
    failed = store.failed()
    assert set(failed["row_id"]) == {1, 3} and failed["traceback"].str.contains("deliberate failure").all()
    assert (failed["error"] == "ValueError").all()
    # the cause is "fixed": retry only the failed runs
    design.frame["fail"] = 0
    store = sweep_function(sometimes_fails, design, tmp_path / "f", replicates=2, workers=1, progress=False,
                           retry_failed=True)  # fmt: skip
    assert store.manifest()["status"] == "complete" and store.failed().empty
    assert len(load_results(tmp_path / "f")) == 12


def test_killed_sweep_resumes_to_identical_rows(tmp_path):
    text = SMALL.replace("n = 6", "n = 40").replace("chunk_size = 3", "chunk_size = 2")
    exp_path = write(tmp_path, text)
    ref = tmp_path / "ref"
    subprocess.run([sys.executable, "-m", "ftzsim", "sweep", str(exp_path), "--out", str(ref), "--workers", "2",
                    "--quiet"], check=True, timeout=300)  # fmt: skip
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "ftzsim", "sweep", str(exp_path), "--out", str(out),
                             "--workers", "2", "--quiet"], start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "chunks").glob("chunk-*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = load_results(out)
    assert 0 < len(partial) < 80, len(partial)
    r = subprocess.run([sys.executable, "-m", "ftzsim", "sweep", str(exp_path), "--out", str(out), "--resume",
                        "--workers", "2", "--quiet"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    a, b = load_results(ref), load_results(out)
    assert len(b) == 80 and not b.duplicated(["row_id", "replicate"]).any()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_noise_share_is_zero_for_deterministic_and_positive_for_noisy(tmp_path):
    v = pd.DataFrame({"row_id": [0, 0, 1, 1], "replicate": [0, 1, 0, 1], "y": [1.0, 1.0, 3.0, 3.0]})
    assert noise_share(v) == 0.0
    v["y"] = [1.0, 2.0, 3.0, 4.0]
    assert 0 < noise_share(v) < 1


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        (("[outcomes]", "[outcomes]\ncolour = 1"), "outcomes.colour"),
        (("n = 6", 'n = "six"'), "design.n"),
        (('"bass_q"]', '"bass_qq"]'), "did you mean 'bass_q'"),
        (("[outcomes]", "[design.bounds]\ndata_openness = [0.5, 1.5]\n[outcomes]"), "design.bounds.data_openness"),
        (('method = "lhs"', 'method = "latin"'), "design.method"),
        (("[design]", "[design"), "malformed TOML"),
        (('scenario = "classroom"', 'scenario = "clasroom"'), "did you mean 'classroom'"),
        (('"final_ds_exports"', '"final_ds_export"'), "outcomes.names[0]"),
        (("n_firms = 150", "n_firms = -5"), "scenario_overrides"),
    ],
)
def test_bad_experiment_files_exit_2_with_clear_message(tmp_path, patch, needle):
    path = write(tmp_path, SMALL.replace(*patch), "bad.toml")
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "ftzsim", "sweep", str(path), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "bad.toml" in r.stderr and needle in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_resume_refuses_a_different_experiment(tmp_path):
    exp = load_experiment(write(tmp_path, SMALL))
    sweep(exp, tmp_path / "s", workers=1, progress=False)
    other = write(tmp_path, SMALL.replace("master_seed = 11", "master_seed = 12"), "other.toml")
    r = subprocess.run([sys.executable, "-m", "ftzsim", "sweep", str(other), "--out", str(tmp_path / "s"),
                        "--resume"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2 and "different experiment" in r.stderr


def test_sensitivity_cli_writes_indices_and_figure(tmp_path):
    text = SMALL.replace('method = "lhs"', 'method = "sobol"').replace("n = 6", "n = 8")
    exp = load_experiment(write(tmp_path, text))
    sweep(exp, tmp_path / "s", workers=2, progress=False)
    r = subprocess.run([sys.executable, "-m", "ftzsim", "sensitivity", str(tmp_path / "s"), "--outcome",
                        "final_ds_exports"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = tmp_path / "s" / "sensitivity"
    idx = pd.read_csv(out / "final_ds_exports_sobol.csv")
    assert set(idx["parameter"]) == {"data_openness", "bass_q"} and {"S1", "ST", "S2"} <= set(idx["index"])
    assert (out / "final_ds_exports_sobol.png").stat().st_size > 5000
    assert (out / "final_ds_exports_sobol_convergence.csv").exists()
    cmd = [sys.executable, "-m", "ftzsim", "sensitivity", str(tmp_path / "s")]
    r = subprocess.run([*cmd, "--outcome", "cumulative:ds_exports", "--method", "delta"], capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "ftzsim", "sensitivity", str(tmp_path / "s"), "--outcome", "nope"],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2 and "unknown outcome" in r.stderr
