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
    posterior: Annotated[
        bool, typer.Option(help="each replicate draws its own calibrated parameter set from the posterior")
    ] = False,
) -> None:
    """Run a scenario and write national.parquet, zones.parquet, annual.parquet and manifest.json.

    With --replicates N the frames hold N runs (columns replicate and seed); the seeds are
    spawned from --seed with numpy's SeedSequence. With one replicate the seed is --seed itself.
    With --posterior each replicate also draws a member of the scenario's shipped posterior
    (by weight, from --seed; column draw): bands then show parameter and seed uncertainty,
    and the manifest records every draw.
    """
    from ftzsim.io import check_out_dir, output_lock

    overrides = _parse_sets(set_ or [])
    if steps is not None:
        if "quarters" in overrides:
            raise ScenarioError("--set", [("quarters", "given twice: also as --steps; give one of them")])
        overrides["quarters"] = steps
    check_out_dir(out, overwrite)  # refuse before spending time on the run
    with output_lock(out, "run"):  # held from the first run to the rename of the output
        _run(scenario, out, seed, replicates, overrides, overwrite, figures, quiet, posterior)


def _run(scenario, out, seed, replicates, overrides, overwrite, figures, quiet, posterior=False) -> None:
    from ftzsim.io import atomic_output_dir, write_json, write_parquet
    from ftzsim.runs import run_manifest, run_replicates
    from ftzsim.seeds import replicate_seeds

    seeds = [seed] if replicates == 1 else replicate_seeds(seed, replicates)
    draws = None
    if posterior:
        from ftzsim.calibration.posterior import posterior_for

        try:
            draws = posterior_for(scenario).sample(replicates, seed).tolist()
        except (ValueError, FileNotFoundError) as exc:
            raise UserError(f"--posterior: {exc}") from None
    rep = run_replicates(scenario, seeds, overrides, progress=not quiet, posterior_draws=draws)
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
            what = "parameter draws and seeds" if posterior else "seeds (parameters fixed)"
            typer.echo(f"median of {replicates} replicates over {what}")
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
    out: Annotated[Path, typer.Option("--out", help="output directory: the waves' run stores, posterior, report")],
    master_seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="seeds every design and run")] = 2021,
    n_firms: Annotated[int, typer.Option(min=500, max=200_000, help="firm agents per run")] = 5000,
    morris: Annotated[int, typer.Option(min=2, max=100, help="Morris trajectories of the screen")] = 10,
    wave1: Annotated[int, typer.Option(min=20, max=20_000, help="Latin-hypercube runs of wave 1")] = 800,
    wave2: Annotated[
        int, typer.Option(min=20, max=20_000, help="NROY runs of wave 2 (the posterior's members)")
    ] = 1200,
    workers: Annotated[int | None, typer.Option(min=1, max=256, help="worker processes (default: all cores)")] = None,
    resume: Annotated[bool, typer.Option(help="continue a calibration in --out that was stopped or killed")] = False,
    validate: Annotated[
        bool, typer.Option(help="also validate out of sample (leave-last-year-out, province skill)")
    ] = True,
    ship: Annotated[
        bool, typer.Option(help="install the posterior in the package and the scenario's [calibration]")
    ] = False,
    doc: Annotated[
        Path | None, typer.Option(help="rewrite the generated block of this document (docs/calibration.md)")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an earlier calibration in --out (nothing else)")] = False,
    progress: Annotated[bool, typer.Option(help="progress bars")] = True,
    decomposition_draws: Annotated[
        int, typer.Option(min=0, max=1000, help="posterior draws of the 2030 growth decomposition (0: skip)")
    ] = 24,
) -> None:
    """Bayesian calibration: Morris screen, history matching with a GP emulator, and a weighted
    posterior ensemble of real runs (docs/calibration.md). Resumable: --resume after a kill."""
    from ftzsim.io import check_out_dir, output_lock
    from ftzsim.scenario import bundled_scenarios, load_scenario

    if resume:
        if not (out / "calibration.json").exists():
            raise UserError(
                f"{out}: no calibration to resume here (calibration.json missing); start one without --resume"
            )
    elif (out / "calibration.json").exists() and not overwrite:
        raise UserError(f"{out}: holds a calibration (stopped or finished); --resume to continue it, "
                        "--overwrite to start anew")  # fmt: skip
    else:
        check_out_dir(out, overwrite, "ftzsim.calibration")
    path = bundled_scenarios().get(scenario, Path(scenario))
    load_scenario(path)  # validate before the long run
    with output_lock(out, "calibration"):
        _calibrate(
            scenario,
            path,
            out,
            master_seed,
            n_firms,
            morris,
            wave1,
            wave2,
            workers,
            resume,
            validate,
            ship,
            doc,
            overwrite,
            progress,
            decomposition_draws,
        )


def _calibrate(scenario, path, out, master_seed, n_firms, morris, wave1, wave2, workers, resume, validate, ship, doc,
               overwrite, progress, decomposition_draws=24) -> None:  # fmt: skip
    import shutil

    from ftzsim.calibration import Settings, calibrate
    from ftzsim.calibration.report import finish, ship_posterior, update_doc
    from ftzsim.io import write_json

    settings = Settings(scenario=str(scenario), n_firms=n_firms, morris_trajectories=morris, wave1=wave1,
                        wave2=wave2, master_seed=master_seed, workers=workers)  # fmt: skip
    if not resume and out.exists() and overwrite:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    record = out / "calibration.json"
    if record.exists():
        import json

        was = json.loads(record.read_text(encoding="utf-8")).get("settings")
        if was != settings.to_dict():
            raise UserError(f"{out}: --resume with other settings than the stopped calibration ({was}); "
                            "give the same options, or start anew in another folder")  # fmt: skip
    else:  # marks the folder as a calibration in progress (settings fixed for --resume)
        write_json({"kind": "ftzsim.calibration", "complete": False, "settings": settings.to_dict()}, record)
    command = (f"ftzsim calibrate {scenario} --out {out.name} --master-seed {master_seed} --n-firms {n_firms} "
               f"--morris {morris} --wave1 {wave1} --wave2 {wave2}")  # fmt: skip
    cal = calibrate(out, settings, progress=progress, log=lambda m: typer.echo(m, err=True))
    summary = finish(cal, out, command, validate=validate, decomposition_draws=decomposition_draws)
    if ship:
        ship_posterior(cal, path, summary)
        typer.echo(f"posterior installed: ftzsim/data/posterior_{cal.settings.scenario}.csv, {path.name} [calibration]")
    if doc is not None:
        update_doc(doc, summary)
    typer.echo(summary["text"])
