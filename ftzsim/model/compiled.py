"""The model's compiled loops: written once in Python, run by numba, built ahead of time.

The firm rule (:mod:`ftzsim.model.kernel`) and the zones' loops (:mod:`ftzsim.model.zones`)
are decorated with :func:`njit` from here instead of numba's. Each call then runs one of two
builds of the same source:

* the **ahead-of-time build** ``ftzsim/model/_aot*.so`` (numba's ``pycc``, made by
  ``python -m ftzsim.model.build``, which ``scripts/setup.sh`` runs), used when it was
  built from exactly this source, with these numba and NumPy versions, for this CPU;
* **numba's JIT** (``cache=True``: compiled on first use, then loaded from ``__pycache__``)
  everywhere else: no build (an install without a C compiler), a stale one (the source was
  edited), argument types the build does not cover, or ``FTZSIM_KERNEL=jit``.

Why two: the JIT costs every new process about 0.55 s of CPU before its first quarter —
0.22 s to import numba and LLVM and about 0.3 s for numba to set up its typing on the
first call, even when the compiled code comes from its cache. A sweep's worker pays it
once per fork server, the command line once per run, a notebook once per kernel; on a
200-run classroom sweep with two workers it was a quarter of the time to the first run
(issue 14, ``benchmarks/bench_workers.py``). The build is loaded like any extension
module (about 0.03 s) and does not import numba at all.

Both builds are LLVM code from the same source with the same options (the build targets the
host CPU, as the JIT does): ``tests/perf/test_compiled.py`` checks that whole runs give
identical results bit for bit, and ``benchmarks/bench_kernel_ab.py`` measures the same
kernel speed. The build's entry points do not check their arguments (an array of another
dtype would crash the process), so :class:`Compiled` checks every argument against the
signature it was built for (each array's dtype, dimensions, layout and writability; each
scalar's exact type, since the JIT compiles another specialisation for another type) and
sends any other call to the JIT.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["AOT_MODULE", "Compiled", "build", "njit", "status"]

_HERE = Path(__file__).resolve().parent
#: The ahead-of-time build: an extension module beside this file, and its record.
AOT_MODULE = "ftzsim.model._aot"
_RECORD = _HERE / "_aot.json"
#: Modules whose functions are compiled; the build is current only for their exact source.
MODULES = ("ftzsim.model.kernel", "ftzsim.model.zones")
_SOURCES = ("kernel.py", "zones.py", "compiled.py")
#: ``FTZSIM_KERNEL``: auto (the build where it is current, else the JIT), jit, or aot (the
#: build or an error: for tests and benchmarks that must measure it).
MODES = ("auto", "aot", "jit")

#: numba's array layouts as the NumPy flag that says an argument has it, aligned and
#: writable: C-contiguous, Fortran-contiguous, any
_LAYOUT_FLAG = {"C": "carray", "F": "farray", "A": "behaved"}

_REGISTRY: dict[str, list[Compiled]] = {}
_STATE: dict[str, Any] = {"aot": None, "why": None}

# exact Python/NumPy scalar types numba types as each of these (anything else: JIT)
_SCALARS: dict[str, tuple[type, ...]] = {
    "int64": (int, np.int64),
    "uint64": (np.uint64,),
    "int32": (np.int32,),
    "float64": (float, np.float64),
    "bool": (bool, np.bool_),
}


class Compiled:
    """A function of the model's compiled loops: the ahead-of-time build or numba's JIT.

    Call it like the Python function it wraps (``py_func``). ``fallbacks`` counts calls that
    went to the JIT although a build was loaded (argument types it was not built for).
    """

    def __init__(self, fn: Callable, options: dict[str, Any]):
        self.py_func = fn
        self.options = options
        self.module = fn.__module__
        self.name = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self.fallbacks = 0
        self._resolved = False
        self._aot: list[tuple[Callable, Callable]] = []  # (argument check, entry point) per signature
        self._jit: Callable | None = None

    def __repr__(self) -> str:
        return f"<compiled function {self.module}.{self.name}>"

    def __call__(self, *args):
        if not self._resolved:
            self._resolve()
        for check, entry in self._aot:
            if check(args):
                return entry(*args)
        if self._aot:
            self.fallbacks += 1
        if self._jit is None:
            _jit_module(self.module)
        return self._jit(*args)

    def _resolve(self) -> None:
        aot = _load_aot()
        if aot is not None:
            for entry in aot["functions"].get(f"{self.module}.{self.name}", []):
                self._aot.append((entry["check"], getattr(aot["module"], entry["export"])))
        self._resolved = True


def njit(fn: Callable | None = None, **options: Any):
    """Decorator: like ``numba.njit(**options)``, but numba is imported only if the JIT is
    used (see the module docstring)."""

    def wrap(f: Callable) -> Compiled:
        c = Compiled(f, options)
        _REGISTRY.setdefault(c.module, []).append(c)
        return c

    return wrap(fn) if fn is not None else wrap


def _mode() -> str:
    mode = os.environ.get("FTZSIM_KERNEL", "auto").strip().lower() or "auto"
    if mode not in MODES:
        from ftzsim.io import UserError

        raise UserError(f"FTZSIM_KERNEL={mode!r}: allowed: {', '.join(MODES)}")
    return mode


def _jit_module(module: str) -> None:
    """Give every compiled function of ``module`` its numba dispatcher, and make the module's
    names point to the dispatchers, so that compiled code calling another compiled function
    (the firm rule calls the random-number generator) sees one numba can compile."""
    import numba

    mod = sys.modules[module]
    for c in _REGISTRY.get(module, []):
        if c._jit is None:
            c._jit = numba.njit(**c.options)(c.py_func)
        if getattr(mod, c.name, None) is c:
            setattr(mod, c.name, c._jit)


def _sources_hash() -> str:
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update(name.encode())
        h.update((_HERE / name).read_bytes())
    return h.hexdigest()


def _cpu() -> str:
    """What the build's machine code depends on: the CPU's model and instruction sets."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        lines = [ln for ln in text.splitlines() if ln.startswith(("model name", "flags", "Features", "CPU part"))]
        info = "\n".join(sorted(set(lines)))
    except OSError:  # pragma: no cover - not Linux
        info = platform.processor()
    return hashlib.sha256(f"{platform.machine()}\n{info}".encode()).hexdigest()[:16]


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"numba": version("numba"), "numpy": np.__version__, "python": platform.python_version()}


def _load_aot() -> dict[str, Any] | None:
    """The current build (its module and argument checks), or None (why: ``status()``)."""
    if _STATE["aot"] is not None or _STATE["why"] is not None:
        return _STATE["aot"]
    mode = _mode()
    why = None
    record: dict[str, Any] = {}
    if mode == "jit":
        why = "FTZSIM_KERNEL=jit"
    elif not _RECORD.exists():
        why = "no ahead-of-time build (python -m ftzsim.model.build makes one)"
    else:
        try:
            record = json.loads(_RECORD.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            why = f"{_RECORD.name} is unreadable"
        else:
            if record.get("sources_sha256") != _sources_hash():
                why = "the build is stale: the compiled source changed since (python -m ftzsim.model.build)"
            elif record.get("cpu") != _cpu():
                why = "the build was made for another CPU"
            elif record.get("numpy") != np.__version__ or record.get("python") != platform.python_version():
                why = "the build was made with another NumPy or Python"
    module = None
    if why is None:
        try:
            module = importlib.import_module(AOT_MODULE)
        except ImportError as exc:
            why = f"the build cannot be loaded ({exc})"
    functions: dict[str, list] = {}
    if why is None:
        try:
            for qual, entries in record["functions"].items():
                functions[qual] = [
                    {"export": e["export"], "check": _checker(tuple(_check(a) for a in e["args"]))}
                    for e in entries
                    if callable(getattr(module, e["export"]))  # AttributeError: record and module disagree
                ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"{_RECORD.name} does not describe the build ({type(exc).__name__}: {exc})"
    if why is not None:
        _STATE["why"] = why
        if mode == "aot":
            raise RuntimeError(f"FTZSIM_KERNEL=aot, but {why}")
        return None
    _STATE["aot"] = {"module": module, "functions": functions}
    return _STATE["aot"]


def _check(spec: list) -> tuple:
    """A signature's argument as what :func:`_checker` compares: ("a", dtype, ndim, layout
    flag) for an array, ("s", exact types) for a scalar."""
    if spec[0] == "array":
        return ("a", np.dtype(spec[1]), int(spec[2]), _LAYOUT_FLAG[spec[3]])
    return ("s", _SCALARS[spec[1]])


def _checker(checks: tuple) -> Callable[[tuple], bool]:
    """A function telling whether a call's ``args`` are exactly what one signature of the build
    was compiled for. It runs on every call (once per quarter for the firm rule's 36
    arguments, a few microseconds), so the checks are sorted out once here: the arrays'
    positions with their dtype, dimensions and the flag that covers layout, alignment and
    writability (:data:`_LAYOUT_FLAG`), then the scalars'."""
    n = len(checks)
    arrays = tuple((i, c[1], c[2], c[3]) for i, c in enumerate(checks) if c[0] == "a")
    scalars = tuple((i, c[1]) for i, c in enumerate(checks) if c[0] == "s")
    ndarray = np.ndarray

    def check(args: tuple) -> bool:
        if len(args) != n:
            return False
        for i, dtype, ndim, flag in arrays:
            a = args[i]
            if (
                type(a) is not ndarray
                or (a.dtype is not dtype and a.dtype != dtype)
                or a.ndim != ndim
                or not getattr(a.flags, flag)
            ):
                return False
        for i, types in scalars:
            if type(args[i]) not in types:
                return False
        return True

    return check


def status() -> dict[str, Any]:
    """Which build the model's compiled functions use in this process, and why."""
    aot = _load_aot()
    return {
        "mode": _mode(),
        "ahead_of_time": aot is not None,
        "why_not": _STATE["why"],
        "functions": sorted(aot["functions"]) if aot else [],
        "fallbacks": {f"{c.module}.{c.name}": c.fallbacks for cs in _REGISTRY.values() for c in cs if c.fallbacks},
    }


# ---------------------------------------------------------------------- the build
def _spec(t) -> list:
    """A numba type as JSON: ["array", dtype, ndim, layout] or ["scalar", name]."""
    from numba import types

    if isinstance(t, types.Array):
        if t.layout not in _LAYOUT_FLAG or not t.mutable or not t.aligned:
            raise ValueError(f"unsupported array type {t}")
        return ["array", str(np.dtype(str(t.dtype))), t.ndim, t.layout]
    name = str(t)
    if name == "boolean":
        name = "bool"
    if name not in _SCALARS:
        raise ValueError(f"unsupported scalar type {t}")
    return ["scalar", name]


def _reference_calls() -> None:
    """Run what the model runs, under the JIT, so that every compiled function records the
    argument types it is called with: the classroom scenario with its Mesa firm agents (one
    stepped alone), the baseline at a small size, with and without reform, in debug mode."""
    from ftzsim.model import FTZModel

    m = FTZModel("classroom", rng=0, quarters=6)
    m.run()
    m.summary()
    m.firm_agents[0].step()
    for kw in ({}, {"reform": False}, {"debug": True}):
        m = FTZModel("baseline", rng=1, n_firms=3000, quarters=6, build_firm_agents=False, **kw)
        m.run()
        m.summary()


def build(out_dir: Path | None = None, quiet: bool = False) -> Path:
    """Compile the model's loops ahead of time (numba ``pycc``, for this CPU) into
    ``ftzsim/model`` (or ``out_dir``); returns the record's path.

    Needs numba, setuptools and a C compiler. The signatures are the ones the model's own
    calls use (:func:`_reference_calls` under the JIT). Files are written under temporary
    names and renamed, the record last, so a failed build leaves the previous state.
    """
    import shutil
    import tempfile
    import warnings

    os.environ["FTZSIM_KERNEL"] = "jit"  # the reference calls must go through numba's dispatchers
    _STATE.update(aot=None, why=None)
    for module in MODULES:
        importlib.import_module(module)
        _jit_module(module)
    _reference_calls()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation: no replacement exists yet
        from numba.pycc import CC
    out = Path(out_dir) if out_dir is not None else _HERE
    cc = CC(AOT_MODULE.rsplit(".", 1)[1])
    cc.target_cpu = "host"  # as the JIT: the portable default ran the kernel ~25% slower
    cc.verbose = not quiet
    functions: dict[str, list] = {}
    for module in MODULES:
        for c in _REGISTRY.get(module, []):
            if c._jit is None:
                continue
            for k, sig in enumerate(c._jit.nopython_signatures):
                export = f"{module.rsplit('.', 1)[1]}__{c.name}__{k}"
                cc.export(export, sig)(c.py_func)
                functions.setdefault(f"{module}.{c.name}", []).append(
                    {"export": export, "args": [_spec(a) for a in sig.args]}
                )
    with tempfile.TemporaryDirectory() as tmp:
        cc.output_dir = tmp
        cc.compile()
        (built,) = Path(tmp).glob(f"{cc.name}*")
        final = out / built.name
        shutil.copy2(built, out / f".{built.name}.tmp")
        os.replace(out / f".{built.name}.tmp", final)
    record = {
        "sources_sha256": _sources_hash(),
        "cpu": _cpu(),
        **_versions(),
        "module": final.name,
        "functions": functions,
    }
    tmp_record = out / f".{_RECORD.name}.tmp"
    tmp_record.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp_record, out / _RECORD.name)
    return out / _RECORD.name
