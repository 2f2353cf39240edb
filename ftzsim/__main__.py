"""``python -m ftzsim`` and the ``ftzsim`` script: the command line's process entry point.

Kept free of heavy imports on purpose: before the command line itself is loaded (typer,
pydantic, NumPy: about 0.35 s), a sweep that will use local worker processes starts their
fork server, so that the server's imports (Mesa with networkx, and the model: about 0.4 s
of CPU, ``ftzsim.engine.workers``; 1.0 s before Mesa's pandas, SciPy and tqdm were deferred,
``ftzsim.model._mesa``) run on the second core while this
process loads the command line, the experiment and the design (issue 14: 2 workers against
1 on a 200-run classroom sweep, ``benchmarks/bench_workers.py --driver cli``).
"""

from __future__ import annotations

import os
import sys


def _local_workers(argv: list[str]) -> bool:
    """Whether ``argv`` asks for a sweep run by more than one local worker process.

    Reads only what decides that (``sweep``, ``--workers``, ``--backend``, ``--scheduler``);
    the command line parses and checks everything properly afterwards. A wrong guess costs
    nothing but an idle process that ends with this one.
    """
    if not argv or argv[0] != "sweep" or "--help" in argv:
        return False
    workers: str | None = None
    for i, arg in enumerate(argv):
        name, eq, value = arg.partition("=")
        if not eq:
            value = argv[i + 1] if i + 1 < len(argv) else ""
        if name == "--scheduler" or (name == "--backend" and value != "local"):
            return False
        if name == "--workers":
            workers = value
    if workers is None:
        return (os.cpu_count() or 1) > 1
    return workers.isdigit() and int(workers) > 1


def run() -> int:
    """Run the command line (:func:`ftzsim.cli.main`) as this process's work, then exit quickly.

    The interpreter's last garbage collections at exit walk every object still alive: after
    a command that ran the model (pandas, SciPy and Mesa loaded) that was 0.3-0.6 s
    of CPU, a tenth of a 200-run classroom sweep. ``gc.freeze()`` moves those objects out of
    the collector's sight; atexit handlers, the flushing of the output streams and the files
    the command wrote (closed and renamed before ``main`` returns) are unaffected. Tests and
    notebooks call :func:`ftzsim.cli.main` instead, in a process that goes on.
    """
    import gc

    if _local_workers(sys.argv[1:]):
        from ftzsim.engine.workers import start_server

        start_server()
    from ftzsim.cli import main

    rc = main()
    gc.freeze()
    return rc


if __name__ == "__main__":
    sys.exit(run())
