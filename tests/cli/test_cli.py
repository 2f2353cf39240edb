"""The ftzsim command line end to end, in real temporary folders and subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ftzsim.outcomes import NATIONAL_OUTCOMES, ZONE_OUTCOMES


def ftzsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftzsim", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_run_end_to_end(tmp_path):
    out = tmp_path / "run"
    r = ftzsim("run", "classroom", "--seed", "4", "--out", str(out), "--set", "data_openness=0.5",
               "--set", "zone.Shanghai.single_window=1", "--figures")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {
        "national.parquet",
        "zones.parquet",
        "annual.parquet",
        "manifest.json",
        "figures",
    }
    nat = pd.read_parquet(out / "national.parquet")
    zones = pd.read_parquet(out / "zones.parquet")
    assert len(nat) == 20 and set(NATIONAL_OUTCOMES) <= set(nat.columns)
    assert len(zones) == 20 * 7 and set(ZONE_OUTCOMES) <= set(zones.columns)
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 4 and man["levers"]["data_openness"] == 0.5
    assert man["zone_levers"]["Shanghai"]["single_window"] == 1
    assert man["network"]["k_nearest"] >= 1 and man["constants"]  # everything that defines the run
    assert len(man["scenario_sha256"]) == 64 and man["packages"]["mesa"].startswith("3.")
    assert str(tmp_path) not in (out / "manifest.json").read_text()  # no absolute paths
    assert (out / "figures" / "national.png").stat().st_size > 10_000
    # results are as readable as other files the user writes (not tempfile's 0600/0700)
    mask = os.umask(0)
    os.umask(mask)
    assert (out.stat().st_mode & 0o777) == 0o777 & ~mask
    assert ((out / "national.parquet").stat().st_mode & 0o777) == 0o666 & ~mask
    assert "2025" in r.stdout and "ds_exports" in r.stdout
    # the same command again gives the same numbers (determinism through the CLI)
    out2 = tmp_path / "run2"
    ftzsim("run", "classroom", "--seed", "4", "--out", str(out2), "--set", "data_openness=0.5",
           "--set", "zone.Shanghai.single_window=1", "--quiet")  # fmt: skip
    pd.testing.assert_frame_equal(nat, pd.read_parquet(out2 / "national.parquet"))


def test_run_refuses_non_empty_out_unless_overwrite(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    r = ftzsim("run", "classroom", "--out", str(out), "--steps", "2", "--quiet")
    assert r.returncode == 2 and "not empty" in r.stderr and "--overwrite" in r.stderr
    assert (out / "keep.txt").read_text() == "precious"
    # --overwrite replaces an earlier run only, never a folder ftzsim did not write
    r = ftzsim("run", "classroom", "--out", str(out), "--steps", "2", "--quiet", "--overwrite")
    assert r.returncode == 2 and "no manifest.json written by ftzsim" in r.stderr
    assert (out / "keep.txt").read_text() == "precious"
    (out / "keep.txt").unlink()
    assert ftzsim("run", "classroom", "--out", str(out), "--steps", "3", "--quiet").returncode == 0
    r = ftzsim("run", "classroom", "--out", str(out), "--steps", "2", "--quiet", "--overwrite")
    assert r.returncode == 0
    assert len(pd.read_parquet(out / "national.parquet")) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "data_openness=1.5"], "data_openness"),
        (["--set", "data_openess=0.5"], "did you mean 'data_openness'"),
        (["--set", "zone.Shangai.single_window=0.5"], "did you mean 'Shanghai'"),
        (["--set", "data_openness"], "expected key=value"),
        (["--set", "data_openness=abc"], "not a number"),
        (["--set", "data_openness=nan"], "finite"),
        (["--steps", "0"], "--steps"),
        (["--seed", "-3"], "--seed"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(tmp_path, args, needle):
    out = tmp_path / "o"
    r = ftzsim("run", "classroom", "--out", str(out), *args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing half-written


def test_bad_scenario_file_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[levers]\nsingle_window = 7\n')
    r = ftzsim("run", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "bad.toml" in r.stderr and "levers.single_window" in r.stderr
    assert "[0, 1]" in r.stderr and "Traceback" not in r.stderr
    r = ftzsim("validate", str(bad))
    assert r.returncode == 2 and "levers.single_window" in r.stderr


def test_scenarios_and_levers_listing():
    r = ftzsim("scenarios")
    assert r.returncode == 0 and "baseline" in r.stdout and "data_corridor" in r.stdout
    r = ftzsim("levers")
    from ftzsim.levers import REGISTRY

    assert r.returncode == 0 and all(name in r.stdout for name in REGISTRY)


def test_validate_good_files():
    r = ftzsim("validate", "baseline", "classroom")
    assert r.returncode == 0 and r.stdout.count(": ok") == 2


def test_lever_docs_are_generated_from_the_registry():
    """docs/levers.md is the registry's own rendering: no second hand-written list drifts.
    The effect card appended to it (``ftzsim effects --markdown-into``) is model output, not
    registry text, so it is left out of the comparison."""
    from ftzsim.engine.effects import strip_block
    from ftzsim.levers import markdown_table

    doc = Path(__file__).resolve().parents[2] / "docs" / "levers.md"
    text = strip_block(doc.read_text(encoding="utf-8"))
    assert text == markdown_table(), "regenerate: ftzsim levers --markdown > docs/levers.md"


def test_run_with_replicates_has_bands_and_distinct_seeds(tmp_path):
    out = tmp_path / "rep"
    r = ftzsim("run", "classroom", "--seed", "9", "--replicates", "3", "--out", str(out), "--quiet", "--figures")
    assert r.returncode == 0, r.stderr
    nat = pd.read_parquet(out / "national.parquet")
    assert sorted(nat["replicate"].unique()) == [0, 1, 2] and nat["seed"].nunique() == 3
    from ftzsim.seeds import replicate_seeds

    assert sorted(nat["seed"].unique()) == sorted(replicate_seeds(9, 3))
    ann = pd.read_parquet(out / "annual.parquet")
    assert len(ann) == 3 * 5  # replicates x years, not summed across replicates
    man = json.loads((out / "manifest.json").read_text())
    assert man["replicates"] == 3 and len(man["summary"]) == 3
