"""A sweep from start to finish: design x replicates -> result store, resumable.

:func:`sweep` runs an :class:`~ftzsim.engine.spec.Experiment` (the FTZ model) and
:func:`sweep_function` any callable ``f(params, seed)`` over a design: both go through the
same store and runners.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftzsim.engine.designs import Design
from ftzsim.engine.runners import plan_tasks, run_tasks
from ftzsim.engine.spec import Experiment
from ftzsim.engine.store import RunStore
from ftzsim.io import UserError, check_out_dir, provenance
from ftzsim.seeds import replicate_seeds

__all__ = ["sweep", "sweep_function"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def sweep_function(
    fn: Callable,
    design: Design,
    out: str | Path,
    *,
    replicates: int = 1,
    master_seed: int = 0,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    timeout: float | None = None,
    spec_text: str = "",
    spec_hash: str | None = None,
    extra: dict[str, Any] | None = None,
) -> RunStore:
    """Run ``fn`` over ``design`` x ``replicates`` into the store at ``out``.

    ``timeout`` (seconds per run) records a run that takes longer as failed (``RunTimeout``)
    and goes on (local pool, serial runner and Dask; see :func:`ftzsim.engine.runners._call`).

    If the store cannot be written (disk full, read-only), the sweep stops with
    :class:`~ftzsim.engine.runners.StoreWriteError`; finished chunks stay whole and readable.

    A new sweep refuses a non-empty ``out`` (unless ``overwrite``); ``resume`` and
    ``retry_failed`` need an existing sweep of the same experiment (same hash).
    """
    from ftzsim.engine.workers import prepare_function

    parallel = backend == "dask" or scheduler is not None or (workers or os.cpu_count() or 1) > 1
    fn = prepare_function(fn, parallel, local_processes=scheduler is None)  # before anything is written
    store = RunStore(out)
    seeds = replicate_seeds(master_seed, replicates)
    if resume or retry_failed:
        if not store.exists:
            raise UserError(f"--out {out}: no sweep to resume here (no manifest.json)")
        man = store.manifest()
        if spec_hash is not None and man.get("experiment_sha256") != spec_hash:
            raise UserError(f"--out {out}: holds a different experiment (hash differs); start a new --out")
    else:
        check_out_dir(out, overwrite, "ftzsim.sweep")
        if overwrite and Path(out).exists():
            import shutil

            # empty the earlier sweep's directory (check_out_dir made sure it is one), keeping
            # the directory itself: ``out`` may be a symlink the user wants to keep
            for child in Path(out).iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        man = {
            "kind": "ftzsim.sweep",
            "design_method": design.method,
            "design_settings": design.settings,
            "parameters": design.parameters,
            "problem": design.problem,
            "rows": len(design.frame),
            "replicates": replicates,
            "master_seed": master_seed,
            "seeds": seeds,
            "experiment_sha256": spec_hash,
            "command": ["ftzsim", *sys.argv[1:]] if Path(sys.argv[0]).name == "ftzsim" else None,
            "started": _now(),
            "status": "running",
            "done": 0,
            "failed": 0,
            **(extra or {}),
            **provenance(),
        }
        store.create(spec_text, design.frame, man)
    done = store.done()
    failed = store.failed()
    failed_pairs = set(zip(failed.get("row_id", []), failed.get("replicate", []), strict=True))
    skip = done | (set() if retry_failed else failed_pairs)
    tasks = plan_tasks(design.rows(), seeds, skip)
    if retry_failed:
        tasks = [t for t in tasks if (t[0], t[1]) in failed_pairs]
    man.update(status="running", resumed=_now() if (resume or retry_failed) else None,
               backend="dask" if (backend == "dask" or scheduler) else "local", workers=workers)  # fmt: skip
    store.write_manifest(man)
    last = {"t": 0.0}

    def on_batch(n_done: int, n_failed: int) -> None:
        if time.monotonic() - last["t"] > 2.0:  # keep the manifest's counts fresh, cheaply
            last["t"] = time.monotonic()
            man.update(done=len(done) + n_done, failed=len(failed_pairs) + n_failed)
            store.write_manifest(man)

    try:
        run_tasks(fn, tasks, store, workers=workers, backend=backend, scheduler=scheduler,
                  chunk_size=chunk_size, progress=progress, on_batch=on_batch, timeout=timeout)  # fmt: skip
    except BaseException:
        try:  # on a full or read-only disk this can fail too; the chunks already say what is done
            man.update(status="interrupted", interrupted=_now(), done=len(store.done()))
            store.write_manifest(man)
        except OSError:
            pass
        raise
    done_now = store.done()
    if retry_failed:
        store.clear_failures(done_now)
    n_failed = len(store.failed())
    total = len(design.frame) * replicates
    man.update(done=len(done_now), failed=n_failed, finished=_now(),
               status="complete" if len(done_now) == total else "incomplete")  # fmt: skip
    store.write_manifest(man)
    return store


def sweep(exp: Experiment, out: str | Path, **kwargs) -> RunStore:
    """Run an experiment of the FTZ model (see :func:`sweep_function` for the options)."""
    from ftzsim.scenario import load_scenario

    sc = load_scenario(exp.scenario)
    return sweep_function(
        exp.adapter(), exp.design, out, replicates=exp.replicates, master_seed=exp.master_seed,
        chunk_size=kwargs.pop("chunk_size", None) or exp.chunk_size, spec_text=exp.text,
        spec_hash=exp.content_hash(), timeout=exp.timeout,
        extra={"experiment": exp.name, "experiment_source": exp.source, "scenario": sc.name,
               "scenario_sha256": sc.content_hash(), "overrides": exp.overrides, "outcomes": exp.outcomes,
               "reference": load_scenario(exp.reference).name if exp.reference else None},
        **kwargs,
    )  # fmt: skip
