"""``ftzsim sweep`` and ``ftzsim sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_cmd)
    app.command("sensitivity")(sensitivity_cmd)


def sweep_cmd(
    experiment: Annotated[Path, typer.Argument(help="experiment TOML file (docs/experiments.md)")],
    out: Annotated[Path, typer.Option("--out", help="sweep directory")],
    workers: Annotated[int | None, typer.Option(min=1, max=1024, help="worker processes (default: all cores)")] = None,
    backend: Annotated[str, typer.Option(help="local (process pool) or dask (LocalCluster)")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, tcp://HOST:PORT")] = None,
    resume: Annotated[bool, typer.Option(help="complete an interrupted sweep in --out")] = False,
    retry_failed: Annotated[bool, typer.Option(help="re-run only the runs recorded as failed")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace an earlier sweep in --out (nothing else)")] = False,
    chunk_size: Annotated[int | None, typer.Option(min=1, max=10_000, help="runs per task")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run an experiment: design x replicates into a resumable result store."""
    from ftzsim.engine.spec import load_experiment
    from ftzsim.engine.sweep import sweep
    from ftzsim.io import UserError

    if backend not in ("local", "dask"):
        raise UserError(f"--backend {backend!r}: allowed: local, dask")
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UserError(f"--scheduler {scheduler!r}: allowed: an address like tcp://HOST:PORT")
    exp = load_experiment(experiment)
    from ftzsim.engine.spec import firm_count_warning

    warning = firm_count_warning(exp)
    if warning:
        typer.echo(warning, err=True)
    opts = dict(workers=workers, backend=backend, scheduler=scheduler, resume=resume, retry_failed=retry_failed)
    store = sweep(exp, out, overwrite=overwrite, chunk_size=chunk_size, progress=not quiet, **opts)
    man = store.manifest()
    typer.echo(f"{exp.name}: {man['done']} runs done, {man['failed']} failed, status {man['status']} -> {out}")
    if man["failed"]:
        typer.echo("failed runs are in failures/; fix the cause and re-run them with --retry-failed", err=True)


def sensitivity_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="a sweep directory written by ftzsim sweep")],
    outcome: Annotated[str, typer.Option(help="scalar outcome column, or reducer:outcome over the series")],
    method: Annotated[str | None, typer.Option(help="sobol, morris, fast or delta (default: the design's)")] = None,
    seed: Annotated[int, typer.Option(min=0, help="seed of the bootstrap")] = 1,
) -> None:
    """Sensitivity indices of one outcome: CSV, Parquet and a figure in SWEEP/sensitivity/."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import convergence_plot, morris_scatter, sobol_bars, style
    from ftzsim.engine.designs import Design
    from ftzsim.engine.sensitivity import analyze, noise_share, outcome_values, sobol_convergence
    from ftzsim.engine.store import RunStore, load_results, load_timeseries
    from ftzsim.io import UserError, write_json, write_parquet

    if method is not None and method not in ("sobol", "morris", "fast", "delta"):
        raise UserError(f"--method {method!r}: allowed: sobol, morris, fast, delta")
    store = RunStore(sweep_dir)
    man = store.manifest()
    frame = store.design()
    problem = man.get("problem") or _problem(man, frame)  # sweeps record their SALib problem
    design = Design(man["design_method"], frame, problem, man.get("design_settings", {}))
    results = load_results(sweep_dir, with_design=False)
    try:
        series = load_timeseries(sweep_dir) if ":" in outcome and outcome not in results.columns else None
        values = outcome_values(results, outcome, series)
        idx = analyze(design, values, method, seed=seed)
    except ValueError as exc:
        raise UserError(f"{sweep_dir}: {exc}") from None
    out = Path(sweep_dir) / "sensitivity"
    out.mkdir(exist_ok=True)
    stem = f"{outcome.replace(':', '-')}_{idx['method'].iloc[0]}"
    idx.to_csv(out / f"{stem}.csv", index=False)
    write_parquet(idx, out / f"{stem}.parquet")
    noise = noise_share(values)
    write_json({"outcome": outcome, "method": idx["method"].iloc[0], "noise_share": noise,
                "runs": len(values), "rows": len(frame)}, out / f"{stem}.json")  # fmt: skip
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
        title = f"{outcome} ({noise:.0%} of variance is seed noise)"
        if idx["method"].iloc[0] == "morris":
            morris_scatter(idx, ax=ax, title=title)
        else:
            sobol_bars(idx.replace({"index": {"delta": "ST"}}) if idx["method"].iloc[0] == "delta" else idx, ax=ax,
                       title=title)  # fmt: skip
        fig.savefig(out / f"{stem}.png")
        plt.close(fig)
        if design.method == "sobol" and idx["method"].iloc[0] == "sobol":
            conv = sobol_convergence(design, values, seed=seed)
            conv.to_csv(out / f"{stem}_convergence.csv", index=False)
            fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
            convergence_plot(conv, ax=ax, title=f"{outcome}: convergence of ST")
            fig.savefig(out / f"{stem}_convergence.png")
            plt.close(fig)
    shown = idx[idx["index"].isin(["S1", "ST", "mu_star", "delta"])]
    for r in shown.itertuples():
        typer.echo(f"{r.parameter:28s} {r.index:8s} {r.value:8.3f} ± {r.conf:.3f}")
    typer.echo(f"seed noise: {noise:.1%} of output variance; written to {out}")


def _problem(man: dict, frame) -> dict:
    """Fallback for sweeps written without a recorded problem: bounds from the design rows."""
    from ftzsim import levers as L

    names = man.get("parameters", [])
    if all(n in L.REGISTRY for n in names):
        bounds = {n: (float(frame[n].min()), float(frame[n].max())) for n in names}
        problem = L.salib_problem(names, {n: b for n, b in bounds.items() if b[0] < b[1]})
        return problem
    return {"num_vars": len(names), "names": names, "bounds": [[float(frame[n].min()), float(frame[n].max())]
                                                                  for n in names]}  # fmt: skip
