"""``ftzsim plot KIND INPUT --out FILE``: a publication figure plus exactly the data drawn.

Writes ``FILE`` (PDF, SVG or PNG, chosen by the suffix), ``FILE.csv`` with the numbers the
figure shows, provenance in the file's metadata (ftzsim version, git revision, input,
command) and a sidecar ``FILE.json`` with the same provenance. Files are written under a
temporary name and renamed when complete.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ftzsim.io import UserError, _publish, atomic_write, provenance, write_json

__all__ = ["KINDS", "make_figure", "register"]


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    raise UserError(f"{path}: expected a run/sweep directory, a .parquet or a .csv file")


def _need(df: pd.DataFrame, cols: list[str], source: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise UserError(f"{source}: missing columns {missing}; allowed input: {sorted(df.columns)[:12]}...")


def _national(src: Path, opts: dict):
    from ftzsim.analysis.figures import national_series
    from ftzsim.outcomes import NATIONAL_OUTCOMES, annual

    outcome = opts.get("outcome") or "ds_exports"
    if outcome not in NATIONAL_OUTCOMES:
        raise UserError(f"--outcome {outcome!r}: allowed: {', '.join(NATIONAL_OUTCOMES)}")
    if src.is_dir():
        f = src / "national.parquet" if (src / "national.parquet").exists() else None
        if f is None:
            from ftzsim.engine.store import load_timeseries

            df = load_timeseries(src)
        else:
            df = pd.read_parquet(f)
    else:
        df = _read_table(src)
    _need(df, ["year", "quarter", outcome], src)
    groups = df.groupby("scenario", sort=False) if "scenario" in df.columns else [(None, df)]

    def draw(ax):
        for label, g in groups:
            national_series(g, outcome, ax=ax, label=label)
        if "scenario" in df.columns:
            ax.legend(frameon=False)

    a = annual(df)
    keys = [k for k in ("scenario",) if k in a.columns]
    data = a.groupby([*keys, "year"])[outcome].describe(percentiles=[0.05, 0.5, 0.95])[["5%", "50%", "95%"]]
    return draw, data.reset_index()


def _zonemap(src: Path, opts: dict):
    import networkx as nx

    from ftzsim.analysis.figures import zone_map
    from ftzsim.model.network import build_zone_graph
    from ftzsim.reference import zones

    f = src / "zones.parquet" if src.is_dir() else src
    df = _read_table(f) if f.exists() else None
    if df is None:
        raise UserError(f"{src}: no zones.parquet (run `ftzsim run ... --out DIR` first)")
    outcome = opts.get("outcome") or "ds_exports"
    _need(df, ["zone", "step", outcome], src)
    last = df[df["step"] == df["step"].max()].groupby("zone")[outcome].mean()
    names = [z for z in zones() if z in last.index]
    alliances: dict[str, list[str]] = {}
    for z in zones().values():
        for a in z.alliances:
            alliances.setdefault(a, []).append(z.name)
    g: nx.Graph = build_zone_graph(names, 3, 2.0, alliances)
    return (lambda ax: zone_map(g, last.to_dict(), ax=ax, label=outcome)), last.rename(outcome).reset_index()


def _regions(src: Path, opts: dict):
    from ftzsim.analysis.figures import regional_share_table, regional_shares

    f = src / "zones.parquet" if src.is_dir() else src
    if not f.exists():
        raise UserError(f"{src}: no zones.parquet")
    df = _read_table(f)
    _need(df, ["year", "region", "ds_exports", "ds_imports"], src)
    return (lambda ax: regional_shares(df, ax=ax)), regional_share_table(df).reset_index()


def _compare(src: Path, opts: dict):
    from ftzsim.analysis.figures import difference_plot

    f = src / "comparison.csv" if src.is_dir() else src
    if not f.exists():
        raise UserError(
            f"{src}: no comparison.csv; compare takes the comparison table written by "
            "experiments/scenario_comparison.py (or a folder holding it), not a sweep directory"
        )
    df = _read_table(f)
    _need(df, ["scenario", "outcome", "diff", "low", "high", "reference_mean"], src)
    return (lambda ax: difference_plot(df, ax=ax, title="Difference from baseline (paired 95% intervals)")), df


def _surface(src: Path, opts: dict):
    from ftzsim.analysis.figures import response_surface
    from ftzsim.engine.store import load_results

    df = load_results(src) if src.is_dir() else _read_table(src)
    x, y, outcome = opts.get("x"), opts.get("y"), opts.get("outcome")
    if not (x and y and outcome):
        raise UserError("surface needs --x LEVER --y LEVER --outcome NAME")
    _need(df, [x, y, outcome], src)
    data = df.groupby([y, x])[outcome].mean().reset_index()
    return (lambda ax: response_surface(df, x, y, outcome, ax=ax)), data


def _indices(kind: str):
    def build(src: Path, opts: dict):
        from ftzsim.analysis import figures

        df = _read_table(src)
        _need(df, ["parameter", "index", "value"], src)
        fn = {"sobol": figures.sobol_bars, "morris": figures.morris_scatter, "convergence": figures.convergence_plot}[
            kind
        ]
        return (lambda ax: fn(df, ax=ax)), df

    return build


KINDS: dict[str, Callable] = {
    "national": _national,
    "compare": _compare,
    "zonemap": _zonemap,
    "regions": _regions,
    "surface": _surface,
    "sobol": _indices("sobol"),
    "morris": _indices("morris"),
    "convergence": _indices("convergence"),
}


def make_figure(kind: str, src: Path, out: Path, **opts) -> dict:
    """Draw ``kind`` from ``src`` into ``out`` (+ ``out``.csv and ``out``.json)."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import style

    if kind not in KINDS:
        raise UserError(f"KIND {kind!r}: allowed: {', '.join(KINDS)}")
    if out.suffix not in (".pdf", ".svg", ".png"):
        raise UserError(f"--out {out}: the suffix must be .pdf, .svg or .png")
    if not src.exists():
        raise UserError(f"INPUT {src}: no such file or directory")
    if not out.resolve().parent.is_dir():
        raise UserError(f"--out {out}: directory {out.parent} does not exist")
    try:
        draw, data = KINDS[kind](src, opts)
    except UserError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, KeyError) as exc:  # a truncated, empty or foreign file
        raise UserError(
            f"INPUT {src}: cannot be read as a {kind} input ({str(exc)[:200]}); "
            "allowed: a run or sweep directory written by ftzsim, or a .parquet/.csv table"
        ) from None
    prov = provenance()
    meta = {"ftzsim": prov["packages"]["ftzsim"], "git_revision": prov["git_revision"], "kind": kind,
            "input": src.name, "options": {k: v for k, v in opts.items() if v is not None},
            "command": " ".join(["ftzsim", *sys.argv[1:]])}  # fmt: skip
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        draw(ax)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.resolve().parent)
        os.close(fd)
        text = json.dumps(meta)
        file_meta = {"png": {"Software": "ftzsim", "Description": text},
                     "pdf": {"Creator": "ftzsim", "Subject": text},
                     "svg": {"Creator": "ftzsim", "Description": text}}[out.suffix[1:]]  # fmt: skip
        try:
            fig.savefig(tmp, metadata=file_meta)
            _publish(tmp)
            os.replace(tmp, out)
        finally:
            Path(tmp).unlink(missing_ok=True)
            plt.close(fig)
    csv = out.with_name(out.name + ".csv")
    with atomic_write(csv) as tmp:
        data.to_csv(tmp, index=False)
    write_json({**meta, "figure": out.name, "data": csv.name}, out.with_name(out.name + ".json"))
    return meta


def register(app: typer.Typer) -> None:
    @app.command("plot")
    def plot_cmd(
        kind: Annotated[str, typer.Argument(help=f"one of: {', '.join(KINDS)}")],
        input: Annotated[
            Path,
            typer.Argument(
                help="run or sweep directory, or a .parquet/.csv table (compare: comparison.csv or its folder)"
            ),
        ],
        out: Annotated[Path, typer.Option("--out", help="figure file: .pdf, .svg or .png")],
        outcome: Annotated[str | None, typer.Option(help="outcome to draw (national, zonemap, surface)")] = None,
        x: Annotated[str | None, typer.Option(help="surface: lever on the x axis")] = None,
        y: Annotated[str | None, typer.Option(help="surface: lever on the y axis")] = None,
    ) -> None:
        """Draw a publication figure; also write FILE.csv (the data drawn) and FILE.json (provenance)."""
        make_figure(kind, input, out, outcome=outcome, x=x, y=y)
        typer.echo(f"{kind}: {out} (+ {out.name}.csv, {out.name}.json)")
