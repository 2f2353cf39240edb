"""Imported first in a worker (or the fork server): one worker is one core, so BLAS and
numba stay single-threaded inside it. Must run before numpy and numba are imported."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
