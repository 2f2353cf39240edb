"""``--overwrite`` replaces only an earlier ftzsim output of the same kind, never anything else.

A slip of ``--out`` (a home folder, the working directory, a sweep's results given to
``ftzsim run``) with ``--overwrite`` used to delete whatever was there. Now every such case
ends with exit code 2, a message naming ``--out`` and what it holds, and not one byte changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.store import load_results
from ftzsim.io import UserError, check_out_dir, output_kind
from tests.engine.test_engine import SMALL

RUN = ["--quiet", "--steps", "2"]


def snapshot(d: Path) -> dict[str, bytes]:
    """Every file below ``d`` with its bytes, to show that nothing changed."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def refused(capsys, code: int, *needles: str) -> str:
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    for n in needles:
        assert n in err, (n, err)
    return err


def small_sweep(tmp_path: Path, out: Path, *extra: str) -> int:
    exp = tmp_path / "small.toml"
    exp.write_text(SMALL, encoding="utf-8")
    return main(["sweep", str(exp), "--out", str(out), "--quiet", *extra])


def test_overwrite_refuses_a_folder_ftzsim_did_not_write(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.tex").write_text("a day of work")
    (out / "sub" / "data.csv").write_text("1,2")
    (out / "manifest.json").write_text('{"kind": "something else"}')  # a manifest, but not ours
    before = snapshot(out)
    err = refused(capsys, main(["run", "classroom", "--out", str(out), "--overwrite", *RUN]), "--out", "nothing")
    assert "manifest.json written by ftzsim" in err
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine.")]  # no temporary left


def test_overwrite_replaces_an_earlier_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "classroom", "--out", str(out), "--quiet", "--steps", "3"]) == 0
    assert output_kind(out) == "ftzsim.run"
    assert main(["run", "classroom", "--out", str(out), "--overwrite", *RUN]) == 0
    assert len(pd.read_parquet(out / "national.parquet")) == 2


def test_run_overwrite_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    real, link = tmp_path / "real", tmp_path / "link"
    assert main(["run", "classroom", "--out", str(real), "--quiet", "--steps", "3"]) == 0
    link.symlink_to(real, target_is_directory=True)
    assert main(["run", "classroom", "--out", str(link), "--overwrite", *RUN]) == 0
    assert link.is_symlink() and len(pd.read_parquet(real / "national.parquet")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # nothing left aside


def test_run_overwrite_refuses_a_sweep_and_sweep_overwrite_refuses_a_run(tmp_path, capsys):
    sw, run = tmp_path / "sweep", tmp_path / "run"
    assert small_sweep(tmp_path, sw) == 0
    assert main(["run", "classroom", "--out", str(run), *RUN]) == 0
    sweep_files, run_files = snapshot(sw), snapshot(run)
    refused(capsys, main(["run", "classroom", "--out", str(sw), "--overwrite", *RUN]), "ftzsim.sweep output")
    refused(capsys, small_sweep(tmp_path, run, "--overwrite"), "ftzsim.run output")
    assert snapshot(sw) == sweep_files and snapshot(run) == run_files


def test_sweep_overwrite_replaces_an_earlier_sweep_and_keeps_a_symlink(tmp_path):
    real = tmp_path / "real"
    assert small_sweep(tmp_path, real) == 0
    first = load_results(real)
    (real / "chunks" / "stray.txt").write_text("x")  # left by the earlier sweep's user
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    before = snapshot(real)
    # a file ftzsim did not write is never deleted: the overwrite is refused, nothing changes
    assert small_sweep(tmp_path, link, "--overwrite") == 2
    assert snapshot(real) == before
    (real / "chunks" / "stray.txt").unlink()
    assert small_sweep(tmp_path, link, "--overwrite") == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    pd.testing.assert_frame_equal(load_results(real), first, check_exact=True)


def test_overwrite_refuses_the_working_directory_and_its_parents(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["run", "classroom", "--out", str(out), *RUN]) == 0
    before = snapshot(out)
    (out / "notes").mkdir()
    monkeypatch.chdir(out / "notes")
    for target in (".", "..", str(out)):
        refused(capsys, main(["run", "classroom", "--out", target, "--overwrite", *RUN]), "working directory")
    # even an empty working directory: it cannot be assembled aside and renamed into place
    assert not os.listdir(".")
    refused(capsys, main(["run", "classroom", "--out", ".", *RUN]), "working directory")
    assert snapshot(out) == before and not os.listdir(out / "notes")


def test_calibration_outputs_are_their_own_kind(tmp_path):
    out = tmp_path / "fit"
    out.mkdir()
    (out / "calibration.json").write_text(json.dumps({"kind": "ftzsim.calibration", "complete": True}))
    (out / "wave1" / "chunks").mkdir(parents=True)
    (out / "wave1" / "chunks" / "chunk-000000.parquet").write_bytes(b"x")
    assert output_kind(out) == "ftzsim.calibration"
    assert check_out_dir(out, True, "ftzsim.calibration") == out
    with pytest.raises(UserError, match=r"ftzsim\.calibration output"):
        check_out_dir(out, True, "ftzsim.run")
    (out / "calibration.json").write_text("not json {")
    assert output_kind(out) is None
    with pytest.raises(UserError, match=r"no calibration\.json written by ftzsim"):
        check_out_dir(out, True, "ftzsim.calibration")
