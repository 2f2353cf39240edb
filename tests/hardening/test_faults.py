"""Faults during sweeps: killed workers (local pool and Dask), hanging runs, killed drivers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ftzsim.engine.designs import Design
from ftzsim.engine.store import RunStore, load_results
from ftzsim.engine.sweep import sweep_function
from ftzsim.engine.testfunctions import sometimes_fails
from ftzsim.seeds import replicate_seeds

HERE = Path(__file__).resolve().parent


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def expected_rows() -> pd.DataFrame:
    seeds = replicate_seeds(5, 2)
    rows = [(r, k, s, float(r) * 2.0 + s % 11) for r in range(60) for k, s in enumerate(seeds)]
    return pd.DataFrame(rows, columns=["row_id", "replicate", "seed", "y"])


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_sweep_survives_a_killed_worker(tmp_path, backend):
    """SIGKILL one worker process part-way: the sweep completes with every run exactly once."""
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, str(HERE / "sweep_driver.py"), str(out), backend])
    killed = None
    deadline = time.time() + 120
    while time.time() < deadline and killed is None:
        if len(list((out / "chunks").glob("chunk-*.parquet"))) >= 4:
            workers = [p for p in descendants(proc.pid) if "spawn_main" in cmdline(p) or "multiprocessing.forkserver"
                       in cmdline(p)]  # fmt: skip
            if workers:
                killed = workers[-1]
                os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    assert killed is not None, "no worker process found to kill"
    assert proc.wait(timeout=300) == 0
    got = load_results(out, with_design=False)[["row_id", "replicate", "seed", "y"]]
    assert not got.duplicated(["row_id", "replicate"]).any()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected_rows(), check_exact=True)
    assert RunStore(out).manifest()["status"] == "complete"


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_hanging_run_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, backend):
    """The local pool times runs out with SIGALRM, Dask (tasks run in threads) with a
    watchdog raising in the task's thread; the run hangs for 60 s, the timeout is 1 s."""
    rows = pd.DataFrame({"row_id": range(6), "x": [0.0, 1, 2, 3, 4, 5], "hang": [0, 0, 60, 0, 0, 0]})
    design = Design("file", rows, {"num_vars": 2, "names": ["x", "hang"], "bounds": [[0, 5], [0, 60]]})
    t0 = time.time()
    store = sweep_function(sometimes_fails, design, tmp_path / "t", workers=2, timeout=1.0, progress=False,
                           backend=backend)  # fmt: skip
    assert time.time() - t0 < 40
    failed = store.failed()
    assert list(failed["row_id"]) == [2] and failed["error"].iloc[0] == "RunTimeout"
    assert len(load_results(tmp_path / "t")) == 5


def test_interrupted_sweep_is_marked_and_chunks_stay_readable(tmp_path):
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, str(HERE / "sweep_driver.py"), str(out), "local"])
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "chunks").glob("chunk-*.parquet"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    man = RunStore(out).manifest()
    assert man["status"] == "interrupted"
    part = load_results(out, with_design=False)
    assert 0 < len(part) < 120
    exp = expected_rows().set_index(["row_id", "replicate"])
    got = part.set_index(["row_id", "replicate"])
    assert (got["y"] == exp.loc[got.index, "y"]).all()  # every finished chunk is whole and right


def test_thread_timeout_fires_only_inside_the_run():
    """The watchdog used in Dask's worker threads: a run past the timeout raises RunTimeout;
    a run that returned in time is never hit by a late timeout afterwards."""
    import threading

    from ftzsim.engine.runners import RunTimeout, _call

    seen = []

    def work():
        seen.append(_call(sometimes_fails, {"x": 1.0}, 7, 0.2))
        time.sleep(0.5)  # well past the first run's deadline: nothing may be raised here
        t0 = time.monotonic()
        try:
            _call(sometimes_fails, {"hang": 30}, 7, 0.3)
        except RunTimeout as exc:
            seen.append((str(exc), round(time.monotonic() - t0, 1)))
        time.sleep(0.5)
        seen.append("after")

    t = threading.Thread(target=work)
    t.start()
    t.join(20)
    assert seen == [{"y": 1.0 + 7 % 7}, ("run exceeded the per-run timeout of 0.3 s", 0.3), "after"]
