"""Imported first in a worker (or the fork server): one worker is one core, so BLAS and
numba stay single-threaded inside it. Must run before numpy and numba are imported.

It also pauses the cyclic garbage collector for the fork server's preload
(:data:`ftzsim.engine.workers.PRELOAD`), which :mod:`ftzsim.engine._worker_warm`, the list's
last module, turns back on after freezing what was loaded. The preload allocates a few
hundred thousand objects that all stay alive (modules, classes, functions); the collector
ran about 136 times over them while they were imported, for nothing to collect: about
0.03 s of CPU (``benchmarks/bench_import.py``; issue 15's goal of at most 0.5 s to import
what a worker needs, and issue 14's fork server on a sweep's critical path). Only the
server runs this list; no worker is ever forked from it with the collector off
(``tests/decision/test_workers.py`` checks it in the workers).
"""

import gc
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

gc.disable()
