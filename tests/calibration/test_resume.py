"""``ftzsim calibrate`` is killed mid-run and resumed: the finished ensemble is the one an
uninterrupted calibration gives, bit for bit (real processes, real files, SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

TINY = [
    "--n-firms",
    "500",
    "--morris",
    "2",
    "--wave1",
    "40",
    "--wave2",
    "40",
    "--workers",
    "2",
    "--no-progress",
    "--decomposition-draws",
    "3",
]


def _cmd(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ftzsim", "calibrate", "baseline", "--out", str(out), *TINY, *extra]


@pytest.mark.slow
def test_killed_calibration_resumes_to_the_same_posterior(tmp_path):
    clean = tmp_path / "clean"
    r = subprocess.run(_cmd(clean), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]

    out = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 300
    # kill once wave 1 has started writing (the screen is finished by then)
    while not list((out / "wave1" / "chunks").glob("*.parquet")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "posterior.csv").exists()  # nothing that looks finished
    # a plain restart refuses to overwrite the half-done calibration, --resume finishes it
    again = subprocess.run(_cmd(out), capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--resume" in again.stderr + again.stdout
    r = subprocess.run(_cmd(out, "--resume"), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    a = pd.read_csv(clean / "posterior.csv")
    b = pd.read_csv(out / "posterior.csv")
    pd.testing.assert_frame_equal(a, b)
    assert (out / "report.md").read_text().split("\n", 1)[1] == (clean / "report.md").read_text().split("\n", 1)[1]


def test_resume_refuses_other_settings_and_a_folder_without_a_calibration(tmp_path):
    """--resume continues only the calibration the folder holds, with its own settings."""
    import json

    out = tmp_path / "cal"
    out.mkdir()
    settings = {"scenario": "baseline", "n_firms": 500, "morris_trajectories": 2, "wave1": 40, "wave2": 40,
                "master_seed": 2021}  # fmt: skip
    (out / "calibration.json").write_text(json.dumps({"kind": "ftzsim.calibration", "complete": False,
                                                      "settings": settings}))  # fmt: skip
    r = subprocess.run(_cmd(out, "--resume", "--wave1", "100"), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "other settings" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["calibration.json"]  # nothing run, nothing written
    r = subprocess.run(_cmd(tmp_path / "none", "--resume"), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no calibration to resume" in r.stderr
