"""Inputs are bounded and validated on one path before anything is read whole, run or written.

Each test is a class of failure from issue 13, with the example that found it: files read
whole before the size check (``/dev/zero``), deep TOML nesting (RecursionError), 72 MB
messages, LHS 10^6 x 1000 replicates (MemoryError), ``[calibration.fitted]`` levels outside
their bounds (``inf`` in every Parquet file), ``--set rng=5``, a zone override dropped by a
later national value, conflicting schedule entries, unknown blocs, a non-table ``scenario``
in an ``extends`` parent, ``FTZModel(None)``, NumPy arguments, header-only design files,
invalid ``scenarios`` members, ``--out`` under ``/proc``.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ftzsim.cli import main
from ftzsim.engine.spec import load_experiment
from ftzsim.model import FTZModel
from ftzsim.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario

RUN = ["--quiet", "--steps", "2"]


def refused(capsys, code: int, *needles: str) -> str:
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, (code, err)
    for n in needles:
        assert n in err, (n, err)
    return err


def scenario_file(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text('[scenario]\nname = "t"\nzones = ["Shanghai", "Hainan"]\nquarters = 8\nn_firms = 300\n'
                 + textwrap.dedent(body), encoding="utf-8")  # fmt: skip
    return p


# ------------------------------------------------------------------------------- files
def test_devices_fifos_and_huge_sparse_files_are_refused_before_reading(tmp_path, capsys):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # opening it for reading would block forever
    sparse = tmp_path / "huge.toml"
    with open(sparse, "wb") as fh:
        fh.truncate(8 * 1024**3)  # 8 GB of nothing: reading it whole would exhaust memory
    t0 = time.monotonic()
    cases = [("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
             (str(sparse), f"allowed: at most {MAX_FILE_BYTES:,}"), (str(tmp_path), "is a directory")]  # fmt: skip
    for path, needle in cases:
        refused(capsys, main(["validate", path]), needle)
        exp = tmp_path / "exp.toml"
        exp.write_text(f'[experiment]\nname = "e"\nscenario = "{path}"\n[design]\nmethod = "lhs"\n'
                       'parameters = ["bass_q"]\nn = 2\n')  # fmt: skip
        refused(capsys, main(["sweep", path, "--out", str(tmp_path / "o")]), needle)
    parent = scenario_file(tmp_path, "", "child.toml")
    parent.write_text(f'[scenario]\nname = "c"\nextends = "{sparse}"\n')
    refused(capsys, main(["validate", str(parent)]), "allowed: at most")
    assert time.monotonic() - t0 < 20
    assert not (tmp_path / "o").exists()


def test_deep_nesting_is_refused_without_recursion_error(tmp_path, capsys):
    deep_array = tmp_path / "a.toml"
    deep_array.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    deep_keys = tmp_path / "k.toml"
    deep_keys.write_text("[scenario]\nname = 'x'\n[" + ".".join(f"k{i}" for i in range(3000)) + "]\nv = 1\n")
    for p in (deep_array, deep_keys):
        refused(capsys, main(["validate", str(p)]), "nested too deeply")
        with pytest.raises(ScenarioError, match="nested too deeply"):
            load_experiment(p)


def test_long_values_give_short_messages_that_count_what_was_left_out(tmp_path, capsys):
    name = "x" * 1_500_000
    p = tmp_path / "long.toml"
    p.write_text(f'[scenario]\nname = "t"\nzones = ["{name}"]\n')
    err = refused(capsys, main(["validate", str(p)]), "scenario.zones[0]", "more characters")
    assert len(err) < 5_000
    p.write_text('[scenario]\nname = "t"\n[levers]\n' + "".join(f"unknown_{i} = 1\n" for i in range(300)))
    err = refused(capsys, main(["validate", str(p)]), "300 problem(s)", "250 more problem(s) not shown")
    assert len(err) < 60_000
    code = main(["run", "classroom", "--out", str(tmp_path / "o"), "--set", f"{name}=1", *RUN])
    err = refused(capsys, code, "more characters")
    assert len(err) < 10_000
    code = main(["run", "classroom", "--out", str(tmp_path / "o"), "--seed", name, *RUN])  # a usage error
    err = refused(capsys, code, "--seed")
    assert len(err) < 10_000


# ------------------------------------------------------------------------------- sizes
def test_runs_times_replicates_and_memory_are_checked_before_anything_is_written(tmp_path, capsys):
    exp = tmp_path / "big.toml"
    exp.write_text('[experiment]\nname = "big"\nscenario = "classroom"\nreplicates = 1000\n'
                   '[design]\nmethod = "lhs"\nn = 1000000\nparameters = ["bass_q", "bass_p"]\n')  # fmt: skip
    t0 = time.monotonic()
    refused(capsys, main(["sweep", str(exp), "--out", str(tmp_path / "o")]), "1,000,000,000 runs",
            "experiment.replicates")  # fmt: skip
    assert time.monotonic() - t0 < 10 and not (tmp_path / "o").exists()
    from ftzsim.engine.designs import make_design
    from ftzsim.engine.sweep import sweep_function
    from ftzsim.engine.testfunctions import sometimes_fails
    from ftzsim.io import UserError

    design = make_design("lhs", ["bass_q"], 20_000, seed=0)
    with pytest.raises(UserError, match="runs"):
        sweep_function(sometimes_fails, design, tmp_path / "p", replicates=1000, progress=False)
    assert not (tmp_path / "p").exists()


def test_the_task_list_is_streamed_not_materialised():
    from ftzsim.engine.runners import _batches, plan_tasks

    rows = ({"x": float(i)} for i in range(10**6))  # a generator: never a list
    tasks = plan_tasks(rows, list(range(1000)), skip=set())
    batches = _batches(tasks, workers=2, chunk_size=None, total=10**9)
    first = next(batches)
    assert len(first) == 64 and first[0] == (0, 0, 0, {"x": 0.0}) and first[-1][:3] == (0, 63, 63)
    assert next(batches)[0][:2] == (0, 64)


# ------------------------------------------------------------------------------- one validation path
@pytest.mark.parametrize("value", ["1e308", "-5.0", "0.0", "nan", "11"])
def test_fitted_levels_are_bounded_like_constants(tmp_path, capsys, value):
    p = scenario_file(tmp_path, f"[calibration.fitted]\nlevel_ds_exports = {value}\n")
    refused(capsys, main(["validate", str(p)]), "calibration.fitted.level_ds_exports")
    refused(capsys, main(["run", str(p), "--out", str(tmp_path / "o"), *RUN]), "level_ds_exports")
    assert not (tmp_path / "o").exists()


def test_degenerate_settings_and_model_arguments_through_set_are_refused(tmp_path, capsys):
    out = str(tmp_path / "o")
    for s, needle in (("n_firms=0", "n_firms"), ("rng=5", "unknown parameter"), ("reform=0", "unknown parameter"),
                      ("debug=1", "unknown parameter"), ("build_firm_agents=0", "unknown parameter"),
                      ("quarters=0", "given twice"), ("zone.Atlantis.data_openness=0.5", "unknown zone")):  # fmt: skip
        refused(capsys, main(["run", "classroom", "--out", out, "--set", s, *RUN]), needle)
    refused(capsys, main(["run", "classroom", "--out", out, "--set", "quarters=0", "--quiet"]), "quarters")
    assert not Path(out).exists()
    with pytest.raises(ScenarioError, match="n_firms"):
        FTZModel("classroom", rng=1, n_firms=0)


def test_zone_overrides_hold_whatever_the_order_of_national_values(tmp_path):
    a = load_scenario("classroom", **{"zone.Shanghai.data_openness": 0.9, "data_openness": 0.2})
    b = load_scenario("classroom", **{"data_openness": 0.2, "zone.Shanghai.data_openness": 0.9})
    for sc in (a, b):
        assert sc.lever("Shanghai", "data_openness") == 0.9
        assert sc.lever("Hainan", "data_openness") == 0.2
    assert a.content_hash() == b.content_hash()
    out = tmp_path / "o"
    assert main(["run", "classroom", "--out", str(out), "--set", "zone.Shanghai.data_openness=0.9", "--set",
                 "data_openness=0.2", *RUN]) == 0  # fmt: skip
    man = json.loads((out / "manifest.json").read_text())
    assert man["zone_levers"]["Shanghai"]["data_openness"] == 0.9 and man["levers"]["data_openness"] == 0.2


def test_conflicting_schedule_entries_and_unknown_blocs_are_refused(tmp_path, capsys):
    p = scenario_file(
        tmp_path,
        """
        [[schedule]]
        at = "2022Q1"
        set = { data_openness = 0.5 }
        [[schedule]]
        at = "2022Q1"
        zones = ["Hainan"]
        set = { data_openness = 0.7 }
        [[schedule]]
        at = "2022Q1"
        zones = ["Shanghai"]
        set = { data_openness = 0.5, "rule_alignment.mars" = 0.5 }
        [[schedule]]
        at = "2022Q2"
        set = { risk_tolerance = 0.1 }
        [[schedule]]
        at = "2022Q2"
        set = { risk_tolerance = 0.2 }
    """,
    )
    err = refused(
        capsys,
        main(["validate", str(p)]),
        "schedule[1].set.data_openness: conflicts with schedule[0]",
        "zone Hainan",
        "unknown agreement 'mars'",
        "schedule[4].set.risk_tolerance: conflicts with schedule[3]",
    )
    assert "schedule[2].set.data_openness" not in err  # the same value twice is no conflict


def test_an_extends_parent_whose_scenario_is_not_a_table_is_refused(tmp_path, capsys):
    (tmp_path / "parent.toml").write_text('scenario = "oops"\n')
    child = tmp_path / "child.toml"
    child.write_text('[scenario]\nname = "c"\nextends = "parent.toml"\n')
    refused(capsys, main(["validate", str(child)]), "scenario.extends", "not a table")


def test_python_api_arguments_fail_clearly_and_numpy_numbers_are_accepted():
    with pytest.raises(TypeError, match="scenario: expected"):
        FTZModel(None)
    with pytest.raises(TypeError, match="rng: expected"):
        FTZModel("classroom", rng="abc")
    with pytest.raises(ValueError, match="rng: a seed must be a non-negative"):
        FTZModel("classroom", rng=-1)
    with pytest.raises(TypeError, match="rng"):
        FTZModel("classroom", rng=1.5)
    a = FTZModel("classroom", rng=np.int64(3), quarters=np.int64(2), n_firms=np.int32(300),
                 data_openness=np.float32(0.5)).run()  # fmt: skip
    b = FTZModel("classroom", rng=3, quarters=2, n_firms=300, data_openness=float(np.float32(0.5))).run()
    assert a.national_frame().equals(b.national_frame())
    import mesa

    res = mesa.batch_run(FTZModel, {"scenario": "classroom", "quarters": np.arange(2, 4), "n_firms": 300},
                         rng=[1], number_processes=1, display_progress=False)  # fmt: skip
    assert sorted({r["quarters"] for r in res}) == [2, 3]


# ------------------------------------------------------------------------------- experiments
def test_invalid_scenarios_members_and_header_only_designs_are_refused_up_front(tmp_path, capsys):
    bad = scenario_file(tmp_path, "[levers]\ndata_openness = 7\n", "bad.toml")
    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\nname = "e"\nscenario = "classroom"\n[design]\nmethod = "scenarios"\n'
                   f'scenarios = ["classroom", "{bad.name}"]\n')  # fmt: skip
    refused(capsys, main(["sweep", str(exp), "--out", str(tmp_path / "o")]), "design.scenarios[1]", "data_openness")
    (tmp_path / "d.csv").write_text("data_openness,bass_q\n")
    exp.write_text('[experiment]\nname = "e"\nscenario = "classroom"\n[design]\nmethod = "file"\nfile = "d.csv"\n')
    refused(capsys, main(["sweep", str(exp), "--out", str(tmp_path / "o")]), "no rows")
    (tmp_path / "d.csv").write_bytes(b"\xff\xfe\x00garbage")
    refused(capsys, main(["sweep", str(exp), "--out", str(tmp_path / "o")]), "d.csv")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------- output paths
def test_out_under_proc_sys_or_too_long_is_refused_before_the_run(tmp_path, capsys):
    for out in ("/proc/ftzsim-test", "/sys/kernel/ftzsim", "/dev/shm/../null", str(tmp_path / ("n" * 240))):
        t0 = time.monotonic()
        refused(capsys, main(["run", "baseline", "--out", out, "--quiet"]), "--out")
        assert time.monotonic() - t0 < 10  # refused before the (minutes-long) baseline run


def test_out_creates_missing_parents(tmp_path):
    out = tmp_path / "runs" / "deep" / "b1"
    assert main(["run", "classroom", "--out", str(out), *RUN]) == 0
    assert (out / "manifest.json").is_file()


def test_overwrite_refuses_a_run_holding_the_users_files_and_deletes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "classroom", "--out", str(out), *RUN]) == 0
    man = json.loads((out / "manifest.json").read_text())
    assert sorted(man["files"]) == ["annual.parquet", "manifest.json", "national.parquet", "zones.parquet"]
    (out / "notes.txt").write_text("my notes")
    (out / "paper").mkdir()
    (out / "paper" / "draft.tex").write_text("\\section{}")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    refused(capsys, main(["run", "classroom", "--out", str(out), "--overwrite", *RUN]), "notes.txt",
            "paper/draft.tex", "nothing was changed")  # fmt: skip
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    (out / "notes.txt").unlink()
    (out / "paper" / "draft.tex").unlink()
    (out / "paper").rmdir()
    assert main(["run", "classroom", "--out", str(out), "--overwrite", *RUN, "--seed", "4"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 4
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_leftovers_of_killed_runs_are_cleaned_and_an_interrupted_replace_is_undone(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    assert main(["run", "classroom", "--out", str(out), *RUN]) == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    partial = tmp_path / f".run.{dead.pid}-abcd1234.partial"
    partial.mkdir()
    (partial / "national.parquet").write_bytes(b"half")
    old = tmp_path / f".run.old-{dead.pid}"
    os.replace(out, old)  # killed between the two renames: the previous output is only in .old
    live = tmp_path / f".run.{os.getppid()}-abcd1234.partial"  # a live writer's: never touched
    live.mkdir()
    mine = tmp_path / ".run.notes"  # not ftzsim's name pattern: never touched
    mine.mkdir()
    from ftzsim.io import clean_leftovers

    done = clean_leftovers(out)
    assert (out / "manifest.json").is_file() and not old.exists() and not partial.exists()
    assert live.exists() and mine.exists() and len(done) == 2
    live.rmdir()


def test_output_frames_are_checked_finite_before_publishing():
    import pandas as pd

    from ftzsim.cli.model import _check_finite

    _check_finite({"national": pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})}, "run")
    with pytest.raises(RuntimeError, match="national holds NaN or infinity in a"):
        _check_finite({"national": pd.DataFrame({"a": [1.0, np.inf]})}, "run")


def test_a_lock_is_reentrant_and_released(tmp_path):
    from ftzsim.io import lock_holder, output_lock

    out = tmp_path / "x"
    with output_lock(out, "test"):
        with output_lock(out, "test"):
            pass
        holder = {}
        t = threading.Thread(target=lambda: holder.update(lock_holder(out) or {}))
        t.start()
        t.join()
        assert holder["pid"] == os.getpid()
    assert lock_holder(out) is None and not (tmp_path / ".x.ftzsim-lock").exists()
