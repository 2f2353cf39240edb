"""``ftzsim sweep``, ``sensitivity``, ``compare``, ``robustness`` and ``discover``.

Each command is a plain function over typed options that calls one library function and
writes what it returns, so a notebook gets exactly what the command writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_cmd)
    app.command("sensitivity")(sensitivity_cmd)
    app.command("compare")(compare_cmd)
    app.command("robustness")(robustness_cmd)
    app.command("discover")(discover_cmd)


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
    import os

    if backend == "local" and scheduler is None and (workers or os.cpu_count() or 1) > 1:
        from ftzsim.engine.workers import start_server

        start_server()  # the workers' imports overlap this process's own
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
    from ftzsim.engine.sensitivity import report

    rep = report(sweep_dir, outcome, method, seed)
    idx = rep["indices"]
    shown = idx[idx["index"].isin(["S1", "ST", "mu_star", "delta"])]
    for r in shown.itertuples():
        typer.echo(f"{r.parameter:28s} {r.index:8s} {r.value:8.3f} ± {r.conf:.3f}")
    typer.echo(f"± is the half-width of a 95% interval ({idx['interval'].iloc[0]})")
    typer.echo(f"seed noise: {rep['noise_share']:.1%} of output variance; written to {rep['out']}")


def compare_cmd(
    runs: Annotated[list[Path], typer.Argument(help="`ftzsim run` output directories; the first is the reference A")],
    out: Annotated[Path, typer.Option("--out", help="figure file (.png, .pdf or .svg); FIG.csv and FIG.json beside")],
    outcome: Annotated[str, typer.Option(help="national outcome of the series and difference panels")] = "ds_exports",
    year: Annotated[int | None, typer.Option(help="year of the forest plot (default: the last common year)")] = None,
    forest: Annotated[list[str] | None, typer.Option(help="outcome of the forest plot; repeatable")] = None,
    level: Annotated[float, typer.Option(min=0.5, max=0.999, help="confidence level of the t-intervals")] = 0.95,
) -> None:
    """Compare runs made on the same seeds: series with bands, paired difference B-A, forest plot."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.decision import compare_difference, compare_series, forest_plot, save_figure
    from ftzsim.analysis.figures import style
    from ftzsim.engine.compare import FOREST_OUTCOMES, compare_runs, comparison_table, load_run
    from ftzsim.io import UserError
    from ftzsim.outcomes import NATIONAL_OUTCOMES

    if len(runs) < 2:
        raise UserError("RUNS: give at least two `ftzsim run` directories (the reference first)")
    if out.suffix not in (".png", ".pdf", ".svg"):
        raise UserError(f"--out {out}: the suffix must be .png, .pdf or .svg")
    if not out.resolve().parent.is_dir():
        raise UserError(f"--out {out}: directory {out.parent} does not exist")
    for name in [outcome, *(forest or [])]:
        if name not in NATIONAL_OUTCOMES:
            raise UserError(f"outcome {name!r}: allowed: {', '.join(NATIONAL_OUTCOMES)}")
    labels = [p.name or str(p) for p in runs]
    if len(set(labels)) < len(labels):  # same folder name under different parents
        labels = [str(p) for p in runs]
    loaded = [load_run(p, label) for p, label in zip(runs, labels, strict=True)]
    panels = compare_runs(loaded, outcome, year, tuple(forest or FOREST_OUTCOMES), level=level)
    table = comparison_table(panels)
    with plt.rc_context(style()):
        fig, axes = plt.subplots(1, 3, figsize=(14, 4.0), layout="constrained")
        compare_series(panels["series"], ax=axes[0], band=panels["band"])
        compare_difference(panels["difference"], ax=axes[1], band=panels["band"])
        forest_plot(panels["forest"], ax=axes[2])
        meta = {"kind": "ftzsim.compare", "runs": labels, "reference": labels[0], "outcome": outcome,
                "year": panels["year"], "level": level, "seeds": loaded[0].seeds, "band": panels["band"],
                "posterior_draws": loaded[0].draws,
                "scenarios": {r.label: {"scenario": r.manifest.get("scenario"),
                                        "scenario_sha256": r.manifest.get("scenario_sha256"),
                                        "overrides": r.manifest.get("overrides")} for r in loaded}}  # fmt: skip
        try:
            save_figure(fig, out, table, meta)
        finally:
            plt.close(fig)
    f = panels["forest"]
    for r in f.itertuples():
        typer.echo(f"{r.run:20s} {r.outcome:20s} {r.year}  diff {r.diff:12.4g}  [{r.low:.4g}, {r.high:.4g}]  n={r.n}")
    typer.echo(f"written: {out}, {out.name}.csv, {out.name}.json")


def robustness_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="a policies x scenarios sweep directory")],
    outcome: Annotated[str, typer.Option(help="scalar outcome column to rank policies by")],
    maximize: Annotated[bool, typer.Option("--maximize/--minimize", help="is more of the outcome better?")] = True,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="satisficing condition OUTCOME<VALUE (<, <=, >, >=; VALUE or policy:NAME); repeatable"),
    ] = None,
    quantile: Annotated[float, typer.Option(min=0.5, max=1.0, help="quantile of regret reported beside the max")] = 0.9,
) -> None:
    """Regret and satisficing of each policy across scenarios: DIR/robustness/OUTCOME.{csv,md,png}."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.decision import regret_plot, save_figure, write_text
    from ftzsim.analysis.figures import style
    from ftzsim.engine.robustness import markdown, parse_threshold, regret_matrix, robustness_table, scenario_means
    from ftzsim.engine.store import load_results
    from ftzsim.io import UserError, write_parquet

    try:
        ths = [parse_threshold(t) for t in threshold or []]
        results = load_results(sweep_dir)
        table = robustness_table(results, outcome, maximize, ths, quantile)
    except ValueError as exc:
        raise UserError(f"{sweep_dir}: {exc}") from None
    out = Path(sweep_dir) / "robustness"
    out.mkdir(exist_ok=True)
    stem = out / outcome
    reg = regret_matrix(scenario_means(results, [outcome]), outcome, maximize)
    write_parquet(reg.rename(columns=str).reset_index(), out / f"{outcome}_regret_matrix.parquet")
    write_text(markdown(table, ths), out / f"{outcome}.md")
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.35 * len(table) + 1.2), layout="constrained")
        regret_plot(table, ax=ax, title=f"{outcome}: regret across {int(table['n_scenarios'].iloc[0])} scenarios")
        try:
            save_figure(fig, stem.with_suffix(".png"), table, {"kind": "ftzsim.robustness", "outcome": outcome,
                        "maximize": maximize, "thresholds": [str(t) for t in ths], "quantile": quantile})  # fmt: skip
        finally:
            plt.close(fig)
    write_text(table.to_csv(index=False), stem.with_suffix(".csv"))
    q_col = next(c for c in table.columns if c.endswith("_regret") and c not in ("max_regret", "mean_regret"))
    shown = ["policy", "mean", "max_regret", q_col, "satisficing"]
    typer.echo(table[shown].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    typer.echo(f"written to {out}")


def discover_cmd(
    sweep_dir: Annotated[Path, typer.Argument(help="a sweep directory written by ftzsim sweep")],
    outcome: Annotated[str, typer.Option(help="scalar outcome column, or reducer:outcome over the series")],
    above: Annotated[float | None, typer.Option(help="cases of interest: outcome above this value")] = None,
    below: Annotated[float | None, typer.Option(help="cases of interest: outcome below this value")] = None,
    method: Annotated[str, typer.Option(help="prim or cart")] = "prim",
    parameters: Annotated[
        list[str] | None, typer.Option("--parameter", help="input to search over; repeatable")
    ] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="PRIM: minimum density of the chosen box")] = 0.8,
    alpha: Annotated[float, typer.Option(min=0.01, max=0.49, help="PRIM: share peeled per step")] = 0.05,
    mass_min: Annotated[float, typer.Option(min=0.001, max=0.5, help="smallest box (share of runs)")] = 0.05,
    boxes: Annotated[int, typer.Option(min=1, max=10, help="PRIM: boxes to find, each on what the last left")] = 1,
    step: Annotated[int | None, typer.Option(min=0, help="PRIM: take this trajectory step as the box")] = None,
    max_qp: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="PRIM: drop restrictions with a quasi-p-value above this")
    ] = None,
    max_depth: Annotated[int, typer.Option(min=1, max=12, help="CART: depth of the tree")] = 4,
    seed: Annotated[int, typer.Option(min=0, help="seed of CART and the extra-trees scores")] = 0,
) -> None:
    """Scenario discovery: boxes of inputs where OUTCOME is above/below X (PRIM or CART), in
    DIR/discovery/OUTCOME/: boxes.csv, tradeoff.csv/.png (PRIM), box.png, feature_scores.csv."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.decision import box_plot, save_figure, tradeoff_plot, write_text
    from ftzsim.analysis.figures import style
    from ftzsim.engine.discovery import discover, discovery_inputs
    from ftzsim.io import UserError, write_json

    if (above is None) == (below is None):
        raise UserError("give exactly one of --above X or --below X")
    if method not in ("prim", "cart"):
        raise UserError(f"--method {method!r}: allowed: prim, cart")
    try:
        X, values, bounds = discovery_inputs(sweep_dir, outcome, parameters)
        res = discover(X, values, above=above, below=below, method=method, threshold=threshold, alpha=alpha,
                       mass_min=mass_min, n_boxes=boxes, step=step, max_depth=max_depth, seed=seed,
                       max_qp=max_qp)  # fmt: skip
    except ValueError as exc:
        raise UserError(f"{sweep_dir}: {exc}") from None
    out = Path(sweep_dir) / "discovery" / outcome.replace(":", "-")
    out.mkdir(parents=True, exist_ok=True)
    cond = f"{outcome} > {above:g}" if above is not None else f"{outcome} < {below:g}"
    meta = {"kind": "ftzsim.discover", "outcome": outcome, "cases": cond, "method": method, "n_cases": res["n_cases"],
            "n_runs": res["n_runs"], "threshold": threshold, "alpha": alpha, "mass_min": mass_min,
            "chosen_step": res["chosen"], "max_qp": max_qp, "parameters": list(X.columns)}  # fmt: skip
    write_text(res["boxes"].to_csv(index=False), out / "boxes.csv")
    write_text(res["scores"].to_csv(index=False), out / "feature_scores.csv")
    with plt.rc_context(style()):
        if res["tradeoff"] is not None:
            fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
            tradeoff_plot(res["tradeoff"], res["chosen"], ax=ax, title=f"PRIM trade-off: {cond}")
            try:
                save_figure(fig, out / "tradeoff.png", res["tradeoff"], meta)
            finally:
                plt.close(fig)
            write_text(res["tradeoff"].to_csv(index=False), out / "tradeoff.csv")
        n_rows = max(1, int((res["boxes"]["box"] == 0).sum()))
        fig, ax = plt.subplots(figsize=(5.6, 1.2 + 0.4 * n_rows), layout="constrained")
        box_plot(res["boxes"], bounds, box=0, ax=ax)
        try:
            save_figure(fig, out / "box.png", res["boxes"], meta)
        finally:
            plt.close(fig)
    write_json(meta, out / "discovery.json")
    typer.echo(f"{res['n_cases']} of {res['n_runs']} runs have {cond}")
    if res["boxes"].empty:
        typer.echo("no box found")
    for r in res["boxes"].itertuples():
        qp = f"  qp={r.qp:.2g}" if "qp" in res["boxes"].columns else ""
        typer.echo(f"box {r.box}: {r.lower:10.4g} <= {r.parameter:28s} <= {r.upper:<10.4g} "
                   f"coverage {r.coverage:.2f} density {r.density:.2f}{qp}")  # fmt: skip
    typer.echo(f"written to {out}")
