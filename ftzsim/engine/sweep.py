"""A sweep from start to finish: design x replicates -> result store, resumable.

:func:`sweep` runs an :class:`~ftzsim.engine.spec.Experiment` (the FTZ model) and
:func:`sweep_function` any callable ``f(params, seed)`` over a design: both go through the
same store and runners.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ftzsim.engine.designs import Design
from ftzsim.engine.runners import plan_tasks, run_tasks
from ftzsim.engine.spec import Experiment
from ftzsim.engine.store import RunStore
from ftzsim.io import UserError, check_out_dir, output_lock, portable_text, provenance, remove_owned
from ftzsim.seeds import replicate_seeds

__all__ = ["MAX_RUNS", "check_sweep_size", "sweep", "sweep_function"]

#: Most runs (design rows x replicates) one sweep may have. At a few hundred milliseconds a
#: run, 10^7 runs are years of one core; beyond that the request is a slip (an extra zero)
#: and is refused before anything is written.
MAX_RUNS = 10_000_000
#: Share of the machine's memory the design table and the record of finished runs may take.
_MEMORY_SHARE = 0.5


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_sweep_size(rows: int, replicates: int, n_params: int) -> None:
    """Refuse a sweep whose runs (``rows x replicates``) or memory would be excessive.

    The memory estimate is what the driver holds whatever the workers do: the design table
    (8 bytes per value) and the set of finished runs (about 200 bytes each, for --resume)."""
    runs = int(rows) * int(replicates)
    if runs > MAX_RUNS:
        raise UserError(
            f"the sweep would have {runs:,} runs ({rows:,} design rows x {replicates:,} replicates); "
            f"allowed: at most {MAX_RUNS:,} (fewer rows or replicates, or split the experiment)"
        )
    need = rows * (n_params + 2) * 8 + runs * 200
    mem = _memory_bytes()
    if mem and need > _MEMORY_SHARE * mem:
        raise UserError(f"the sweep would need about {need / 1e9:,.1f} GB of memory in the driver; this machine "
                        f"has {mem / 1e9:,.1f} GB (fewer rows or replicates, or split the experiment)")  # fmt: skip


def _command() -> list[str] | None:
    """The command line, with this machine's folders replaced (stored results travel)."""
    if Path(sys.argv[0]).name != "ftzsim":
        return None
    return ["ftzsim", *map(portable_text, sys.argv[1:])]


#: Signals that stop a command like Ctrl-C (those this system has).
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


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
    check_sweep_size(len(design.frame), replicates, len(design.frame.columns))
    if len(design.frame) == 0:
        raise UserError("the design has no rows: nothing to run (a design file with a header only?)")
    if not (resume or retry_failed):
        check_out_dir(out, overwrite, "ftzsim.sweep")  # refuse before taking the lock or writing
    if parallel and backend == "local" and scheduler is None and workers != 1:
        from ftzsim.engine.workers import start_server

        start_server()  # its imports overlap this process's writing of the store and the design
    with output_lock(out, "sweep"), _signals_interrupt():
        return _sweep_locked(fn, design, out, replicates=replicates, master_seed=master_seed, workers=workers,
                             backend=backend, scheduler=scheduler, chunk_size=chunk_size, resume=resume,
                             retry_failed=retry_failed, overwrite=overwrite, progress=progress, timeout=timeout,
                             spec_text=spec_text, spec_hash=spec_hash, extra=extra)  # fmt: skip


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) reached a sweep: handled like Ctrl-C (manifest marked
    ``interrupted``, finished chunks kept, exit code 130 on the command line)."""


def _raise_interrupt(signum, frame):
    raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")


@contextmanager
def _signals_interrupt():
    """While a sweep runs in the main thread, SIGTERM and SIGHUP interrupt it like Ctrl-C."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_interrupt) for s in _STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _sweep_locked(fn, design, out, *, replicates, master_seed, workers, backend, scheduler, chunk_size, resume,
                  retry_failed, overwrite, progress, timeout, spec_text, spec_hash, extra) -> RunStore:  # fmt: skip
    store = RunStore(out)
    seeds = replicate_seeds(master_seed, replicates)
    if resume or retry_failed:
        if not store.exists:
            raise UserError(f"--out {out}: no sweep to resume here (no manifest.json)")
        man = store.manifest()
        if spec_hash is not None and man.get("experiment_sha256") != spec_hash:
            raise UserError(f"--out {out}: holds a different experiment (hash differs); start a new --out")
    else:
        check_out_dir(out, overwrite, "ftzsim.sweep")  # again, now that the lock is held
        if overwrite and Path(out).exists():
            # remove the earlier sweep's files (only those: check_out_dir made sure nothing
            # else is there), keeping the directory itself: ``out`` may be a user's symlink
            remove_owned(Path(out).resolve())
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
            "command": _command(),
            "started": _now(),
            "status": "running",
            "done": 0,
            "failed": 0,
            **(extra or {}),
            **provenance(),
        }
        store.create(spec_text, design.frame, man)
    rerun = store.repair() if (resume or retry_failed) else set()
    done = store.done() - rerun
    failed = store.failed()
    failed_pairs = set(zip(failed.get("row_id", []), failed.get("replicate", []), strict=True))
    skip = done | (set() if retry_failed else failed_pairs)
    tasks = plan_tasks(design.iter_rows(), seeds, skip)
    total = len(design.frame) * replicates - sum(1 for r, k in skip if r < len(design.frame) and k < replicates)
    if retry_failed:
        tasks = (t for t in tasks if (t[0], t[1]) in failed_pairs)
        total = len(failed_pairs - done)
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
        run_tasks(fn, tasks, store, workers=workers, backend=backend, scheduler=scheduler, chunk_size=chunk_size,
                  progress=progress, on_batch=on_batch, timeout=timeout, total=total)  # fmt: skip
    except BaseException:
        try:  # on a full or read-only disk this can fail too; the chunks already say what is done
            man.update(status="interrupted", interrupted=_now(), done=len(store.done() - rerun))
            store.write_manifest(man)
        except Exception:
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
