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

import itertools
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ftzsim.io import portable_text

if TYPE_CHECKING:  # the store (pyarrow) is the driver's business: workers never import it
    from ftzsim.engine.store import RunStore

__all__ = ["NonFiniteOutcome", "RunTimeout", "StoreWriteError", "Task", "plan_tasks", "run_batch", "run_tasks"]

Task = tuple[int, int, int, dict[str, Any]]  # row_id, replicate, seed, params


class RunTimeout(Exception):
    """A run took longer than the per-run timeout."""


class NonFiniteOutcome(ValueError):
    """A run returned NaN or infinity for an outcome: recorded as failed, never stored."""


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
                "row_id": row_id, "replicate": rep, "seed": seed, "params": portable_text(repr(params))[:2000],
                "error": type(exc).__name__, "message": portable_text(str(exc))[:2000],
                "traceback": portable_text(traceback.format_exc())[-8000:],
            })  # fmt: skip
            continue
        ts = out.pop("_series", None)
        try:
            values = {k: float(v) for k, v in out.items()}
            bad = [k for k, v in values.items() if not math.isfinite(v)]
            if ts is not None:
                num = ts.select_dtypes("number")
                bad += [f"series {c}" for c in num.columns if not np.isfinite(num[c].to_numpy(dtype=float)).all()]
            if bad:
                raise NonFiniteOutcome(f"the run returned NaN or infinity for {', '.join(bad[:10])}")
        except Exception as exc:
            failed.append({
                "row_id": row_id, "replicate": rep, "seed": seed, "params": repr(params)[:2000],
                "error": type(exc).__name__, "message": portable_text(str(exc))[:2000], "traceback": "",
            })  # fmt: skip
            continue
        if ts is not None:
            ts = ts.copy()
            ts.insert(0, "seed", seed)
            ts.insert(0, "replicate", rep)
            ts.insert(0, "row_id", row_id)
            series.append(ts)
        ok.append({"row_id": row_id, "replicate": rep, "seed": seed, **values, "wall_s": time.perf_counter() - t0})
    return ok, failed, series


def plan_tasks(rows: Iterable[dict[str, Any]], seeds: list[int], skip: set[tuple[int, int]]) -> Iterator[Task]:
    """Every (row, replicate) pair not in ``skip``; every row runs on the same seeds (CRN).

    A generator: a design of 10^6 rows with 1,000 replicates is never held as a list."""
    for row_id, params in enumerate(rows):
        for rep, seed in enumerate(seeds):
            if (row_id, rep) not in skip:
                yield (row_id, rep, seed, params)


#: Most runs in one batch when the size is chosen automatically.
MAX_BATCH = 64


def _batches(tasks: Iterable[Task], workers: int, chunk_size: int | None, total: int) -> Iterator[list[Task]]:
    """Group tasks into batches (one task for a worker, one chunk file in the store).

    ``chunk_size`` fixes the size. Otherwise one worker gets batches of ``total / 8`` runs
    (at most :data:`MAX_BATCH`), and several workers get *guided* batches: each a quarter of
    the remaining runs per worker, shrinking towards the end (never below ``total / (32 x
    workers)``), so that the workers finish together instead of one waiting on the other's
    last large batch, while the number of batches (pickling, scheduling, Parquet files) stays
    small: about 20 for 200 runs on 2 workers. Batching never changes a result: each run
    depends only on its parameters and seed.
    """
    it = iter(tasks)
    workers = max(workers, 1)
    if chunk_size is None and workers == 1:
        chunk_size = max(1, min(MAX_BATCH, math.ceil(total / 8)))
    if chunk_size is not None:
        while batch := list(itertools.islice(it, chunk_size)):
            yield batch
        return
    smallest = max(1, min(MAX_BATCH, math.ceil(total / (32 * workers))))
    left = total
    while batch := list(itertools.islice(it, max(smallest, min(MAX_BATCH, math.ceil(left / (4 * workers)))))):
        left -= len(batch)
        yield batch


_PARENT: dict[str, int] = {}


def _driver_gone(driver: int) -> bool:
    """Whether the driver process has ended (or this worker was orphaned to init)."""
    if os.getppid() == 1:
        return True
    try:
        os.kill(driver, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return False
    return False


def _watch_parent(driver: int) -> None:
    """Exit this worker as soon as its driver is gone (killed with SIGKILL, say): a worker
    whose driver died has nobody to give its results to and would only hold memory. The
    driver is watched by its pid, not as the parent: a worker started by a fork server is the
    server's child, and the server is the driver's."""
    while True:
        if _driver_gone(driver):
            os._exit(1)
        time.sleep(0.5)


def _worker_init(ppid: int | None = None) -> None:
    """Set up a worker process: one core each, and gone when its driver is.

    ``ppid`` is the driver's pid; where Linux offers it, ``PR_SET_PDEATHSIG`` asks the kernel
    to send SIGKILL when the parent dies (the driver, or the fork server, which ends with the
    driver), and a thread watching the driver's pid covers the rest (other systems; the driver
    dying before the call)."""
    import threading

    # each worker is one core: keep BLAS and numba single-threaded inside it
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    ppid = ppid or os.getppid()
    if _PARENT.get("ppid") == ppid:
        return
    _PARENT["ppid"] = ppid
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if _driver_gone(ppid):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(ppid,), daemon=True, name="ftzsim-parent-watch").start()


def run_tasks(
    fn: Callable,
    tasks: Iterable[Task],
    store: RunStore,
    *,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    on_batch: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
    total: int | None = None,
) -> tuple[int, int]:
    """Run ``tasks`` (any iterable, consumed as the pool needs them) and write every finished
    batch to ``store``. ``total`` is the number of tasks, for the progress bar and the batch
    size. Returns (done, failed)."""
    from tqdm import tqdm

    if total is None:
        tasks = list(tasks)
        total = len(tasks)
    workers = workers or os.cpu_count() or 1
    batches = _batches(tasks, workers, chunk_size, total)
    counts = {"done": 0, "failed": 0}
    bar = tqdm(total=total, unit="run", disable=not progress, file=sys.stderr, smoothing=0.05)

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
    """A process pool started from a preloaded fork server
    (:func:`ftzsim.engine.workers.worker_context`); if a worker dies (killed, out of memory)
    the pool is rebuilt and the unfinished batches are submitted again.

    The driver does not run batches itself while the workers start: that was tried (issue
    14) and made a 200-run classroom sweep slower on idle cores (7.0 s against 6.3 s, and
    2.6 s more CPU), because the driver must import the model too, at the same cost as the
    fork server, before it can run anything.

    Batches are drawn from the iterator as workers free up (at most ``2 x workers`` in
    flight), so a long task list is never materialised."""
    pending: dict[int, list] = {}  # submitted but not finished, by number
    source = enumerate(batches)
    restarts = 0
    from ftzsim.engine.workers import worker_context

    ctx = worker_context()
    state = {"exhausted": False}

    def top_up(pool, futures) -> bool:
        """Submit batches until 2 per worker are in flight; False if the pool broke meanwhile
        (the batch taken is in ``pending`` and goes to the next pool)."""
        while not state["exhausted"] and len(futures) < 2 * workers:
            nxt = next(source, None)
            if nxt is None:
                state["exhausted"] = True
                return True
            pending[nxt[0]] = nxt[1]
            try:
                futures[pool.submit(run_batch, fn, nxt[1], timeout)] = nxt[0]
            except BrokenProcessPool:
                return False
        return True

    while True:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                   initargs=(os.getpid(),))  # fmt: skip
        try:
            futures = {pool.submit(run_batch, fn, b, timeout): i for i, b in pending.items()}
            broken = not top_up(pool, futures)
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
                if not broken:
                    broken = not top_up(pool, futures)
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
        if not pending and state["exhausted"]:
            return
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
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers or 1)
        source = iter(batches)
        # batches are submitted as results come back (at most 2 per worker in flight)
        first = [client.submit(run_batch, fn, b, timeout, pure=False, retries=2)
                 for b in itertools.islice(source, 2 * n_workers)]  # fmt: skip
        queue = as_completed(first)
        for fut in queue:
            finished(fut.result())
            nxt = next(source, None)
            if nxt is not None:
                queue.add(client.submit(run_batch, fn, nxt, timeout, pure=False, retries=2))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
