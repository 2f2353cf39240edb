"""A/B of the firm kernel between two git revisions, in alternating fresh processes.

    python benchmarks/bench_kernel_ab.py [A [B]] [--firms 1000000] [--rounds 3]

(defaults: A = :data:`BEFORE_KERNEL`, B = ``HEAD``; ``make bench`` runs it that way)

Each revision is exported (``git archive``) to a temporary directory; a child process per
round imports that tree, builds the baseline at ``--firms`` firms, steps it once and then
times 7 firm steps in CPU time, reporting the median ns per firm-step. Children of A and B
alternate (A, B, A, B, ...), so a busy spell of the shared machine hits both. This is how
docs/performance.md compares the kernel before and after a change on the same machine; it
works across the change of ``FirmPopulation.step``'s signature (before issue 15 it took the
model's generator).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="firm kernel A/B between two git revisions")
    ap.add_argument("a", nargs="?", default=BEFORE_KERNEL)
    ap.add_argument("b", nargs="?", default="HEAD")
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: export(rev, root, Path(tmp) / f"t{i}") for i, rev in enumerate((args.a, args.b))}
        ns: dict[str, list[float]] = {rev: [] for rev in trees}
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
