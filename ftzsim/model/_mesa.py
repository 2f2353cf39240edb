"""Mesa, imported without pandas, SciPy and tqdm: imported by :mod:`ftzsim.model` before anything else.

Mesa 3.5 imports large packages at its top for things this model never calls on a run:

* **pandas**, in ``mesa.agent`` (and ``mesa.datacollection`` and its experimental data
  recorders), for the few functions that take or make a DataFrame
  (``Agent.create_agents`` with a Series of values, ``Agent.from_dataframe``,
  ``DataCollector``'s tables). This model records into its own arrays
  (:mod:`ftzsim.model.recorder`) and builds a DataFrame only when one is asked for.
* **SciPy's spatial package**, in ``mesa.discrete_space`` (``from scipy.spatial import
  KDTree``) and ``mesa.experimental.continuous_space`` (``from scipy.spatial.distance import
  cdist``), for nearest-cell queries (``Network.find_nearest_cell``) and distances in a
  continuous space. ``scipy.spatial`` imports ``scipy.sparse``, ``scipy.linalg`` (with its
  Fortran BLAS), ``scipy.special`` and, through SciPy's array-API layer, ``numpy.f2py``,
  ``numpy.testing`` and ``numpy.fft``. A ``Network`` whose cells have positions (this model
  places zones by longitude and latitude, for the app and the figures) builds a tree at
  once, though a run never queries it.
* **tqdm**, in ``mesa.batchrunner`` (``from tqdm.auto import tqdm``, which loads asyncio and
  ssl), for ``batch_run``'s progress bar.

Together they were about half of what a process paid to import the model
(``benchmarks/bench_import.py``), and every sweep worker's fork server paid it on the
critical path of a sweep's start (issue 15: a lean import path for workers and
``FTZModel``, at most 0.5 s of CPU; issue 14: two workers against one).

So while Mesa is imported, ``sys.modules`` holds stand-ins for ``pandas``,
``scipy.spatial``, ``scipy.spatial.distance`` and ``tqdm.auto`` (:data:`DEFERRED`), which
Mesa's modules bind (as ``pd``, and as the names ``KDTree``, ``cdist`` and ``tqdm``); they
are taken out right after, so every later ``import pandas`` or ``import scipy.spatial``
(this package's, a notebook's) gets the real package, imported the normal way.

* The pandas stand-in (:class:`DeferredModule`) imports the real pandas on its first
  attribute access and forwards every access to it, so a Mesa function that uses ``pd``
  works unchanged and only then pays for pandas.
* ``KDTree`` is :class:`DeferredKDTree`: it keeps the points it is given and builds SciPy's
  tree on the first use of any of its attributes (``query``, ``data``...), which then
  answers. Mesa builds its trees from a fresh ``np.array`` of the positions, so keeping the
  array is keeping the points. ``cdist`` is :func:`deferred_cdist` and ``tqdm``
  :func:`deferred_tqdm`, which import the real function or class when called and return
  what it returns.

Mesa's logging also walks the call stack while Mesa is imported, to name its loggers; for
that window :class:`_FrameNamesOnly` has :mod:`inspect` read the stack without source lines
(the same frames and names, about 0.06 s less of CPU).

``tests/model/test_lean_import.py`` checks, each in a fresh process, that a run and a
worker's run import neither, that the stand-ins forward (a Series through ``pd``, Mesa's
``find_nearest_cell`` and ``cdist`` against SciPy's own answers) and that the eager path
gives the same run to the bit, and that Mesa names its loggers as it does on its own.

Nothing is deferred when Mesa is already imported (a notebook that imported Mesa first gets
Mesa exactly as Mesa imports itself), nor a package that is already imported, nor anything
when ``FTZSIM_EAGER_IMPORTS=1`` is set (the way back, should a later Mesa use these packages
while it is imported); ``FTZSIM_EAGER_PANDAS=1`` imports only pandas eagerly (it measures
that deferral alone, ``benchmarks/bench_import.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import types

__all__ = ["DEFERRED", "DeferredKDTree", "DeferredModule", "deferred_cdist", "deferred_tqdm", "import_mesa"]


def _find_spec(name: str) -> importlib.machinery.ModuleSpec:
    """The spec of module ``name`` found without importing it or its parents
    (``importlib.util.find_spec("scipy.spatial")`` would import ``scipy``)."""
    parent, _, _ = name.rpartition(".")
    spec = (
        importlib.machinery.PathFinder.find_spec(name, _find_spec(parent).submodule_search_locations)
        if parent
        else importlib.util.find_spec(name)
    )
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return spec


class DeferredModule(types.ModuleType):
    """A stand-in for a module that imports it on first attribute access and forwards to it.

    Carries the real module's ``__spec__``, ``__file__`` and ``__loader__`` so that
    ``import`` and :mod:`inspect` (Mesa's logging walks ``sys.modules`` while Mesa is being
    imported) can look at it without loading anything.

    ``names`` are attributes the stand-in answers itself (the deferred ``KDTree`` and
    ``cdist``), so that ``from package import name`` does not load the package. Such a
    stand-in also carries the package's ``__path__``: ``from package import name`` first
    asks whether the module has one, which would otherwise load the real package through
    :meth:`__getattr__`; with it, a submodule imported meanwhile is found in the package's
    folder as usual (a stand-in for a plain module, ``tqdm.auto``, answers that it has none).
    Without ``names`` there is no ``__path__`` (``import pandas as pd`` never asks):
    importing a submodule then loads the real package first.
    """

    def __init__(self, name: str, names: dict | None = None):
        super().__init__(name)
        spec = _find_spec(name)
        self.__spec__, self.__loader__, self.__package__ = spec, spec.loader, spec.parent
        self.__file__ = spec.origin
        if names:
            self.__dict__.update(names)
            if spec.submodule_search_locations is not None:
                self.__path__ = spec.submodule_search_locations
            else:  # a plain module: "has no __path__" is the true answer, given without loading
                self.__dict__["_deferred_not_a_package"] = True

    def __getattr__(self, attr: str):
        if attr == "__path__" and self.__dict__.get("_deferred_not_a_package"):
            raise AttributeError(attr)
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


class DeferredKDTree:
    """``scipy.spatial.KDTree`` built on first use: what Mesa's spaces hold as their tree.

    Keeps the arguments it is called with; the first read of any attribute builds SciPy's
    tree from them and forwards to it (and every later one). Dunder names are not forwarded,
    so copying or pickling a model (``copy.deepcopy`` looks up ``__deepcopy__`` on the
    instance) neither builds the tree nor imports SciPy.
    """

    def __init__(self, *args, **kwargs):
        self._deferred_args = (args, kwargs)

    def __getattr__(self, attr: str):
        if attr.startswith("__") or attr in ("_deferred_args", "_deferred_tree"):
            raise AttributeError(attr)
        tree = self.__dict__.get("_deferred_tree")
        if tree is None:
            from scipy.spatial import KDTree

            args, kwargs = self.__dict__.pop("_deferred_args")
            tree = self.__dict__["_deferred_tree"] = KDTree(*args, **kwargs)
        return getattr(tree, attr)

    def __repr__(self) -> str:
        state = "built" if "_deferred_tree" in self.__dict__ else "not built yet"
        return f"<deferred scipy.spatial.KDTree ({state})>"


def deferred_cdist(*args, **kwargs):
    """``scipy.spatial.distance.cdist``, imported when first called (for Mesa's continuous space)."""
    from scipy.spatial.distance import cdist

    return cdist(*args, **kwargs)


def deferred_tqdm(*args, **kwargs):
    """``tqdm.auto.tqdm``, imported when first called (for Mesa's ``batch_run``)."""
    from tqdm.auto import tqdm

    return tqdm(*args, **kwargs)


#: module -> the names its stand-in answers without loading it
DEFERRED = {
    "pandas": {},
    "scipy.spatial": {"KDTree": DeferredKDTree},
    "scipy.spatial.distance": {"cdist": deferred_cdist},
    "tqdm.auto": {"tqdm": deferred_tqdm},
}


class _FrameNamesOnly:
    """While Mesa is imported: :mod:`inspect`'s stack functions without source lines, and
    ``inspect.getmodule`` of a frame read from the frame's globals.

    Mesa's logging finds the name of the module that is being imported from the call stack
    (``mesa_logging.create_module_logger``: ``inspect.stack()[1]``, then
    ``inspect.getmodule`` of that frame; ``method_logger``:
    ``inspect.getouterframes(...)[1][3]``). Asked for one line of context, ``inspect`` reads
    the source of every frame on the stack, and ``getmodule`` works out the absolute file
    of every module in ``sys.modules`` to find the one a frame's file belongs to: 60-80 ms
    of CPU per process (CPython issue 92041), for two names. With no context and the module
    taken by the name the frame itself runs under (``f_globals["__name__"]``, in
    ``sys.modules`` while it is being imported), Mesa gets the same frames, the same
    function name and the same module (``tests/model/test_lean_import.py`` checks Mesa's
    logger names and the class name its method logger records). The functions are put back
    when Mesa is imported.
    """

    def __enter__(self):
        import inspect

        self.saved = inspect.stack, inspect.getouterframes, inspect.getmodule
        _, outer, getmodule = self.saved

        def stack_names(context=1):
            return outer(sys._getframe(1), 0)  # what inspect.stack does, with no context

        def getmodule_of_frame(obj, _filename=None):
            if isinstance(obj, types.FrameType):
                module = sys.modules.get(obj.f_globals.get("__name__"))
                if module is not None:
                    return module
            return getmodule(obj, _filename)

        inspect.stack = stack_names
        inspect.getouterframes = lambda frame, context=1: outer(frame, 0)
        inspect.getmodule = getmodule_of_frame

    def __exit__(self, *exc):
        import inspect

        inspect.stack, inspect.getouterframes, inspect.getmodule = self.saved


def import_mesa() -> None:
    """Import Mesa with :data:`DEFERRED` deferred (see the module's docstring); idempotent."""
    deferred = {} if "mesa" in sys.modules or os.environ.get("FTZSIM_EAGER_IMPORTS") == "1" else dict(DEFERRED)
    if os.environ.get("FTZSIM_EAGER_PANDAS") == "1":
        deferred.pop("pandas", None)
    stand_ins = {n: DeferredModule(n, names) for n, names in deferred.items() if n not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        with _FrameNamesOnly() if deferred else contextlib.nullcontext():
            import mesa  # noqa: F401
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


import_mesa()
