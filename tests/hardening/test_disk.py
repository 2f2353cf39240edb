"""The output disk fails part-way through a sweep: a clear error, whole chunks, --resume.

The faults are real, not simulated: the sweep writes to a small tmpfs that the test mounts,
then either remounts read-only (EROFS, which root cannot override, unlike ``chmod``) or fills
to the last byte (ENOSPC) while the sweep runs. Mounting needs root (or CAP_SYS_ADMIN), which
the CI machines have; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ftzsim.engine.store import RunStore, load_results

EXPERIMENT = """
[experiment]
name = "disk_fault"
scenario = "classroom"
replicates = 2
master_seed = 3
chunk_size = 2

[design]
method = "lhs"
n = 300
parameters = ["data_openness", "bass_q"]

[outcomes]
names = ["final_ds_exports", "cum_incidents"]
"""


def ftzsim(*args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ftzsim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)  # fmt: skip


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> None:
    """Write until the file system has no byte left (ENOSPC), in ever smaller blocks."""
    import os

    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def remount_read_only(disk: Path) -> None:
    """Remount read-only; the kernel refuses (busy) while a file is open for writing, which
    the sweep does only for the moment of writing a chunk, so retry."""
    for _ in range(500):
        if subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True).returncode == 0:
            return
        time.sleep(0.005)
    raise AssertionError("could not remount the test disk read-only")


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_disk_failing_mid_sweep_stops_clearly_and_resume_completes(tmp_path, small_disk, fault):
    exp = tmp_path / "disk_fault.toml"
    exp.write_text(EXPERIMENT, encoding="utf-8")
    out = small_disk / "sweep"
    proc = ftzsim("sweep", str(exp), "--out", str(out), "--workers", "2", "--quiet")
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "chunks").glob("chunk-*.parquet"))) < 3:
        time.sleep(0.02)
    if fault == "read-only":
        remount_read_only(small_disk)
    else:
        fill(small_disk)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    reason = "Read-only file system" if fault == "read-only" else "No space left on device"
    assert "cannot write results" in err and reason in err and "--resume" in err, err
    assert RunStore(out).manifest()["status"] != "complete"
    entries = sorted((out / "chunks").glob("*"))
    temps = [p for p in entries if p.name.startswith(".")]
    if fault == "full":
        assert not temps, entries  # no temp left
    # on a disk remounted read-only, a temp file being written at that moment cannot be deleted
    # any more: it stays hidden (a dot name, never read as a chunk) and --resume removes it
    entries = [p for p in entries if not p.name.startswith(".")]
    chunks = [p for p in entries if p.suffix == ".parquet"]  # (the rest are their .sha256 sidecars)
    assert len(entries) == 2 * len(chunks) or len(entries) == 2 * len(chunks) + 1, entries
    part = pd.concat([pd.read_parquet(p) for p in chunks])  # every finished chunk is whole
    assert 6 <= len(part) < 600
    # the disk comes back; --resume completes the sweep, equal row for row to an uninterrupted one
    if fault == "read-only":
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    else:
        (small_disk / "filler").unlink()
    resumed = ftzsim("sweep", str(exp), "--out", str(out), "--workers", "2", "--quiet", "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert not list((out / "chunks").glob(".*")), "--resume leaves no temp file behind"
    whole = ftzsim("sweep", str(exp), "--out", str(tmp_path / "whole"), "--workers", "1", "--quiet")
    _, err = whole.communicate(timeout=300)
    assert whole.returncode == 0, err
    got, want = load_results(out), load_results(tmp_path / "whole")
    assert len(got) == 600
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert RunStore(out).manifest()["status"] == "complete"


SOBOL = """
[experiment]
name = "disk_sensitivity"
scenario = "classroom"
master_seed = 4

[design]
method = "sobol"
n = 4
parameters = ["data_openness", "bass_q"]
second_order = false

[outcomes]
names = ["final_ds_exports"]

[scenario_overrides]
quarters = 4
"""


def test_sensitivity_and_plot_on_a_full_disk_fail_clearly_and_leave_no_truncated_file(tmp_path, small_disk):
    """A full disk while ``sensitivity`` or ``plot`` writes: exit 1 with a plain message (a
    system problem, not the user's input), no traceback, and no file left looking complete."""
    from ftzsim.cli import main

    exp = tmp_path / "e.toml"
    exp.write_text(SOBOL, encoding="utf-8")
    sweep_dir = small_disk / "s"
    assert main(["sweep", str(exp), "--out", str(sweep_dir), "--workers", "1", "--quiet"]) == 0
    run_dir = tmp_path / "run"
    assert main(["run", "classroom", "--steps", "4", "--out", str(run_dir), "--quiet"]) == 0
    fill(small_disk)
    sens = ftzsim("sensitivity", str(sweep_dir), "--outcome", "final_ds_exports")
    _, err = sens.communicate(timeout=300)
    assert sens.returncode == 1 and "Traceback" not in err and "error:" in err, err
    written = list((sweep_dir / "sensitivity").glob("*")) if (sweep_dir / "sensitivity").exists() else []
    assert not [p for p in written if p.suffix in (".csv", ".png", ".json", ".parquet")], written
    fig = small_disk / "fig.png"
    plot = ftzsim("plot", "national", str(run_dir), "--out", str(fig))
    _, err = plot.communicate(timeout=300)
    assert plot.returncode == 1 and "Traceback" not in err and "error:" in err, err
    assert not fig.exists() and not list(small_disk.glob(".fig.png*"))
