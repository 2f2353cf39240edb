"""A/B of the firm kernel between two git revisions, in alternating fresh processes.

    python benchmarks/bench_kernel_ab.py [A [B]] [--firms 1000000] [--rounds 3] [--in-process]

(defaults: A = :data:`BEFORE_KERNEL`, B = ``HEAD``; ``make bench`` runs it that way)

Each revision is exported (``git archive``) to a temporary directory; a child process per
round imports that tree, builds the baseline at ``--firms`` firms, steps it once and then
times 7 firm steps in CPU time, reporting the median ns per firm-step. Children of A and B
alternate (A, B, A, B, ...), so a busy spell of the shared machine hits both. This is how
docs/performance.md compares the kernel before and after a change on the same machine; it
works across the change of ``FirmPopulation.step``'s signature (before issue 15 it took the
model's generator).

Fresh processes see the machine's state as it comes: on this shared machine the same kernel
measured anything from 19 to 34 ns per firm-step from one process to the next (bimodal, not
explained by huge pages: every process had its arrays on them), which hides a change of a
few nanoseconds. ``--in-process`` therefore times both kernels in *one* process: each
revision's ``ftzsim/model/kernel.py`` is loaded on numba's JIT under its own name, two
identical baseline models are built by the current tree, and the two kernels step them in
alternation (A, B, A, B, ... for ``--rounds`` x 5 quarters, the order swapped every other
round, so neither kernel always runs on the same copy or first). Both must take the current
kernel's arguments (an ``all_firms`` flag may be missing in one); the first quarter's zone
totals are compared, so the record says whether the two compute the same thing.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit

#: main just before the counter-based, compact kernel was merged: the same model with the
#: old kernel. (The revision before any issue-15 work, 784a0cb, ran another model: 5 blocs
#: instead of 4, fewer zone totals.)
BEFORE_KERNEL = "3aa85cf"

CHILD = r"""
import inspect, json, statistics, sys, time
from ftzsim import FTZModel
n = int(sys.argv[1])
m = FTZModel("baseline", rng=1, n_firms=n, build_firm_agents=False, quarters=12)
m.step()
f, inp = m.firms, m.zone_inputs(2)
old = "rng" in inspect.signature(f.step).parameters
ts = []
for r in range(8):
    t0 = time.process_time()
    f.step(inp, m.rng_firms, 2 + r) if old else f.step(inp, 2 + r)
    ts.append((time.process_time() - t0) / f.n * 1e9)
print(json.dumps(statistics.median(ts[1:])))
"""


def export(rev: str, root: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(root), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def load_kernel(path: Path, name: str):
    """A revision's kernel module on numba's JIT (no ahead-of-time build, no on-disk cache)."""
    src = path.read_text(encoding="utf-8")
    src = src.replace("from ftzsim.model.compiled import njit", "from numba import njit").replace(
        "cache=True", "cache=False"
    )
    tmp = path.with_name(f"_ab_{name}.py")
    tmp.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_ab_{name}", tmp)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def quarter(kernel, model, t: int):
    """One quarter of ``kernel``'s firm rule on ``model``'s firms, called with the arguments
    its own signature names (the ``all_firms`` flag and the exporters' list, ``ex_idx`` and
    ``ex_val``, only where the kernel takes them); returns the zone totals."""
    import numpy as np

    f, inp = model.firms, model.zone_inputs(2)
    acc = np.zeros((f.n_zones, len(kernel.ACC)))
    given = dict(
        idx=f._all, all_firms=True, key=f.key, t=t,
        zs=f.zs, size=f.size, sqrt_size_rel=f.sqrt_size_rel, sme=f.sme, weight=f.weight, risk=f.risk,
        volume=f.volume, boost_s=f.sector_boost, data_risk_s=f.sector_data_risk,
        digital=f.digital_level, adopted=f.adopted, approval=f.approval, applied_step=f.applied_step,
        exports=f.exports, ex_idx=f._ex_idx, ex_val=f._ex_val, incident=f.incident, exp_arg=f.exp_arg,
        exp_val=f.exp_val, revenue=inp.revenue, fixed_cost=inp.fixed_cost, hazard=inp.hazard, gain=inp.gain,
        subsidy=inp.subsidy, maturity=inp.maturity, green=inp.green, incident_p=inp.incident,
        inspection=inp.inspection, sigma=inp.sigma, boost=inp.boost, fcd=inp.fixed_cost_digital_cut,
        pending_penalty=inp.pending_penalty, adoption_cost=inp.adoption_cost, risk_based=inp.risk_based, acc=acc,
    )  # fmt: skip
    kernel.firm_quarter(*(given[p] for p in inspect.signature(kernel.firm_quarter.py_func).parameters))
    return acc


def in_process(trees: dict[str, Path], firms: int, rounds: int) -> tuple[dict[str, list[float]], bool]:
    """ns per firm-step of each revision's kernel, interleaved in this process (see above)."""
    import numpy as np

    from ftzsim import FTZModel

    kernels = {rev: load_kernel(tree / "ftzsim" / "model" / "kernel.py", f"k{i}") for i, (rev, tree) in
               enumerate(trees.items())}  # fmt: skip
    models = [FTZModel("baseline", rng=1, n_firms=firms, build_firm_agents=False, quarters=12) for _ in trees]
    for m in models:
        m.step()
    revs = list(trees)
    first = [quarter(kernels[rev], m, 2) for rev, m in zip(revs, models, strict=True)]  # also compiles both
    same = bool(np.array_equal(first[0], first[1]))
    ns: dict[str, list[float]] = {rev: [] for rev in revs}
    t = 3
    for r in range(rounds):
        for _ in range(5):
            pairs = list(zip(revs, models, strict=True))
            for rev, m in pairs if r % 2 == 0 else pairs[::-1]:
                t0 = time.process_time()
                quarter(kernels[rev], m, t)
                ns[rev].append((time.process_time() - t0) / m.firms.n * 1e9)
            t += 1
        models.reverse()  # next round: each kernel on the other copy
    return ns, same


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="firm kernel A/B between two git revisions")
    ap.add_argument("a", nargs="?", default=BEFORE_KERNEL)
    ap.add_argument("b", nargs="?", default="HEAD")
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--in-process", action="store_true", help="both kernels in one process, interleaved (see above)")
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: export(rev, root, Path(tmp) / f"t{i}") for i, rev in enumerate((args.a, args.b))}
        if args.in_process:
            ns, same = in_process(trees, args.firms, args.rounds)
            med = {rev: statistics.median(v) for rev, v in ns.items()}
            emit("kernel_ab_in_process", firms=args.firms, rounds=args.rounds, quarters_per_round=5,
                 clock="process_time", ns_per_firm_step={k: [round(x, 2) for x in v] for k, v in ns.items()},
                 median_ns=med, min_ns={rev: min(v) for rev, v in ns.items()}, ratio_a_over_b=med[args.a] / med[args.b],
                 same_zone_totals=same)  # fmt: skip
            return
        ns = {rev: [] for rev in trees}
        for _ in range(args.rounds):
            for rev, tree in trees.items():
                out = subprocess.run([sys.executable, "-c", CHILD, str(args.firms)], check=True, capture_output=True,
                                     text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})  # fmt: skip
                ns[rev].append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {rev: statistics.median(v) for rev, v in ns.items()}
    emit("kernel_ab", firms=args.firms, rounds=args.rounds, clock="process_time", ns_per_firm_step=ns,
         median_ns=med, ratio_a_over_b=med[args.a] / med[args.b])  # fmt: skip


if __name__ == "__main__":
    main()
