"""Real processes against one output: locks, killed drivers, SIGTERM, damaged chunks, the app.

Issue 13: two sweeps into one ``--out`` both exited 0 and mixed their rows; a SIGKILLed
driver left its workers running; SIGTERM left the manifest saying ``running``; one
truncated chunk made ``--resume`` end in a pyarrow traceback; SIGTERM to ``ftzsim app``
left the Solara server on its port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.store import DamagedChunk, RunStore, load_results
from tests.hardening.test_faults import cmdline, descendants, expected_rows

HERE = Path(__file__).resolve().parent
DRIVER = [sys.executable, str(HERE / "sweep_driver.py")]


def wait_for(cond, timeout: float = 120.0, what: str = "") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a zombie has exited; only its entry is left)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def n_chunks(out: Path) -> int:
    return len(list((out / "chunks").glob("chunk-*.parquet")))


# ------------------------------------------------------------------------------- locks
def test_a_second_writer_of_one_out_exits_2_naming_the_holder(tmp_path, capsys):
    """A sweep holds --out; a sweep of another experiment, a --resume and a run into the same
    --out are each refused with exit code 2 naming the holder's pid and host, and change nothing."""
    out = tmp_path / "s"
    proc = subprocess.Popen([*DRIVER, str(out), "local"])
    try:
        wait_for(lambda: n_chunks(out) >= 1, what="the first chunk")
        lock = tmp_path / ".s.ftzsim-lock"
        assert json.loads(lock.read_text())["pid"] == proc.pid
        exp = tmp_path / "other.toml"
        from tests.engine.test_engine import SMALL

        exp.write_text(SMALL, encoding="utf-8")
        for argv in (["sweep", str(exp), "--out", str(out), "--quiet"],
                     ["sweep", str(exp), "--out", str(out), "--quiet", "--resume"],
                     ["sweep", str(exp), "--out", str(out), "--quiet", "--overwrite"],
                     ["run", "classroom", "--out", str(out), "--quiet", "--overwrite", "--steps", "2"]):  # fmt: skip
            assert main(argv) == 2, argv
            err = capsys.readouterr().err
            assert f"pid {proc.pid} on {socket.gethostname()}" in err and "Traceback" not in err, err
        assert main(["sensitivity", str(out), "--outcome", "y"]) == 2  # partial results are not analysed
        assert f"pid {proc.pid}" in capsys.readouterr().err
        assert proc.wait(timeout=300) == 0
    finally:
        proc.kill()
    got = load_results(out, with_design=False)[["row_id", "replicate", "seed", "y"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected_rows(), check_exact=True)
    assert not lock.exists()  # released and removed by its holder


def test_two_sweeps_started_together_into_one_out_never_mix(tmp_path):
    """Two drivers started at the same moment: exactly one writes the store, the other exits
    with an error naming the reason; the store holds one experiment's rows, each once."""
    out = tmp_path / "s"
    procs = [subprocess.Popen([*DRIVER, str(out), "local"], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = sorted(p.wait(timeout=300) for p in procs)
    errs = "".join(p.stderr.read() for p in procs)
    assert codes[0] == 0 and codes[1] != 0, (codes, errs)
    assert "is writing it" in errs or "not empty" in errs, errs
    got = load_results(out, with_design=False)
    assert not got.duplicated(["row_id", "replicate"]).any() and len(got) == 120


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, capsys):
    out = tmp_path / "run"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = tmp_path / ".run.ftzsim-lock"
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": "earlier"}))
    assert main(["run", "classroom", "--out", str(out), "--quiet", "--steps", "2"]) == 0
    assert (out / "manifest.json").is_file() and not lock.exists()


# ------------------------------------------------------------------------------- killed drivers
def test_workers_die_with_a_sigkilled_driver(tmp_path):
    """SIGKILL the driver of a real 2-worker sweep: no worker (nor the resource tracker) is
    left after 5 s (they used to run on for minutes holding ~300 MB each)."""
    out = tmp_path / "s"
    proc = subprocess.Popen([*DRIVER, str(out), "local"], start_new_session=True)

    def workers() -> list[int]:
        # workers start from a fork server (its children carry its command line) or by spawn
        return [p for p in descendants(proc.pid) if "spawn_main" in cmdline(p) or "forkserver" in cmdline(p)]

    try:
        # chunks alone do not show that the workers run: wait for the worker processes too
        wait_for(lambda: n_chunks(out) >= 2 and len(workers()) >= 2, what="two chunks and the worker processes")
        kids = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 5
        while time.time() < deadline and any(alive(p) for p in kids):
            time.sleep(0.1)
        assert not [cmdline(p) for p in kids if alive(p)]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_mark_the_sweep_interrupted_with_exit_130(tmp_path, sig):
    from tests.engine.test_engine import SMALL

    exp = tmp_path / "e.toml"
    exp.write_text(SMALL.replace("n = 6", "n = 60").replace("chunk_size = 3", "chunk_size = 1"), encoding="utf-8")
    out = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-m", "ftzsim", "sweep", str(exp), "--out", str(out), "--workers", "2",
                             "--quiet"], stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: n_chunks(out) >= 2, what="two chunks")
        kids = descendants(proc.pid)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 130
        err = proc.stderr.read()
        assert "interrupted" in err and "Traceback" not in err, err
        man = RunStore(out).manifest()
        assert man["status"] == "interrupted" and 0 < man["done"] < 120
        time.sleep(1)
        assert not [cmdline(p) for p in kids if alive(p)]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ------------------------------------------------------------------------------- damaged chunks
def test_a_truncated_chunk_is_refused_then_resumed_to_the_undamaged_results(tmp_path, capsys):
    from tests.engine.test_engine import SMALL

    exp = tmp_path / "e.toml"
    exp.write_text(SMALL, encoding="utf-8")
    ref, out = tmp_path / "ref", tmp_path / "out"
    for d in (ref, out):
        assert main(["sweep", str(exp), "--out", str(d), "--quiet", "--workers", "1"]) == 0
    chunk = sorted((out / "chunks").glob("chunk-*.parquet"))[1]
    series = sorted((out / "timeseries").glob("chunk-*.parquet"))[0]
    chunk.write_bytes(chunk.read_bytes()[:-100])  # a copy cut short
    series.write_bytes(series.read_bytes()[:50])
    capsys.readouterr()
    with pytest.raises(DamagedChunk, match=chunk.name):
        load_results(out)
    for argv in (["sensitivity", str(out), "--outcome", "final_ds_exports", "--method", "delta"],
                 ["plot", "surface", str(out), "--out", str(tmp_path / "f.png"), "--x", "data_openness",
                  "--y", "bass_q", "--outcome", "final_ds_exports"]):  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "damaged" in err and "--resume" in err and "Traceback" not in err, err
    assert not (tmp_path / "f.png").exists()
    leftover = out / "chunks" / ".chunk-000099.parquet.abcd1234.tmp"  # a writer killed mid-write
    leftover.write_bytes(b"PAR1")
    assert main(["sweep", str(exp), "--out", str(out), "--quiet", "--resume", "--workers", "1"]) == 0
    assert not leftover.exists()
    err = capsys.readouterr().err
    assert "moved to chunks/corrupt/" in err and "moved to timeseries/corrupt/" in err
    assert (out / "chunks" / "corrupt" / chunk.name).exists()
    pd.testing.assert_frame_equal(load_results(out), load_results(ref), check_exact=True)
    from ftzsim.engine.store import load_timeseries

    pd.testing.assert_frame_equal(load_timeseries(out), load_timeseries(ref), check_exact=True)
    assert RunStore(out).manifest()["status"] == "complete"
    # a later --overwrite still recognises every file (the quarantined ones too) as ftzsim's
    assert main(["sweep", str(exp), "--out", str(out), "--quiet", "--overwrite", "--workers", "1"]) == 0
    assert not (out / "chunks" / "corrupt").exists()


def test_foreign_and_empty_stores_are_refused_by_sensitivity_and_plot(tmp_path, capsys):
    cases = {
        "empty": {},
        "run": {"manifest.json": json.dumps({"kind": "ftzsim.run"})},
        "list": {"manifest.json": "[1, 2]"},
        "garbage": {"manifest.json": "{not json"},
        "nodesign": {"manifest.json": json.dumps({"kind": "ftzsim.sweep", "design_method": "lhs"})},
        "baddesign": {"manifest.json": json.dumps({"kind": "ftzsim.sweep", "design_method": "lhs"}),
                      "design.parquet": "PAR1 not really"},
    }  # fmt: skip
    for name, files in cases.items():
        d = tmp_path / name
        d.mkdir()
        for f, text in files.items():
            (d / f).write_text(text)
        assert main(["sensitivity", str(d), "--outcome", "y"]) == 2, name
        assert main(["plot", "surface", str(d), "--out", str(tmp_path / "x.png"), "--x", "a", "--y", "b",
                     "--outcome", "y"]) == 2, name  # fmt: skip
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.count("error:") == 2, err


# ------------------------------------------------------------------------------- the app
def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_app_leaves_nothing_on_its_port():
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "ftzsim", "app", "--port", str(port)], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: _listening(port), timeout=180, what="the app's port")
        kids = descendants(proc.pid)
        assert kids
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        deadline = time.time() + 10
        while time.time() < deadline and (_listening(port) or any(alive(p) for p in kids)):
            time.sleep(0.1)
        assert not _listening(port) and not [p for p in kids if alive(p)]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_app_refuses_other_interfaces_without_allow_remote(capsys):
    for host in ("0.0.0.0", "::", "192.0.2.1"):
        assert main(["app", "--host", host, "--port", str(_port())]) == 2
        err = capsys.readouterr().err
        assert "--allow-remote" in err and "no authentication" in err
    # with --allow-remote the warning is printed; an address this machine does not have is refused
    assert main(["app", "--host", "192.0.2.1", "--allow-remote", "--port", str(_port())]) == 2
    err = capsys.readouterr().err
    assert "NO authentication" in err and "cannot listen there" in err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        assert main(["app", "--port", str(busy.getsockname()[1])]) == 2
        assert "cannot listen there" in capsys.readouterr().err
    finally:
        busy.close()
