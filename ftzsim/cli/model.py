"""``ftzsim scenarios``, ``levers``, ``validate``, ``run`` and ``calibrate``: the model's commands.

``run`` writes what :func:`ftzsim.runs.run_replicates` returns and :func:`ftzsim.runs.run_manifest`
describes, so a notebook calling those gets exactly the files the command writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ftzsim import levers as L
from ftzsim.cli import _echo_table, app
from ftzsim.io import UserError
from ftzsim.scenario import ScenarioError


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the bundled scenarios with one-line descriptions."""
    from ftzsim.scenario import bundled_scenarios, load_scenario

    rows = []
    for name in bundled_scenarios():
        sc = load_scenario(name)
        rows.append([name, str(len(sc.zones)), str(sc.quarters), f"{sc.n_firms:,}", sc.description])
    _echo_table(rows, ["name", "zones", "quarters", "firms", "description"])


@app.command("levers")
def levers_cmd(
    kind: Annotated[str | None, typer.Option(help="zone_lever, national_lever or uncertainty")] = None,
    markdown: Annotated[bool, typer.Option(help="print the registry as Markdown (docs/levers.md)")] = False,
) -> None:
    """List every registered lever and uncertainty with unit, bounds, default and source."""
    if markdown:
        typer.echo(L.markdown_table(), nl=False)
        return
    if kind is not None and kind not in ("zone_lever", "national_lever", "uncertainty"):
        raise UserError(f"--kind {kind!r}: allowed: zone_lever, national_lever, uncertainty")
    rows = [
        [p.name, p.kind, f"[{p.lower:g}, {p.upper:g}]", f"{p.default:g}", p.unit, p.meaning]
        for p in L.REGISTRY.values()
        if kind is None or p.kind == kind
    ]
    _echo_table(rows, ["name", "kind", "bounds", "default", "unit", "meaning"])


@app.command("validate")
def validate_cmd(
    files: Annotated[list[str], typer.Argument(help="scenario TOML files or bundled names")],
) -> None:
    """Validate scenario files; print every problem with its field path and allowed values."""
    from ftzsim.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as exc:
            typer.echo(str(exc), err=True)
            bad += 1
        else:
            typer.echo(f"{f}: ok ({sc.name}: {len(sc.zones)} zones, {sc.quarters} quarters, {sc.n_firms:,} firms)")
    if bad:
        raise typer.Exit(2)


def _parse_sets(sets: list[str]) -> dict[str, float]:
    """``--set`` values as overrides; only scenario parameters (never the model's own
    keyword arguments such as ``rng``, ``reform`` or ``debug``)."""
    from ftzsim.scenario import check_override_keys, parse_set_option

    out = {}
    for s in sets:
        k, v = parse_set_option(s)
        if k in out:
            raise ScenarioError("--set", [(k, "given twice")])
        out[k] = v
    check_override_keys(out, "--set")
    return out


def _check_finite(frames: dict, what: str) -> None:
    """Refuse to publish outputs holding NaN or infinity (a bug or an unguarded input, never
    a result): nothing is written, and the message names the frame and columns."""
    import numpy as np

    for name, df in frames.items():
        num = df.select_dtypes("number")
        bad = [c for c in num.columns if not np.isfinite(num[c].to_numpy(dtype=float)).all()]
        if bad:
            raise RuntimeError(f"{what}: {name} holds NaN or infinity in {', '.join(bad[:8])}; nothing was written")


@app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or path to a .toml file")],
    out: Annotated[Path, typer.Option("--out", help="output directory (created)")],
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="seed (with --replicates: the master seed)")] = 0,
    replicates: Annotated[
        int, typer.Option(min=1, max=1000, help="runs with seeds spawned from --seed (common random numbers)")
    ] = 1,
    steps: Annotated[int | None, typer.Option(min=1, max=400, help="quarters to run (default: the scenario's)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="lever=value, uncertainty=value or zone.NAME.lever=value; repeatable"),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an earlier run in --out (nothing else)")] = False,
    figures: Annotated[
        bool, typer.Option(help="also draw the run's figures (PNG at 300 dpi and PDF, each with its data CSV and JSON)")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar or summary")] = False,
) -> None:
    """Run a scenario and write national.parquet, zones.parquet, annual.parquet and manifest.json.

    With --replicates N the frames hold N runs (columns replicate and seed); the seeds are
    spawned from --seed with numpy's SeedSequence. With one replicate the seed is --seed itself.
    """
    from ftzsim.io import check_out_dir, output_lock

    overrides = _parse_sets(set_ or [])
    if steps is not None:
        if "quarters" in overrides:
            raise ScenarioError("--set", [("quarters", "given twice: also as --steps; give one of them")])
        overrides["quarters"] = steps
    check_out_dir(out, overwrite)  # refuse before spending time on the run
    with output_lock(out, "run"):  # held from the first run to the rename of the output
        _run(scenario, out, seed, replicates, overrides, overwrite, figures, quiet)


def _run(scenario, out, seed, replicates, overrides, overwrite, figures, quiet) -> None:
    from ftzsim.io import atomic_output_dir, write_json, write_parquet
    from ftzsim.runs import run_manifest, run_replicates
    from ftzsim.seeds import replicate_seeds

    seeds = [seed] if replicates == 1 else replicate_seeds(seed, replicates)
    rep = run_replicates(scenario, seeds, overrides, progress=not quiet)
    model, cfg, wall = rep.model, rep.model.config, rep.wall_seconds
    national, zones, ann = (rep.frames[k] for k in ("national", "zones", "annual"))
    _check_finite({"national": national, "zones": zones, "annual": ann}, f"run of {cfg.name}")
    manifest = run_manifest(rep, seed=seed, overrides=overrides)
    with atomic_output_dir(out, overwrite) as tmp:
        write_parquet(national, tmp / "national.parquet")
        write_parquet(zones, tmp / "zones.parquet")
        write_parquet(ann, tmp / "annual.parquet")
        if figures:
            from ftzsim.analysis.figures import run_figures

            manifest["figures"] = run_figures(model, tmp / "figures", national=national)
        write_json(manifest, tmp / "manifest.json")
    if not quiet:
        report = list(cfg.outcomes) or ["ds_exports", "ds_imports", "ecommerce_exports", "adoption_rate"]
        med = ann.groupby("year")[report].median().reset_index()
        rows = [[str(int(r.year))] + [f"{getattr(r, n):,.3f}" for n in report] for r in med.itertuples()]
        if replicates > 1:
            typer.echo(f"median of {replicates} replicates")
        _echo_table(rows, ["year", *report])
        from ftzsim.analysis.labels import annual_unit, label

        # the columns in words, with their units, from the outcome list
        for n in report:
            typer.echo(f"  {n}: {label(n)} ({annual_unit(n)})")
        typer.echo(
            f"\n{cfg.name}: {model.quarters} quarters x {replicates} run(s), "
            f"{int(model.n_agents.sum()):,} firm agents, "
            f"{wall:.2f} s -> {out}"
        )


@app.command("calibrate")
def calibrate_cmd(
    scenario: Annotated[str, typer.Argument(help="scenario file (or bundled name) to calibrate")],
    out: Annotated[Path, typer.Option("--out", help="output directory for fit.parquet, fit.csv, fit.png")],
    replicates: Annotated[int, typer.Option(min=1, max=100, help="replicate seeds (common random numbers)")] = 10,
    master_seed: Annotated[int, typer.Option(min=0, help="master seed of the replicate seeds")] = 2021,
    n_firms: Annotated[
        int | None, typer.Option(min=100, max=2_000_000, help="firm agents (default: scenario's)")
    ] = None,
    write: Annotated[bool, typer.Option(help="write the fit into the scenario file's [calibration] table")] = True,
    overwrite: Annotated[bool, typer.Option(help="replace an earlier fit in --out (nothing else)")] = False,
) -> None:
    """Fit the scenario's growth and level parameters to the 2021-2022 data (docs/calibration.md)."""
    from ftzsim.io import check_out_dir, output_lock
    from ftzsim.scenario import bundled_scenarios, load_scenario

    check_out_dir(out, overwrite, "ftzsim.calibration")
    path = bundled_scenarios().get(scenario, Path(scenario))
    load_scenario(path)  # validate before the long fit
    with output_lock(out, "calibration"):
        _calibrate(scenario, path, out, replicates, master_seed, n_firms, write, overwrite)


def _calibrate(scenario, path, out, replicates, master_seed, n_firms, write, overwrite) -> None:
    from ftzsim.calibration import calibrate, fit_figure, write_calibration_block
    from ftzsim.io import atomic_output_dir, write_json, write_parquet

    typer.echo(f"calibrating {path.name}: {replicates} replicates ...", err=True)
    res = calibrate(path, master_seed=master_seed, replicates=replicates, n_firms=n_firms)
    command = f"ftzsim calibrate {scenario} --out {out.name} --replicates {replicates} --master-seed {master_seed}"
    if n_firms is not None:
        command += f" --n-firms {n_firms}"
    with atomic_output_dir(out, overwrite, "ftzsim.calibration") as tmp:
        write_parquet(res.table, tmp / "fit.parquet")
        res.table.to_csv(tmp / "fit.csv", index=False)
        fit_figure(res.table, tmp / "fit.png")
        write_json({"kind": "ftzsim.calibration", "fitted": res.fitted, "seeds": res.seeds,
                    "master_seed": master_seed, "replicates": replicates, "n_firms": res.n_firms,
                    "cost": res.cost, "evaluations": res.evaluations, "command": command},
                   tmp / "fit.json")  # fmt: skip
    if write:
        write_calibration_block(path, res, command)
    t = res.table
    rows = [
        [r.name, f"{r.target:,.2f}", f"{r.achieved:,.2f}", f"{r.error:+.3f}", "yes" if r.met else "NO"]
        for r in t.itertuples()
    ]
    _echo_table(rows, ["target", "data", "model", "error", "met"])
    typer.echo("\nfitted: " + ", ".join(f"{k}={v:.4f}" for k, v in res.fitted.items()))
    typer.echo(
        f"{int(t['met'].sum())}/{len(t)} targets within tolerance" + (f"; written to {path.name}" if write else "")
    )
