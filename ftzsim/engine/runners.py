"""Run a design x replicates on a local process pool or a Dask cluster.

The engine runs any picklable callable ``f(params: dict, seed: int) -> dict[str, float]``
(model-agnostic; the FTZ model is one adapter, :class:`ftzsim.engine.adapter.FTZAdapter`).
Runs are batched into tasks so per-task overhead stays small; the driver writes each
finished batch to the store. Results depend only on (parameters, seed), never on the backend,
the worker count or the order tasks finish in.

No global side effects: the local pool gets its own ``forkserver`` context with the model
preloaded (``spawn`` where there is none; :func:`ftzsim.engine.workers.worker_context`); the
process-wide multiprocessing start method is left alone.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ftzsim.engine.store import RunStore
from ftzsim.io import portable_text

__all__ = ["RunTimeout", "StoreWriteError", "Task", "plan_tasks", "run_batch", "run_tasks"]

Task = tuple[int, int, int, dict[str, Any]]  # row_id, replicate, seed, params


class RunTimeout(Exception):
    """A run took longer than the per-run timeout."""


class StoreWriteError(OSError):
    """The result store can no longer be written (disk full, read-only, permissions).

    The sweep stops at once: the chunks written before are whole and stay readable, and
    ``--resume`` continues from them once the disk is writable again."""


def _alarm(signum, frame):
    raise RunTimeout("run exceeded the per-run timeout")


def _call(fn: Callable, params: dict, seed: int, timeout: float | None) -> dict:
    """Call ``fn`` with a per-run timeout.

    In a process's main thread (the local pool, the serial runner) the timeout is a
    SIGALRM timer, which also interrupts a blocking system call. Dask runs tasks in worker
    threads, where signals cannot be used; there a watchdog timer raises ``RunTimeout``
    inside the running thread (``PyThreadState_SetAsyncExc``), which takes effect at the
    next Python bytecode the run executes — the model's quarter loop, not the inside of one
    compiled kernel call or one long blocking C call.
    """
    import threading

    if not timeout:
        return dict(fn(params, seed))
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return _call_in_thread(fn, params, seed, timeout)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return dict(fn(params, seed))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _call_in_thread(fn: Callable, params: dict, seed: int, timeout: float) -> dict:
    """The watchdog version of :func:`_call`, for runs in a thread other than the main one."""
    import ctypes
    import threading

    tid = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False}

    def expire() -> None:
        with lock:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(tid, ctypes.py_object(RunTimeout))

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        try:
            return dict(fn(params, seed))
        finally:
            with lock:  # after this block no timeout can be raised in this thread any more
                state["done"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(tid, None)  # drop one not yet delivered
            timer.cancel()
    except RunTimeout:
        raise RunTimeout(f"run exceeded the per-run timeout of {timeout:g} s") from None


def run_batch(fn: Callable, batch: list[Task], timeout: float | None = None) -> tuple[list[dict], list[dict], list]:
    """Run a batch of tasks in a worker. A run that raises (or times out) is recorded, not
    propagated."""
    ok, failed, series = [], [], []
    for row_id, rep, seed, params in batch:
        t0 = time.perf_counter()
        try:
            out = _call(fn, params, seed, timeout)
        except Exception as exc:
            failed.append({
                "row_id": row_id, "replicate": rep, "seed": seed, "params": repr(params),
                "error": type(exc).__name__, "message": portable_text(str(exc))[:2000],
                "traceback": portable_text(traceback.format_exc())[-8000:],
            })  # fmt: skip
            continue
        ts = out.pop("_series", None)
        if ts is not None:
            ts = ts.copy()
            ts.insert(0, "seed", seed)
            ts.insert(0, "replicate", rep)
            ts.insert(0, "row_id", row_id)
            series.append(ts)
        ok.append({"row_id": row_id, "replicate": rep, "seed": seed, **{k: float(v) for k, v in out.items()},
                   "wall_s": time.perf_counter() - t0})  # fmt: skip
    return ok, failed, series


def plan_tasks(rows: list[dict[str, Any]], seeds: list[int], skip: set[tuple[int, int]]) -> list[Task]:
    """Every (row, replicate) pair not in ``skip``; every row runs on the same seeds (CRN)."""
    return [
        (row_id, rep, seed, params)
        for row_id, params in enumerate(rows)
        for rep, seed in enumerate(seeds)
        if (row_id, rep) not in skip
    ]


def _batches(tasks: list[Task], workers: int, chunk_size: int | None) -> list[list[Task]]:
    if chunk_size is None:
        # several tasks per worker so the pool stays busy to the end, few enough to keep
        # the per-task overhead (pickling, scheduling, one Parquet file) small
        chunk_size = max(1, min(64, math.ceil(len(tasks) / (max(workers, 1) * 8))))
    return [tasks[i : i + chunk_size] for i in range(0, len(tasks), chunk_size)]


def _worker_init() -> None:
    # each worker is one core: keep BLAS and numba single-threaded inside it
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def run_tasks(
    fn: Callable,
    tasks: list[Task],
    store: RunStore,
    *,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    on_batch: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
) -> tuple[int, int]:
    """Run ``tasks`` and write every finished batch to ``store``. Returns (done, failed)."""
    from tqdm import tqdm

    workers = workers or os.cpu_count() or 1
    batches = _batches(tasks, workers, chunk_size)
    counts = {"done": 0, "failed": 0}
    bar = tqdm(total=len(tasks), unit="run", disable=not progress, file=sys.stderr, smoothing=0.05)

    def finished(result) -> None:
        ok, failed, series = result
        try:
            store.write_chunk(ok, failed, series)
        except OSError as exc:
            where = Path(exc.filename).parent if exc.filename else store.root
            raise StoreWriteError(
                exc.errno,
                f"cannot write results to {where}: {exc.strerror or exc}. The sweep stopped; every "
                f"chunk written before is whole and readable in {store.root}. "
                "Free space or fix permissions, then run the same command with --resume",
            ) from exc
        counts["done"] += len(ok)
        counts["failed"] += len(failed)
        bar.update(len(ok) + len(failed))
        bar.set_postfix(failed=counts["failed"])
        if on_batch:
            on_batch(counts["done"], counts["failed"])

    try:
        if backend == "dask" or scheduler:
            _run_dask(fn, batches, workers, scheduler, finished, timeout)
        elif workers == 1:
            for b in batches:
                finished(run_batch(fn, b, timeout))
        else:
            _run_local(fn, batches, workers, finished, timeout)
    finally:
        bar.close()
    return counts["done"], counts["failed"]


def _run_local(fn, batches, workers, finished, timeout=None, max_restarts: int = 5) -> None:
    """A spawn-context process pool; if a worker dies (killed, out of memory) the pool is
    rebuilt and the unfinished batches are submitted again."""
    pending = dict(enumerate(batches))
    restarts = 0
    from ftzsim.engine.workers import worker_context

    ctx = worker_context()
    while pending:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
        try:
            futures = {pool.submit(run_batch, fn, b, timeout): i for i, b in pending.items()}
            broken = False
            while futures and not broken:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    pending.pop(i)
                    finished(result)
            if broken:
                pool.shutdown(wait=False, cancel_futures=True)
            else:
                pool.shutdown(wait=True)
        except BaseException:  # the store failed or the user interrupted: do not wait for the rest
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.terminate()
            raise
        if pending:
            restarts += 1
            if restarts > max_restarts:
                raise RuntimeError(f"worker processes died {restarts} times; {len(pending)} batches left")
            time.sleep(0.5)


#: Dask settings for the LocalCluster ftzsim starts. The worker's statistical profiler
#: samples the running task's stack every 10 ms and the event loop ticks every 20 ms; both
#: take the GIL from the run. Without them a run cost 2-3% less (benchmarks/bench_dask.py,
#: interleaved A/B at 80,000 firms; docs/performance.md). For a cluster you start yourself, set the same through
#: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False and DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=500ms.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "500ms"}


def local_cluster(workers: int):
    """A Dask LocalCluster of ``workers`` single-threaded worker processes, set up for
    batches of model runs (:data:`WORKER_CONFIG`). Close it when done."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(WORKER_CONFIG):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def _run_dask(fn, batches, workers, scheduler, finished, timeout=None) -> None:
    """Dask distributed: an existing cluster (``scheduler`` address) or a LocalCluster of
    ``workers`` single-threaded worker processes. Dask re-runs the tasks of a lost worker."""
    from distributed import Client, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = local_cluster(workers)
        client = Client(cluster)
    try:
        client.run(_worker_init)
        futures = [client.submit(run_batch, fn, b, timeout, pure=False, retries=2) for b in batches]
        for fut in as_completed(futures):
            finished(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
