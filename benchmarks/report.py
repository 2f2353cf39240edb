"""Turn the speed benchmarks' JSON lines into the measured tables of docs/performance.md.

One command measures and rewrites the tables (the block between the two ``bench:measured``
markers; everything else in the file is left alone)::

    python benchmarks/report.py --run --write docs/performance.md

``--run`` runs ``bench_firm_step.py``, ``bench_run.py``, ``bench_import.py``, the kernel A/B
against the same model with the old kernel (``bench_kernel_ab.py``), and
``bench_scaling.py`` with ``--scaling`` and ``bench_workers.py`` (1 against 2 workers on the
200-run classroom sweep, ``ftzsim sweep``) with ``--workers``, in fresh processes and keeps their lines in
``benchmarks/results/latest.jsonl``; without it the tables are rebuilt from that file (or
``--results FILE``). Without ``--write`` the tables are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results" / "latest.jsonl"
START = "<!-- bench:measured start: written by `python benchmarks/report.py --run --write docs/performance.md` -->"
END = "<!-- bench:measured end -->"
SPEED = ("bench_firm_step.py", "bench_run.py", "bench_import.py")


def run(results: Path, scaling: bool, workers: bool = False) -> None:
    """Run the speed benchmarks one after another, appending their lines to ``results``."""
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text("", encoding="utf-8")
    env = {**os.environ, "FTZSIM_BENCH_RESULTS": str(results)}
    scripts = [[s] for s in SPEED] + [["bench_kernel_ab.py"]]
    scripts += [["bench_scaling.py"]] if scaling else []
    scripts += [["bench_workers.py", "--repeat", "9", "--idle", "25"]] if workers else []
    for script, *args in scripts:
        print(f"running {script} {' '.join(args)} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE, env=env, check=True)


def load(results: Path) -> dict[str, dict]:
    """The last line of each benchmark in ``results``."""
    out: dict[str, dict] = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["benchmark"]] = rec
    return out


def _ok(value: float, goal: float, at_least: bool) -> str:
    met = value >= goal if at_least else value <= goal
    return "met" if met else "**not met**"


def _load(rec: dict) -> str:
    return "/".join(f"{x:.1f}" for x in rec["load_avg"])


def _kernel_goal_row(interleaved_ns: float, ab: dict | None) -> str:
    """The 25 ns goal, measured two ways: interleaved with the NumPy runs of
    ``bench_firm_step.py`` (the kernel then also pays for write-backs of NumPy's temporaries
    and shares the caches with them), and alone in fresh processes (``bench_kernel_ab.py``,
    the revision measured, i.e. the second one)."""
    row = "| kernel at 1M firms ≤ 25 ns per firm-step (reference machine) | "
    row += f"{interleaved_ns:.1f} ns interleaved with NumPy"
    verdict = f"{_ok(interleaved_ns, 25, False)} interleaved"
    if ab is not None:
        alone = list(ab["median_ns"].values())[-1]
        row += f"; {alone:.1f} ns alone (`bench_kernel_ab.py`, fresh processes)"
        verdict += f", {_ok(alone, 25, False)} alone"
    return f"{row} | {verdict}, on this machine |"


def _when(rec: dict, first: dict) -> str:
    """'; measured <time> at <revision>' when ``rec`` was measured apart from the first record."""
    if rec["git_revision"] == first["git_revision"] and rec["utc"][:10] == first["utc"][:10]:
        return ""
    return f"; measured {rec['utc']} UTC at `{rec['git_revision'][:12]}`"


def render(res: dict[str, dict]) -> str:
    """Markdown tables of the measured results (what lands between the markers)."""
    lines: list[str] = []
    any_rec = next(iter(res.values()))
    v = any_rec["versions"]
    lines += [
        f"Measured {any_rec['utc']} UTC at git revision `{any_rec['git_revision'][:12]}` on {any_rec['cpus']} "
        f"CPUs ({any_rec['machine']}, Python {any_rec['python']}, NumPy {v.get('numpy')}, numba "
        f"{v.get('numba')}, Mesa {v.get('mesa')}). CPU time (`time.process_time`; child processes: "
        "`getrusage`), competitors interleaved, medians. Load average (1/5/15 min) is given per benchmark: "
        "the machine is shared, and a loaded machine inflates CPU time too (shared caches and memory bus).",
        "",
    ]
    if "firm_step" in res:
        r = res["firm_step"]
        ns = r["ns_per_firm_step"]
        n = r["n_firms"]
        lines += [
            f"**Firm step** (one quarter of the firm rule; {r['repeats']} interleaved repeats; load {_load(r)}):",
            "",
            f"| implementation | ns per firm-step, {n['small']:,} firms | ns per firm-step, {n['large']:,} firms |",
            "|---|---|---|",
            f"| compiled kernel (`ftzsim.model.kernel`) | {ns['kernel_20k']:.1f} | **{ns['kernel_1m']:.1f}** |",
            f"| bare NumPy, drawing its uniforms (Philox in NumPy) | {ns['numpy_20k']:.0f} | {ns['numpy_1m']:.0f} |",
            f"| bare NumPy, uniforms given (the rule's arithmetic alone) | {ns['numpy_given_uniforms_20k']:.0f} "
            f"| {ns['numpy_given_uniforms_1m']:.0f} |",
            f"| per-agent Mesa reference (`shuffle_do`, Python lists and floats) | {ns['per_agent_mesa_20k']:,.0f} "
            "| (not run; 20,000-firm cost per firm-step used) |",
            "",
            "| goal | measured | |",
            "|---|---|---|",
            _kernel_goal_row(ns["kernel_1m"], res.get("kernel_ab")),
            f"| kernel vs bare NumPy | {r['ratio_numpy_over_kernel_20k']:.1f}x faster at 20k, "
            f"{r['ratio_numpy_over_kernel_1m']:.1f}x at 1M (rule alone: "
            f"{r['ratio_numpy_given_uniforms_over_kernel_20k']:.1f}x, "
            f"{r['ratio_numpy_given_uniforms_over_kernel_1m']:.1f}x) | |",
            f"| kernel vs per-agent Mesa (≥ 20x, issue 5) | {r['ratio_per_agent_over_kernel_20k']:.0f}x at 20k, "
            f"{r['ratio_per_agent_20k_over_kernel_1m']:.0f}x against the kernel at 1M "
            f"| {_ok(r['ratio_per_agent_over_kernel_20k'], 20, True)} |",
            "",
        ]
    if "kernel_ab" in res:
        r = res["kernel_ab"]
        (a, ma), (b, mb) = r["median_ns"].items()
        lines += [
            f"**Kernel before and after** (`bench_kernel_ab.py {a} {b}`, the same model with the old and "
            f"the new kernel: {r['firms']:,} firms, "
            f"{r['rounds']} rounds of alternating fresh processes; load {_load(r)}): {ma:.1f} ns per firm-step "
            f"at `{a}`, {mb:.1f} ns at `{b}` ({r['ratio_a_over_b']:.2f}x faster).",
            "",
        ]
    if "baseline_run" in res:
        r = res["baseline_run"]
        med = r["median_s"]
        parts = r["sweep_path_parts_median_s"]
        lines += [
            f"**Whole baseline run** ({r['firms']:,} firms, {r['quarters']} quarters: build + quarters + summary; "
            f"{r['repeats']} interleaved repeats; load {_load(r)}) against the per-agent Mesa reference of the "
            "firm rule alone (its firm rule's CPU time over the same 40 quarters):",
            "",
            "| run | CPU s per run | reference / run | goal | |",
            "|---|---|---|---|---|",
            f"| sweep path (`build_firm_agents=False`) | {med['sweep_path']:.3f} "
            f"| **{r['ratio_reference_over_sweep_path']:.1f}x** | ≥ 50x "
            f"| {_ok(r['ratio_reference_over_sweep_path'], 50, True)} |",
            f"| default (firm agents built) | {med['default']:.3f} | **{r['ratio_reference_over_default']:.1f}x** "
            f"| ≥ 33x | {_ok(r['ratio_reference_over_default'], 33, True)} |",
            f"| per-agent Mesa reference, firm rule alone | {med['per_agent_rule']:.2f} | 1 | | |",
            "",
            f"Sweep-path run by part (medians): build {parts['build'] * 1e3:.1f} ms, 40 quarters "
            f"{parts['quarters'] * 1e3:.1f} ms, summary {parts['summary'] * 1e3:.1f} ms.",
            "",
        ]
    if "import_cost" in res:
        r = res["import_cost"]
        med = r["median_cpu_s"]
        clock = "user + system CPU"
        if "median_cpu_s_with_exit" in r:  # issue 15, fourth round: the child's exit left out
            clock = (
                "user + system CPU until the imports end, read by the child; its exit is left out (with it, "
                f"the preload list without its warm-up run measured {r['median_cpu_s_with_exit']['worker']:.3f} s)"
            )
        lines += [
            f"**Import cost** of a fresh process ({clock}; {r['repeats']} interleaved repeats; "
            f"load {_load(r)}{_when(r, any_rec)}):",
            "",
            "| `python -c ...` | CPU s |",
            "|---|---|",
            f"| `pass` (interpreter start) | {med['interpreter']:.3f} |",
        ]
        if "worker_eager_imports" in med:  # issue 15, sixth round: SciPy, tqdm and Mesa's stack walk deferred too
            lines += [
                f"| NumPy and the ahead-of-time build of the model's loops (`ftzsim/model/_aot*.so`) | "
                f"{med['kernel_floor_aot']:.3f} |",
                f"| `import numpy, numba` (the JIT's floor; not imported where the build is current) | "
                f"{med['kernel_floor']:.3f} |",
                f"| NumPy, networkx (Mesa's `Network`), pydantic (the scenario): what a run calls | "
                f"{med['run_calls']:.3f} |",
                f"| the same and what Mesa imports at its top for things a run never calls: pandas, `scipy.spatial`, "
                f"`tqdm.auto` | {med['mesa_imports']:.3f} |",
                f"| the same and Mesa | {med['mesa_imports_and_mesa']:.3f} |",
                f"| the fork server's preload list without its warm-up run (what a worker needs; Mesa imported with "
                f"those deferred, `ftzsim/model/_mesa.py`) | "
                f"**{med['worker']:.3f}** (goal ≤ 0.5: {_ok(med['worker'], 0.5, False)}) |",
                f"| the same with Mesa's pandas imported eagerly (`FTZSIM_EAGER_PANDAS=1`: issue 15's fifth round) | "
                f"{med['worker_eager_pandas']:.3f} |",
                f"| the same with nothing deferred (`FTZSIM_EAGER_IMPORTS=1`: Mesa as it imports itself) | "
                f"{med['worker_eager_imports']:.3f} |",
                f"| the fork server: preload list and one warm-up run, on the build | {med['fork_server_warm']:.3f} |",
                f"| the same on numba's JIT (`FTZSIM_KERNEL=jit`) | {med['fork_server_warm_jit']:.3f} |",
                f"| `import ftzsim.engine.adapter` (the package alone: the model loads on first use) | "
                f"{med['package_only']:.3f} |",
            ]
        elif "kernel_floor_aot" in med:  # bench_import.py with the ahead-of-time build (issue 14/15, third round)
            lines += [
                f"| NumPy and the ahead-of-time build of the model's loops (`ftzsim/model/_aot*.so`) | "
                f"{med['kernel_floor_aot']:.3f} |",
                f"| `import numpy, numba` (the JIT's floor; not imported where the build is current) | "
                f"{med['kernel_floor']:.3f} |",
            ]
            if "third_party_run_calls" in med:  # issue 15, fourth round: the floor below Mesa
                lines += [
                    f"| NumPy, `scipy.spatial` (the KD-tree of Mesa's `Network`), networkx, pydantic: what a run "
                    f"calls besides pandas | "
                    f"{med['third_party_run_calls']:.3f} |",
                ]
            pandas_label = (
                "the same and pandas (imported at the top of `mesa.agent`; deferred by the model since issue 15's "
                "fifth round, `ftzsim/model/_mesa.py`)"
                if "worker_eager_pandas" in med
                else "the third-party packages a run uses (NumPy, pandas, `scipy.spatial`, networkx, pydantic)"
            )
            lines += [
                f"| {pandas_label} | {med['third_party_run_uses']:.3f} |",
                f"| the same and Mesa | {med['third_party_and_mesa']:.3f} |",
                f"| the fork server's preload list without its warm-up run (what a worker needs) | "
                f"**{med['worker']:.3f}** (goal ≤ 0.5: {_ok(med['worker'], 0.5, False)}) |",
            ]
            if "worker_eager_pandas" in med:
                lines += [
                    f"| the same with Mesa's pandas imported eagerly, as before (`FTZSIM_EAGER_PANDAS=1`) | "
                    f"{med['worker_eager_pandas']:.3f} |",
                ]
            lines += [
                f"| the fork server: preload list and one warm-up run, on the build | {med['fork_server_warm']:.3f} |",
                f"| the same on numba's JIT (`FTZSIM_KERNEL=jit`) | {med['fork_server_warm_jit']:.3f} |",
                f"| `import ftzsim.engine.adapter` (the package alone: the model loads on first use) | "
                f"{med['package_only']:.3f} |",
            ]
        elif "worker" in med and "kernel_floor" in med:  # bench_import.py from issue 15's second round on
            lines += [
                f"| `import numpy, numba` (the kernel's floor) | {med['kernel_floor']:.3f} |",
                f"| the third-party packages a run uses (NumPy, numba, pandas, `scipy.spatial`, networkx, "
                f"pydantic) | {med['third_party_run_uses']:.3f} |",
                f"| the same and Mesa | {med['third_party_and_mesa']:.3f} |",
                f"| the fork server's preload list without its warm-up run (what a worker needs) | "
                f"**{med['worker']:.3f}** (goal ≤ 0.5: {_ok(med['worker'], 0.5, False)}) |",
                f"| the fork server: preload list and one warm-up run | {med['fork_server_warm']:.3f} |",
                f"| `import ftzsim.engine.adapter` (the package alone: the model loads on first use) | "
                f"{med['package_only']:.3f} |",
            ]
        else:
            lines += [
                f"| `import ftzsim.model` | {med['model']:.3f} |",
                f"| `import ftzsim.engine.adapter` (what a worker needs) | **{med['worker']:.3f}** "
                f"(goal ≤ 0.5: {_ok(med['worker'], 0.5, False)}) |",
            ]
        lines += [""]
    if "scaling" in res:
        r = res["scaling"]
        c = r["s_per_firm_step"]
        lines += [
            f"**Scaling** (kernel, CPU time, load {_load(r)}): "
            + ", ".join(f"{int(k):,} firms {v * 1e9:.1f} ns" for k, v in c.items())
            + f" per firm-step; 1M / 10k = {r['ratio_1m_over_10k']:.2f} (goal ≤ 1.3).",
            "",
        ]
        if "memory" in res:
            m = res["memory"]
            lines += [
                f"Memory per firm: {m['bytes_per_firm_with_mesa_agents']:.0f} bytes with the Mesa `FirmAgent` "
                f"objects (created on first access of `model.firm_agents`), "
                f"{m['bytes_per_firm_arrays_only']:.0f} bytes arrays only (goal < 500).",
                "",
            ]
        if "construction" in res:
            s = res["construction"]["seconds_100k_firms"]
            lines += [
                f"Building a 100,000-firm model: {s['with_agents']:.2f} s CPU with its firm agents (accessed), "
                f"{s['arrays_only']:.2f} s without (goal < 1 s).",
                "",
            ]
    if "workers_classroom_sweep" in res:
        r = res["workers_classroom_sweep"]
        runs1, runs2 = r["all_runs"]["1"], r["all_runs"]["2"]
        ratios = sorted(a["wall"] / b["wall"] for a, b in zip(runs1, runs2))
        how = "`ftzsim sweep`" if r.get("driver", "script") == "cli" else "a Python script calling `sweep_function`"
        lines += [
            f"**Workers** (issue 14; `bench_workers.py`: {r['runs']} classroom runs, an LHS over two levers, "
            f"run as {how} in a fresh process, 1 and 2 workers alternating, {r['repeats']} pairs, each sweep "
            f"started with the cores less than 25% busy; load {_load(r)}{_when(r, any_rec)}):",
            "",
            "| workers | wall s (median) | CPU s of the process tree (median) |",
            "|---|---|---|",
            f"| 1 (in the driver) | {r['wall_s_1_worker']:.2f} | {r['cpu_s_1_worker']:.2f} |",
            f"| 2 (forked from the preloaded server) | {r['wall_s_2_workers']:.2f} | {r['cpu_s_2_workers']:.2f} |",
            "",
            f"2 workers against 1: **{r['speedup_2_workers']:.2f}x** on the medians (goal ≥ 1.6 with both cores "
            f"idle: {_ok(r['speedup_2_workers'], 1.6, True)}); pair by pair "
            f"{ratios[0]:.2f}-{ratios[-1]:.2f}x (median {ratios[len(ratios) // 2]:.2f}x). Other processes used "
            f"{r['others_busy_pct']:.1f}% of the cores meanwhile (median)"
            + (f"; the host's steal time {r['steal_pct']:.2f}%." if "steal_pct" in r else "."),
            "",
        ]
    if "worker_startup_cpu_s" in res:
        r = res["worker_startup_cpu_s"]
        lines += [
            f"A worker's start (CPU it has used when it takes its first task): {r['forkserver_preloaded']:.3f} s "
            f"forked from the preloaded server, {r['spawn']:.3f} s as a `spawn` worker (goal ≤ 0.3 s).",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def write(doc: Path, block: str) -> None:
    """Replace the marked block of ``doc`` with ``block`` (the markers must be there)."""
    text = doc.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{doc}: markers not found; add the two lines\n{START}\n{END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{block}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run the speed benchmarks first")
    ap.add_argument("--scaling", action="store_true", help="with --run: also bench_scaling.py")
    ap.add_argument("--workers", action="store_true", help="with --run: also bench_workers.py (about 3 minutes)")
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="JSON lines to read (and --run writes)")
    ap.add_argument("--write", type=Path, metavar="DOC", help="rewrite the marked block of DOC")
    args = ap.parse_args(argv)
    if args.run:
        run(args.results, args.scaling, args.workers)
    block = render(load(args.results))
    if args.write:
        write(args.write, block)
        print(f"wrote the measured tables into {args.write}", file=sys.stderr)
    else:
        print(block)


if __name__ == "__main__":
    main()
