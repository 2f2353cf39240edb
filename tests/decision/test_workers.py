"""No sharp edges in worker processes: a script without a __main__ guard or fed on stdin is
told why up front, functions workers cannot import are shipped by value, workers start from
a preloaded fork server, each run records its wall time, and results load column by column."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from ftzsim.engine.designs import Design, make_design
from ftzsim.engine.store import load_results
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import slow_model
from ftzsim.engine.workers import startup_cost, worker_context
from ftzsim.io import UserError

SCRIPT = """
from ftzsim.engine.designs import make_design
from ftzsim.engine.sweep import sweep_function

def f(params, seed):
    return {"y": params["a"] ** 2 + params["b"]}

design = make_design("lhs", [], 8, seed=1, problem={"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})
sweep_function(f, design, "out", workers=2, progress=False)
print("done")
"""


def run(args, tmp_path, stdin=None):
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)  # fmt: skip


def test_script_without_main_guard_is_told_up_front(tmp_path):
    (tmp_path / "noguard.py").write_text(SCRIPT, encoding="utf-8")
    r = run(["noguard.py"], tmp_path)
    assert r.returncode != 0
    assert 'if __name__ == "__main__":' in r.stderr and "noguard.py" in r.stderr
    assert "died" not in r.stderr  # not the pool rebuilt six times
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_program_on_stdin_is_told_up_front(tmp_path):
    r = run(["-"], tmp_path, stdin=SCRIPT)
    assert r.returncode != 0 and "read from <stdin>" in r.stderr and "died" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_function_defined_in_python_c_is_shipped_by_value(tmp_path):
    r = run(["-c", SCRIPT], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    res = load_results(tmp_path / "out")
    np.testing.assert_allclose(res["y"], res["a"] ** 2 + res["b"])
    assert len(res) == 8


def test_closures_are_shipped_and_wall_time_recorded(tmp_path):
    scale = 3.0
    design = make_design("lhs", [], 6, seed=2, problem={"names": ["x"], "bounds": [[0, 1]]})
    sweep_function(lambda p, s: {"y": scale * p["x"]}, design, tmp_path / "s", workers=2, progress=False)
    res = load_results(tmp_path / "s")
    np.testing.assert_allclose(res["y"], 3.0 * res["x"])
    assert "wall_s" not in res.columns  # loaded results depend only on (parameters, seed)
    rows = pd.DataFrame({"row_id": range(4), "x": [0.0, 1.0, 2.0, 3.0]})
    d = Design("file", rows, {"num_vars": 1, "names": ["x"], "bounds": [[0, 3]]})
    sweep_function(slow_model, d, tmp_path / "t", workers=1, progress=False)
    timed = load_results(tmp_path / "t", timing=True)
    assert timed["wall_s"].between(0.04, 5.0).all()  # slow_model sleeps 50 ms


def test_unpicklable_function_is_refused_clearly(tmp_path):
    import threading

    lock = threading.Lock()
    design = make_design("lhs", [], 2, seed=2, problem={"names": ["x"], "bounds": [[0, 1]]})
    with pytest.raises(UserError, match="cannot be sent to worker processes"):
        sweep_function(lambda p, s: {"y": float(lock.locked())}, design, tmp_path / "u", workers=2, progress=False)
    assert not (tmp_path / "u").exists()


def test_load_results_reads_selected_columns(tmp_path):
    rows = pd.DataFrame({"row_id": range(5), "x": [0.0, 1.0, 2.0, 3.0, 4.0]})
    d = Design("file", rows, {"num_vars": 1, "names": ["x"], "bounds": [[0, 4]]})
    sweep_function(slow_model, d, tmp_path / "c", replicates=2, workers=1, chunk_size=3, progress=False)
    full = load_results(tmp_path / "c")
    some = load_results(tmp_path / "c", columns=["y"])
    assert list(some.columns) == ["row_id", "replicate", "seed", "y"]
    pd.testing.assert_frame_equal(some, full[["row_id", "replicate", "seed", "y"]], check_exact=True)
    with_x = load_results(tmp_path / "c", columns=["y", "x"])
    assert list(with_x.columns) == ["row_id", "replicate", "seed", "y", "x"]
    with pytest.raises(UserError, match="unknown columns"):
        load_results(tmp_path / "c", columns=["nope"])


def test_workers_start_from_a_preloaded_fork_server_cheaply():
    """Goal of issue 14: at most 0.3 s of CPU per worker start (a spawn worker used ~1.5 s)."""
    with ProcessPoolExecutor(max_workers=2, mp_context=worker_context()) as pool:
        reports = [pool.submit(startup_cost).result() for _ in range(4)]
    assert all(r["model_preloaded"] for r in reports)
    assert min(r["frozen"] for r in reports) > 10_000  # the server's preload, out of the collector's way
    assert all(r["gc_enabled"] for r in reports)  # paused for the preload only (_worker_env, _worker_warm)
    assert max(r["cpu_s"] for r in reports) <= 0.3, reports


@pytest.mark.parametrize(
    ("argv", "starts"),
    [
        (["sweep", "e.toml", "--out", "o", "--workers", "2"], True),
        (["sweep", "e.toml", "--out", "o", "--workers=2"], True),
        (["sweep", "e.toml", "--out", "o", "--workers", "1"], False),
        (["sweep", "e.toml", "--out", "o", "--workers", "2", "--backend", "dask"], False),
        (["sweep", "e.toml", "--out", "o", "--backend=local", "--workers", "4"], True),
        (["sweep", "e.toml", "--scheduler", "tcp://h:1", "--workers", "2"], False),
        (["sweep", "e.toml", "--workers", "two"], False),
        (["sweep", "--help"], False),
        (["run", "baseline", "--workers", "2"], False),
        ([], False),
    ],
)
def test_the_command_line_starts_the_fork_server_only_for_local_parallel_sweeps(argv, starts):
    """``ftzsim sweep`` starts the workers' fork server before the command line loads, so the
    server's imports overlap the driver's (issue 14); nothing else starts one."""
    from ftzsim.__main__ import _local_workers

    assert _local_workers(argv) is starts


def test_the_command_line_default_of_all_cores_starts_it_where_there_are_two():
    import os

    from ftzsim.__main__ import _local_workers

    assert _local_workers(["sweep", "e.toml", "--out", "o"]) is ((os.cpu_count() or 1) > 1)


GUARDED = """
from ftzsim.engine.designs import make_design
from ftzsim.engine.sweep import sweep_function


def f(params, seed):
    return {"y": params["a"] ** 2 + params["b"]}


def main():
    design = make_design("lhs", [], 8, seed=1, problem={"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})
    sweep_function(f, design, "out", workers=2, progress=False)


if __name__ == "__main__":
    main()
"""


def test_scripts_with_a_guard_run_in_parallel(tmp_path):
    (tmp_path / "guarded.py").write_text(GUARDED, encoding="utf-8")
    r = run(["guarded.py"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    res = load_results(tmp_path / "out")
    np.testing.assert_allclose(res["y"], res["a"] ** 2 + res["b"])


EARLY_SERVER = """
from ftzsim.engine.workers import start_server


def f(params, seed):
    return {"y": params["a"] ** 2 + params["b"]}


def main():
    import sys

    from ftzsim.engine.designs import make_design
    from ftzsim.engine.sweep import sweep_function

    design = make_design("lhs", [], 8, seed=1, problem={"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})
    sweep_function(f, design, "out", workers=2, progress=False)
    print("model imported by the driver:", "ftzsim.model" in sys.modules)
    print("scipy.stats imported by the driver:", "scipy.stats" in sys.modules)


if __name__ == "__main__":
    start_server()
    main()
"""


def test_a_script_can_start_the_fork_server_first(tmp_path):
    """The pattern docs/experiments.md gives for scripts: the server starts before the heavy
    imports; the sweep then uses it, and the driver itself never imports the model, nor
    ``scipy.stats`` for its LHS design (0.7 s on the way to the workers' start)."""
    (tmp_path / "early.py").write_text(EARLY_SERVER, encoding="utf-8")
    r = run(["early.py"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "model imported by the driver: False" in r.stdout
    assert "scipy.stats imported by the driver: False" in r.stdout
    res = load_results(tmp_path / "out")
    assert len(res) == 8
    np.testing.assert_allclose(res["y"], res["a"] ** 2 + res["b"])


def test_batches_shrink_towards_the_end_of_a_parallel_sweep():
    """Guided batch sizes (issue 14): a quarter of the remaining runs per worker, never below
    total / (32 x workers), never above 64; the tasks keep their order. Hand-computed for 200
    runs on 2 workers: ceil(200/8) = 25, ceil(175/8) = 22, ... down to ceil(200/64) = 4."""
    from ftzsim.engine.runners import _batches

    batches = list(_batches(iter(range(200)), workers=2, chunk_size=None, total=200))
    assert [len(b) for b in batches] == [25, 22, 20, 17, 15, 13, 11, 10, 9, 8, 7, 6, 5] + [4] * 8
    assert [t for b in batches for t in b] == list(range(200))
    assert [len(b) for b in _batches(iter(range(200)), workers=1, chunk_size=None, total=200)] == [25] * 8
    assert [len(b) for b in _batches(iter(range(10)), workers=2, chunk_size=3, total=10)] == [3, 3, 3, 1]
