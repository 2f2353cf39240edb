"""Imported last by the workers' fork server, and by nothing else: its import is its purpose.

A worker's first model run costs more than the next ones: about 0.3 s of CPU on numba's JIT
(numba sets up its typing and loads each compiled loop from its on-disk cache), a few
hundredths with the ahead-of-time build (:mod:`ftzsim.model.compiled`), plus what Mesa,
pandas and the scenario cache set up on first use.
Running one quarter of the bundled classroom scenario here, once, in the fork server puts
all of that in the memory that every forked worker starts from, so no worker pays it again
(``benchmarks/bench_workers.py``). The run is seeded and leaves nothing behind that a later
run reads: each run builds its model and generators from its own parameters and seed, so
results stay identical to a run in a fresh process (tests/engine, tests/decision/test_workers.py).

A failure here is not an error (the warm-up only saves time): the server goes on and each
worker pays its first run itself.

Last, the server freezes what it has loaded (:func:`gc.freeze`, the idiom the Python
documentation gives for a process that forks without exec): the collector no longer walks
those objects, neither in the server nor in the workers forked from it, so a worker's
collections do not touch (and copy) pages it shares with the server, and the server's exit
at the end of a sweep no longer collects them all: that exit took 0.3 s after the driver's,
and a sweep whose output is piped (as ``bench_workers.py`` reads it, or ``| tee log``) waits
for it; frozen, 0.1 s (issue 14). Then it turns the collector back on, which
:mod:`ftzsim.engine._worker_env` paused for the preload: every worker starts with it on.
"""

import gc


def warm() -> bool:
    """One seeded quarter of the classroom scenario, its summary included; True if it ran."""
    try:
        from ftzsim.model import FTZModel

        model = FTZModel("classroom", rng=0, build_firm_agents=False, quarters=1)
        model.run()
        model.summary()
    except Exception:
        return False
    return True


try:
    WARMED = warm()
finally:
    gc.freeze()
    gc.enable()
