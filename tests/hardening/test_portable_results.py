"""Stored results never carry this machine's folders (issue 7, security basics).

A failed run's record keeps its message and traceback so that the cause can be found, but a
sweep's directory travels (from a cluster to a laptop, into a paper's supplement): the user
name, home folder and install layout must not travel with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ftzsim.engine.designs import Design
from ftzsim.engine.sweep import sweep_function
from ftzsim.io import portable_text


def reads_a_missing_file(params: dict, seed: int) -> dict[str, float]:
    """A user's run function that fails on a file of this machine (its path in the message)."""
    if params["fail"]:
        Path(params["where"]).joinpath("inputs.csv").read_text()
    return {"y": params["x"]}


def test_failed_runs_are_stored_without_machine_paths(tmp_path, monkeypatch):
    where = tmp_path / "my data"
    rows = pd.DataFrame({"row_id": range(3), "x": [0.0, 1.0, 2.0], "fail": [0, 1, 0]})
    design = Design("file", rows, {"num_vars": 2, "names": ["x", "fail"], "bounds": [[0, 2], [0, 1]]})
    monkeypatch.chdir(tmp_path)

    def fn(params, seed):
        return reads_a_missing_file({**params, "where": str(where)}, seed)

    store = sweep_function(fn, design, tmp_path / "s", replicates=1, workers=1, progress=False)
    failed = store.failed()
    assert list(failed["row_id"]) == [1] and (failed["error"] == "FileNotFoundError").all()
    text = failed["message"].iloc[0] + failed["traceback"].iloc[0]
    assert "inputs.csv" in text and "reads_a_missing_file" in text  # still says what failed, and where
    for machine_path in (str(tmp_path), str(Path(__file__).resolve().parents[2]), sys.prefix, str(Path.home())):
        assert machine_path not in text, machine_path
    assert "./my data/inputs.csv" in text  # relative to the working directory
    # and nothing else in the store names the machine either
    for f in (tmp_path / "s").rglob("*"):
        if f.is_file():
            assert str(tmp_path).encode() not in f.read_bytes(), f


def test_portable_text_keeps_everything_else():
    s = "ValueError: data_openness=1.5 outside [0, 1] at step 3"
    assert portable_text(s) == s
    assert portable_text(f'File "{sys.prefix}/lib/x.py", line 3') == 'File "<python>/lib/x.py", line 3'


def test_no_file_of_a_run_or_a_sweep_names_this_machines_folders(tmp_path, monkeypatch):
    """Issue 17: the sweep's design and manifest kept the scenario file's absolute path. Every
    file written by ``ftzsim run`` and ``ftzsim sweep`` (the real entry point, with absolute
    paths on its command line) is scanned for the working, home and temporary folders."""
    import os
    import shutil
    import subprocess
    import tempfile

    from ftzsim.engine.store import load_results

    work = tmp_path / "study"
    work.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml", work / "mine.toml")
    (work / "exp.toml").write_text(
        '[experiment]\nname = "p"\nscenario = "mine.toml"\n[design]\nmethod = "scenarios"\n'
        'scenarios = ["classroom", "mine.toml"]\n[outcomes]\ntimeseries = true\n'
        "[scenario_overrides]\nn_firms = 300\nquarters = 2\n",
        encoding="utf-8",
    )
    exe = Path(sys.executable).with_name("ftzsim")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    monkeypatch.chdir(tmp_path)
    for args in (["sweep", str(work / "exp.toml"), "--out", str(work / "s"), "--quiet", "--workers", "1"],
                 ["run", str(work / "mine.toml"), "--out", str(work / "r"), "--quiet", "--steps", "2"]):  # fmt: skip
        subprocess.run([str(exe), *args], check=True, env=env, cwd=tmp_path, timeout=300)
    assert list(load_results(work / "s")["scenario"]) == ["classroom", "mine.toml"]
    paths = {str(tmp_path), str(work), str(Path.home()), tempfile.gettempdir() + "/", os.getcwd()}
    paths = {p for p in paths if len(p) > 1}
    scanned = 0
    for f in [*(work / "s").rglob("*"), *(work / "r").rglob("*")]:
        if f.is_file():
            data = f.read_bytes()
            scanned += 1
            for p in paths:
                assert p.encode() not in data, (f, p)
    assert scanned >= 10
