"""Worker processes without sharp edges: the function reaches them, and they start cheaply.

Two things went wrong for a new user (issue 14):

* A script that calls a sweep without ``if __name__ == "__main__":`` is run again by every
  worker process (a ``spawn`` or ``forkserver`` worker imports the main script to find what
  it was sent), so each worker starts a sweep of its own and dies; the pool was rebuilt six
  times before a ``RuntimeError`` said nothing useful. :func:`prepare_function` now says
  so up front, before anything is written.
* A function defined where workers cannot import it (in ``python -c``, an interactive
  session or a notebook; a lambda or a function defined inside another) failed in every
  worker. Such a function is now shipped by value with ``cloudpickle`` (installed with Dask),
  as Dask does. A program fed on standard input (``python - < script.py``) cannot start
  worker processes at all (each one tries to import ``<stdin>``): that is said up front.

Start-up cost: a ``spawn`` worker imported pandas, pyarrow, numba and Mesa again (about
1.5 s of CPU and 250 MB each, measured with ``python -X importtime``), which on small runs
made 2 workers slower than 1 (a run now needs neither numba, where the ahead-of-time build
is current, nor pandas: :mod:`ftzsim.model._mesa`). :func:`worker_context` returns a ``forkserver`` context whose
server imports ``ftzsim.model`` and the engine once, makes one warm-up run
(:mod:`ftzsim.engine._worker_warm`: the model's compiled loops loaded, about 0.3 s that every
worker's first run paid on numba's JIT, and the reference tables and scenario cached) and
freezes what it loaded out of the collector's way; each worker is then a fork of it (tens
of milliseconds). The
server lives as long as the driver process, so a second sweep in the same script or
notebook starts its workers at once. The process-wide start method is not touched (STYLE §12).
"""

from __future__ import annotations

import multiprocessing
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PRELOAD", "Shipped", "prepare_function", "start_server", "startup_cost", "worker_context"]

#: Modules the fork server imports once, in this order: the first sets single-threaded
#: BLAS/numba before numpy and numba are imported; the model comes before the engine's
#: modules because Mesa inspects the call stack while it is imported (``mesa_logging``),
#: which costs more the more modules are already loaded; the last makes one tiny run so that
#: forked workers start with the model's compiled loops loaded, then freezes the collector
#: (:mod:`ftzsim.engine._worker_warm`).
PRELOAD = ["ftzsim.engine._worker_env", "ftzsim.model", "ftzsim.engine.runners", "ftzsim.engine.adapter",
           "ftzsim.engine._worker_warm"]  # fmt: skip

_GUARD = re.compile(r"""__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__""")


class Shipped:
    """A function carried to workers by value (cloudpickle) rather than by import path."""

    def __init__(self, fn: Callable):
        import cloudpickle

        self.payload = cloudpickle.dumps(fn)
        self.name = getattr(fn, "__qualname__", repr(fn))
        self._fn: Callable | None = fn

    def __getstate__(self) -> dict:
        return {"payload": self.payload, "name": self.name}

    def __setstate__(self, state: dict) -> None:
        self.payload, self.name, self._fn = state["payload"], state["name"], None

    def __call__(self, params: dict, seed: int) -> Any:
        if self._fn is None:
            import cloudpickle

            self._fn = cloudpickle.loads(self.payload)
        return self._fn(params, seed)

    def __repr__(self) -> str:
        return f"Shipped({self.name})"


def _main_script() -> Path | None:
    """The main script a spawned or forkserver worker imports again, or None when it does not
    (``python -m package``, an interactive session, ``python -``, ``python -c``)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:  # run as a module: re-imported by name, except a package's __main__
        name = getattr(spec, "name", "") or ""
        if name == "__main__" or name.endswith(".__main__"):
            return None
        origin = getattr(spec, "origin", None)
        return Path(origin) if origin else None
    path = getattr(main, "__file__", None)
    return Path(path) if path else None


def prepare_function(fn: Callable, parallel: bool, local_processes: bool = True) -> Callable:
    """Check that ``fn`` can run in worker processes; return it, or a :class:`Shipped` copy.

    Parameters
    ----------
    parallel : bool
        Whether runs go to other processes at all (more than one worker, or Dask).
    local_processes : bool
        Whether those processes are started on this machine from this script (the local
        pool or a Dask LocalCluster), so that they import the main script again.

    Raises
    ------
    ftzsim.io.UserError
        The main script has no ``if __name__ == "__main__":`` guard, or ``fn`` cannot be
        pickled even by value.
    """
    from ftzsim.io import UserError

    if not parallel:
        return fn
    script = _main_script() if local_processes else None
    if script is not None and not script.exists():
        # e.g. ``python - < script.py``: __main__.__file__ is "<stdin>", which every worker
        # process tries (and fails) to import before it can run anything
        raise UserError(
            f"the main program was read from {script.name} and worker processes cannot import it. Save it as a "
            'file ending with `if __name__ == "__main__": main()` and run that file, run the code with '
            "`python -c` or in a notebook, or use workers=1"
        )
    if script is not None and script.suffix == ".py" and script.is_file():
        try:
            text = script.read_text(encoding="utf-8", errors="replace")[:2_000_000]
        except OSError:
            text = "__main__"  # cannot check: assume guarded
        if not _GUARD.search(text):
            raise UserError(
                f"{script.name}: a sweep with worker processes must be started under "
                '`if __name__ == "__main__":` (each worker imports the script again, and without the guard '
                "starts a sweep of its own). Put the call in a main() function and end the script with\n"
                '    if __name__ == "__main__":\n        main()\n'
                "or run with workers=1"
            )
    main_has_file = getattr(sys.modules.get("__main__"), "__file__", None) is not None
    in_main = getattr(fn, "__module__", None) == "__main__"
    try:
        pickle.dumps(fn)
        by_reference = not (in_main and not main_has_file) and "<locals>" not in getattr(fn, "__qualname__", "")
    except (pickle.PicklingError, AttributeError, TypeError):
        by_reference = False
    if by_reference:
        return fn
    try:
        return Shipped(fn)
    except Exception as exc:  # cloudpickle cannot carry it either (an open file, a lock, ...)
        raise UserError(
            f"the function {getattr(fn, '__qualname__', fn)!r} cannot be sent to worker processes ({exc}). "
            "Define it at module level in an importable file, or run with workers=1"
        ) from None


def worker_context():
    """A ``forkserver`` multiprocessing context whose server has imported :data:`PRELOAD`,
    or a ``spawn`` context where forkserver does not exist (Windows).

    Only this context's server is affected: the process-wide start method is left alone.
    """
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def startup_cost() -> dict[str, Any]:
    """Run inside a worker: CPU seconds this process has used so far (its start-up: imports
    and unpickling), whether the model came preloaded, how many objects the collector
    leaves alone (frozen by the server, :mod:`ftzsim.engine._worker_warm`) and whether the
    collector is on (paused only for the server's preload). For tests and benchmarks."""
    import gc
    import os
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"pid": os.getpid(), "cpu_s": r.ru_utime + r.ru_stime, "model_preloaded": "ftzsim.model" in sys.modules,
            "frozen": gc.get_freeze_count(), "gc_enabled": gc.isenabled()}  # fmt: skip


def start_server() -> bool:
    """Start the workers' fork server now, so that it imports the model while this process
    goes on with its own work; True if one is (already) running.

    Its preload (about 0.4 s of CPU since Mesa is imported without the packages a run never
    calls, :mod:`ftzsim.model._mesa`: Mesa with networkx, the model, a warm-up run) is on the
    critical path of a sweep's first runs; started before the driver's own
    work (the command line's imports, the store, the design), the two overlap on two cores.
    ``ftzsim sweep`` starts it first thing (``ftzsim/__main__.py``), :func:`sweep_function`
    as soon as it has checked its arguments; a script can call it before its own imports.
    Later pools use the same server.
    """
    ctx = worker_context()
    if ctx.get_start_method() != "forkserver":  # pragma: no cover - Windows
        return False
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return True
