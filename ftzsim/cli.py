"""The ``ftzsim`` command line.

Exit codes: 0 success, 2 bad input (a message naming the file, field and what is allowed;
never a traceback), 1 failure of the program itself, 130 interrupted.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer

try:  # typer >= 0.20 vendors click; older releases use click itself
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException as _ClickException

from ftzsim import levers as L
from ftzsim.io import UserError
from ftzsim.scenario import ScenarioError

app = typer.Typer(
    name="ftzsim",
    help="Agent-based simulation of China's pilot free trade zones and their digital reform.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _echo_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    typer.echo(line)
    typer.echo("  ".join("-" * w for w in widths))
    for r in rows:
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


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
    from ftzsim.scenario import parse_set_option

    out = {}
    for s in sets:
        k, v = parse_set_option(s)
        if k in out:
            raise ScenarioError("--set", [(k, "given twice")])
        out[k] = v
    return out


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
    import pandas as pd
    from tqdm import tqdm

    from ftzsim.io import atomic_output_dir, check_out_dir, provenance, write_json, write_parquet
    from ftzsim.model import FTZModel
    from ftzsim.seeds import replicate_seeds

    overrides = _parse_sets(set_ or [])
    if steps is not None:
        overrides["quarters"] = steps
    check_out_dir(out, overwrite)  # refuse before spending time on the run
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    seeds = [seed] if replicates == 1 else replicate_seeds(seed, replicates)
    frames: dict[str, list] = {"national": [], "zones": [], "annual": []}
    summaries = []
    model = None
    for r, s in enumerate(seeds):
        model = FTZModel(scenario, rng=s, build_firm_agents=False, **overrides)
        desc = model.config.name + (f" {r + 1}/{replicates}" if replicates > 1 else "")
        with tqdm(total=model.quarters, desc=desc, unit="q", delay=1.0, disable=quiet, file=sys.stderr) as bar:
            model.run(progress=bar.update)
        for key, df in (("national", model.national_frame()), ("zones", model.zone_frame()),
                        ("annual", model.annual_frame())):  # fmt: skip
            df.insert(0, "seed", s)
            df.insert(0, "replicate", r)
            frames[key].append(df)
        summaries.append({"replicate": r, "seed": s, **model.summary()})
    wall = time.perf_counter() - t0
    cfg = model.config
    cfg_dict = cfg.to_dict()
    national, zones, ann = (pd.concat(frames[k], ignore_index=True) for k in ("national", "zones", "annual"))
    manifest = {
        "kind": "ftzsim.run",
        "scenario": cfg.name,
        "scenario_source": Path(cfg.source).name,
        "scenario_sha256": cfg.content_hash(),
        "seed": seed,
        "replicates": replicates,
        "seeds": seeds,
        "quarters": model.quarters,
        "n_firms": int(model.n_agents.sum()),
        "overrides": overrides,
        "levers": dict(cfg.levers),
        "zone_levers": {z: dict(v) for z, v in cfg.zone_levers.items()},
        **{k: cfg_dict[k] for k in ("schedule", "network", "constants")},
        # the run's own zone network, so figures draw these ties and not a re-derived guess
        "zones": list(model.zone_names),
        "network_edges": [[a, b, d["weight"], list(d["kinds"])] for a, b, d in model.graph.edges(data=True)],
        "uncertainties": dict(cfg.uncertainties),
        "calibrated": cfg.calibration is not None,
        "summary": summaries if replicates > 1 else summaries[0],
        "reach_times": model.reach_times(),
        "started": started,
        "wall_seconds": round(wall, 3),
        "command": ["ftzsim", *sys.argv[1:]] if Path(sys.argv[0]).name == "ftzsim" else None,
        **provenance(),
    }
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
    from ftzsim.calibration import calibrate, fit_figure, write_calibration_block
    from ftzsim.io import atomic_output_dir, check_out_dir, write_json, write_parquet
    from ftzsim.scenario import bundled_scenarios, load_scenario

    check_out_dir(out, overwrite, "ftzsim.calibration")
    path = bundled_scenarios().get(scenario, Path(scenario))
    load_scenario(path)  # validate before the long fit
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


@app.command("app")
def app_cmd(
    host: Annotated[str, typer.Option(help="address to listen on (default: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open a browser tab")] = False,
) -> None:
    """Start the interactive app (Mesa SolaraViz) on http://HOST:PORT/."""
    import os

    import ftzsim

    app_file = Path(ftzsim.__file__).with_name("app.py")
    from ftzsim.app_assets import offline_cdn_dir

    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    cdn = offline_cdn_dir()  # charts drawn from the installed assets, no internet needed
    if cdn is not None:
        env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(cdn))
    # production mode: no file watcher or auto-reload (a user runs the app, not develops it; the
    # watcher also fails where inotify instances run out, as on busy CI machines)
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host, "--port", str(port), "--production"]
    cmd += [] if open_browser else ["--no-open"]
    # become the server (exec) rather than wait for a child: a SIGTERM or Ctrl-C to `ftzsim app`
    # then reaches the server itself, and no orphan is left holding the port
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)


def _register_commands() -> None:
    """Commands defined next to the code they drive: the experiment engine's (sweep,
    sensitivity, effects) and the figures' (plot)."""
    from ftzsim.analysis.plot_cli import register as register_plot
    from ftzsim.engine.cli import register as register_engine
    from ftzsim.engine.effects_cli import register as register_effects

    register_engine(app)
    register_effects(app)
    register_plot(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn user mistakes into exit code 2 without a traceback."""
    try:
        rv = app(args=argv, standalone_mode=False)
    except (ScenarioError, UserError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except _ClickException as exc:  # usage errors: bad option, missing argument, no such command
        exc.show()
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except OSError as exc:  # disk full, read-only or permission denied: a system problem, said plainly
        typer.echo(f"error: {exc}", err=True)
        return 1
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return 130
    except Exception:
        traceback.print_exc()
        typer.echo("ftzsim failed: this is a bug or a system problem, not a mistake in your input", err=True)
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
