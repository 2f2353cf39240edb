"""Mesa, imported without pandas: imported by :mod:`ftzsim.model` before anything else.

Mesa 3.5 imports pandas at the top of ``mesa.agent`` (and of ``mesa.datacollection`` and its
experimental data recorders) for the few functions that take or make a DataFrame
(``Agent.create_agents`` with a Series of values, ``Agent.from_dataframe``,
``DataCollector``'s tables). This model calls none of them on a run: it records into its own
arrays (:mod:`ftzsim.model.recorder`) and builds a DataFrame only when one is asked for. Yet
pandas, with the pyarrow it loads, is about a quarter of what a process pays to import the
model (``benchmarks/bench_import.py``), and every sweep worker's fork server paid it on the
critical path of a sweep's start (issue 15: a lean import path for workers and ``FTZModel``;
issue 14: two workers against one).

So while Mesa is imported, ``sys.modules["pandas"]`` holds a stand-in module, which Mesa's
modules bind as their ``pd``; it is taken out right after, so every later ``import pandas``
(this package's, a notebook's) gets the real package, imported the normal way. The stand-in
imports the real pandas on its first attribute access and forwards every access to it, so a
Mesa function that uses ``pd`` works unchanged and only then pays for pandas
(``tests/model/test_lean_import.py`` checks both, in fresh processes).

Nothing is deferred when pandas or Mesa is already imported (a notebook that imported pandas
first gets Mesa exactly as Mesa imports itself), or when ``FTZSIM_EAGER_PANDAS=1`` is set
(the way back, should a later Mesa touch pandas while it is imported).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

__all__ = ["DeferredModule", "import_mesa"]


class DeferredModule(types.ModuleType):
    """A stand-in for a module that imports it on first attribute access and forwards to it.

    Carries the real module's ``__spec__``, ``__file__`` and ``__loader__`` so that
    ``import`` and :mod:`inspect` (Mesa's logging walks ``sys.modules`` while Mesa is being
    imported) can look at it without loading anything. No ``__path__``: importing a
    submodule loads the real package first, through :meth:`__getattr__`.
    """

    def __init__(self, name: str):
        super().__init__(name)
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        self.__spec__, self.__loader__, self.__package__ = spec, spec.loader, name
        self.__file__ = spec.origin

    def __getattr__(self, attr: str):
        real = self.__dict__.get("_deferred_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_deferred_real"] = real
        return getattr(real, attr)

    def __repr__(self) -> str:
        state = "loaded" if "_deferred_real" in self.__dict__ else "not loaded yet"
        return f"<deferred module {self.__name__!r} ({state})>"


def import_mesa() -> None:
    """Import Mesa with pandas deferred (see the module's docstring); idempotent."""
    if "mesa" in sys.modules or "pandas" in sys.modules or os.environ.get("FTZSIM_EAGER_PANDAS") == "1":
        import mesa

        return
    stand_in = DeferredModule("pandas")
    sys.modules["pandas"] = stand_in
    try:
        import mesa  # noqa: F401
    finally:
        if sys.modules.get("pandas") is stand_in:
            del sys.modules["pandas"]


import_mesa()
