"""CPU cost of importing what a sweep worker needs, in a fresh process.

Goal (issue 15): importing what a worker needs costs at most 0.5 s of CPU.

"What a worker needs" is the fork server's preload list (:data:`ftzsim.engine.workers.PRELOAD`)
without its last entry, the warm-up run: the engine's runner, the FTZ adapter and the model
with everything a run uses. It used to be measured as ``import ftzsim.engine.adapter``, which
imported the model only because the package's ``__init__`` did; since the model is loaded
on first use that line costs almost nothing and no longer says what a worker pays (it is
still shown). The other cases split the cost: the interpreter's start, the compiled loops'
floor (NumPy with the ahead-of-time build of :mod:`ftzsim.model.compiled`, or NumPy and
numba for the JIT), the third-party packages a run calls (NumPy, networkx for Mesa's
``Network`` of zones, pydantic for the scenario), the packages Mesa imports at its top
(those and pandas, ``scipy.spatial`` and ``tqdm.auto``, which a run never calls: the model
imports Mesa with them deferred, :mod:`ftzsim.model._mesa`), those and Mesa, the preload
list with Mesa's pandas alone imported eagerly (``FTZSIM_EAGER_PANDAS=1``, issue 15's fifth
round) and with nothing deferred (``FTZSIM_EAGER_IMPORTS=1``: Mesa as it imports itself,
the deferrals' whole saving, measured in the same run), and the warm fork server (imports
plus one warm-up run) on the build and on the JIT (``FTZSIM_KERNEL=jit``). Importing the
model never imports numba: the JIT is loaded by the first call that needs it, so the two
differ in the warm-up run.

Measured as the child's user + system time when its imports end, read by the child itself
(``resource.getrusage(RUSAGE_SELF)``, printed as its last line), interleaved, median of
``repeats``, with single-threaded BLAS as in a worker. The child's exit is left out: a
worker never pays it between runs, and it differs between cases for reasons that have
nothing to do with importing (the interpreter's last collections walk every object, unless
:func:`gc.freeze` has been called, as the fork server's warm-up module now does: with the
exit counted, the preload list *with* that module measured 0.17-0.26 s less than without
it). The whole process, exit included, is still recorded (``median_cpu_s_with_exit``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from common import emit, median

from ftzsim.engine.workers import PRELOAD
from ftzsim.model import compiled

WORKER = "import " + ", ".join(m for m in PRELOAD if not m.endswith("_worker_warm"))
#: the ahead-of-time build loaded alone (``import ftzsim.model._aot`` would run the model
#: package's ``__init__`` first)
_SO = sorted(Path(compiled.__file__).parent.glob("_aot*.so"))
AOT_ALONE = (
    f"import numpy, importlib.util as u; s = u.spec_from_file_location('ftzsim.model._aot', {str(_SO[0])!r}); "
    "s.loader.exec_module(u.module_from_spec(s))"
    if _SO
    else "raise SystemExit('no ahead-of-time build')"
)
#: name -> (code, extra environment)
CASES = {
    "interpreter": ("pass", {}),
    "kernel_floor_aot": (AOT_ALONE, {}),
    "kernel_floor": ("import numpy, numba", {}),
    "run_calls": ("import numpy, networkx, pydantic", {}),
    "mesa_imports": ("import numpy, pandas, scipy.spatial, networkx, pydantic, tqdm.auto", {}),
    "mesa_imports_and_mesa": ("import numpy, pandas, scipy.spatial, networkx, pydantic, tqdm.auto, mesa", {}),
    "worker": (WORKER, {}),
    "worker_eager_pandas": (WORKER, {"FTZSIM_EAGER_PANDAS": "1"}),
    "worker_eager_imports": (WORKER, {"FTZSIM_EAGER_IMPORTS": "1"}),
    "fork_server_warm": ("import " + ", ".join(PRELOAD), {}),
    "fork_server_warm_jit": ("import " + ", ".join(PRELOAD), {"FTZSIM_KERNEL": "jit"}),
    "package_only": ("import ftzsim.engine.adapter", {}),
}
ENV = {**os.environ, **{v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}


#: appended to each case: the child prints its CPU seconds when its imports are done
REPORT = "\nimport resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\nprint(_u.ru_utime + _u.ru_stime)"


def child_cpu(case: tuple[str, dict]) -> tuple[float, float]:
    """CPU seconds of a fresh ``python -c`` running ``case``: (until its imports end, whole
    process with its exit)."""
    code, extra = case
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code + REPORT], check=True, env={**ENV, **extra},
                         capture_output=True, text=True).stdout  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(out.split()[-1]), (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(repeats: int = 7) -> None:
    aot = compiled.status()
    if not aot["ahead_of_time"]:
        raise SystemExit(f"no current ahead-of-time build ({aot['why_not']}): run python -m ftzsim.model.build")
    child_cpu(CASES["fork_server_warm_jit"])  # warm the file cache and numba's on-disk cache
    t: dict[str, list] = {k: [] for k in CASES}
    whole: dict[str, list] = {k: [] for k in CASES}
    for _ in range(repeats):
        for name, code in CASES.items():
            imports, total = child_cpu(code)
            t[name].append(imports)
            whole[name].append(total)
    med = {k: median(v) for k, v in t.items()}
    emit(
        "import_cost",
        repeats=repeats,
        clock="getrusage(RUSAGE_SELF) user+sys in the child when its imports end",
        cases={k: (f"{' '.join(f'{a}={b}' for a, b in e.items())} " if e else "") + c for k, (c, e) in CASES.items()},
        median_cpu_s=med,
        median_cpu_s_with_exit={k: median(v) for k, v in whole.items()},
        all_cpu_s={k: [round(x, 3) for x in v] for k, v in t.items()},
        worker_import_over_interpreter_s=med["worker"] - med["interpreter"],
        goal_worker_cpu_s="<= 0.5",
    )


if __name__ == "__main__":
    main()
