"""``ftzsim plot KIND INPUT --out FILE``: a publication figure plus exactly the data drawn.

Writes ``FILE`` (PDF, SVG or PNG, chosen by the suffix), ``FILE.csv`` with the numbers the
figure shows, provenance in the file's metadata (ftzsim version, git revision, input,
command) and a sidecar ``FILE.json`` with the same provenance. Files are written under a
temporary name and renamed when complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # read where a table is loaded: the command line starts without pandas
    import pandas as pd

from ftzsim.io import UserError
from ftzsim.levers import REGISTRY
from ftzsim.outcomes import NATIONAL_OUTCOMES

__all__ = ["KINDS", "make_figure", "register"]


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    raise UserError(f"{path}: expected a run/sweep directory, a .parquet or a .csv file")


def _need(df: pd.DataFrame, cols: list[str], source: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise UserError(f"{source}: missing columns {missing}; allowed input: {sorted(df.columns)[:12]}...")


#: Most series one national panel draws before it asks for --row: more bands than this overlap
#: into an unreadable figure (and the palette has eight colours).
MAX_SERIES = 6


def _national_frame(src: Path) -> pd.DataFrame:
    """Quarterly national series of a run directory, a sweep directory (with its design
    columns joined by ``row_id``) or a table."""
    if not src.is_dir():
        return _read_table(src)
    if (src / "national.parquet").exists():
        import pandas as pd

        return pd.read_parquet(src / "national.parquet")
    from ftzsim.engine.store import RunStore, load_timeseries

    if not (src / "manifest.json").exists():
        raise UserError(f"{src}: neither a run (national.parquet) nor a sweep directory (manifest.json)")
    df = load_timeseries(src)
    if df.empty:
        raise UserError(f"{src}: the sweep stored no time series; run it with [outcomes] timeseries = true")
    design = RunStore(src).design()
    extra = [c for c in design.columns if c != "row_id" and c not in df.columns]
    return df.merge(design[["row_id", *extra]], on="row_id", how="left", validate="many_to_one")


def _row_label(row_id: int, row: pd.Series, params: list[str]) -> str:
    if "scenario" in row.index and isinstance(row["scenario"], str):
        return row["scenario"]
    return f"row {row_id}: " + ", ".join(f"{p}={row[p]:.3g}" for p in params)


def _series_column(df: pd.DataFrame, src: Path, row: int | None) -> pd.DataFrame:
    """Label every run with the series it belongs to: one per design row, or per scenario.

    A sweep's runs differ in their parameters; pooling them would draw a band over different
    policies as if it were noise. So each design row (or scenario) is its own series, and a
    sweep with more than :data:`MAX_SERIES` rows needs ``--row N``.
    """
    if "row_id" in df.columns:
        rows = sorted(df["row_id"].unique())
        if row is not None:
            if row not in rows:
                raise UserError(f"--row {row}: this sweep's rows are {rows[0]}-{rows[-1]}")
            df = df[df["row_id"] == row]
        elif len(rows) > MAX_SERIES:
            raise UserError(
                f"{src}: the sweep has {len(rows)} design rows; one figure shows at most {MAX_SERIES} series "
                f"(each row is a different policy, so they cannot share one band): choose one with --row N "
                f"(N in {rows[0]}-{rows[-1]}), or plot the sweep's results with `ftzsim plot surface`"
            )
        skip = {"row_id", "replicate", "seed", "step", "year", "quarter", "scenario", "band"}
        params = [c for c in df.columns if c not in skip and c not in NATIONAL_OUTCOMES and c in REGISTRY]
        first = df.drop_duplicates("row_id").set_index("row_id")
        labels = {int(i): _row_label(int(i), r, params) for i, r in first.iterrows()}
        return df.assign(series=df["row_id"].map(labels))
    if row is not None:
        raise UserError(f"--row {row}: {src} is a single run, not a sweep (it has no design rows)")
    if "scenario" in df.columns and df["scenario"].nunique() > 1:
        return df.assign(series=df["scenario"].astype(str))
    return df.assign(series="")


def _national(src: Path, opts: dict):
    import pandas as pd

    from ftzsim.analysis.figures import band_caption, national_series, national_table

    outcome = opts.get("outcome") or "ds_exports"
    if outcome not in NATIONAL_OUTCOMES:
        raise UserError(f"--outcome {outcome!r}: allowed: {', '.join(NATIONAL_OUTCOMES)}")
    df = _national_frame(src)
    _need(df, ["year", "quarter", outcome], src)
    df = _series_column(df, src, opts.get("row"))
    lang = opts.get("lang") or "en"
    series = list(dict.fromkeys(df["series"]))
    keys = ["series", *(["row_id"] if "row_id" in df.columns else [])]
    parts = []
    for name in series:
        g = df[df["series"] == name]
        t = national_table(g, outcome).assign(outcome=outcome, **{k: g[k].iloc[0] for k in keys})
        parts.append(t)
    data = pd.concat(parts, ignore_index=True)[[*keys, "outcome", "year", "runs", "p05", "median", "p95"]]

    def draw(ax):
        for name in series:
            national_series(df[df["series"] == name], outcome, ax=ax, label=name or None, lang=lang)
        if len(series) > 1:
            ax.legend(frameon=False)
        return band_caption(df, lang)

    return draw, data


def _manifest(src: Path) -> dict:
    f = src / "manifest.json" if src.is_dir() else src.with_name("manifest.json")
    if not f.exists():
        raise UserError(f"{src}: no manifest.json beside the run's files (run `ftzsim run ... --out DIR` first)")
    return json.loads(f.read_text())


def run_graph(src: Path, zone_order: list[str]):
    """The run's own zone network, from its manifest: the recorded ties if present (runs since
    this version), else rebuilt from the recorded ``network`` settings with ``build_zone_graph``."""
    from ftzsim.model.network import build_zone_graph

    man = _manifest(src)
    zones_ = man.get("zones") or zone_order
    if "network_edges" in man:
        import networkx as nx

        g = build_zone_graph(zones_, 0, 0.0, {})  # nodes with their attributes, no ties
        g = nx.Graph(g)
        for a, b, w, kinds in man["network_edges"]:
            g.add_edge(a, b, weight=float(w), kinds=tuple(kinds))
        return g
    net = man.get("network")
    if not net or not {"k_nearest", "alliance_weight"} <= set(net):
        raise UserError(f"{src}: manifest.json records no network (k_nearest, alliance_weight, alliances)")
    return build_zone_graph(zones_, int(net["k_nearest"]), float(net["alliance_weight"]), net.get("alliances") or {})


def _zones_frame(src: Path) -> pd.DataFrame:
    f = src / "zones.parquet" if src.is_dir() else src
    if not f.exists():
        raise UserError(f"{src}: no zones.parquet (run `ftzsim run ... --out DIR` first)")
    return _read_table(f)


def _zonemap(src: Path, opts: dict):
    from ftzsim.analysis.figures import zone_map, zone_map_table
    from ftzsim.analysis.labels import label

    df = _zones_frame(src)
    outcome = opts.get("outcome") or "ds_exports"
    _need(df, ["zone", "step", outcome], src)
    last = df[df["step"] == df["step"].max()].groupby("zone", sort=False)[outcome].mean()
    g = run_graph(src, list(dict.fromkeys(df["zone"])))
    lang = opts.get("lang") or "en"
    values = last.to_dict()
    return (lambda ax: zone_map(g, values, ax=ax, label=label(outcome, lang), lang=lang)), zone_map_table(g, values)


def final_year_values(df: pd.DataFrame, outcome: str) -> tuple[pd.Series, int]:
    """Per zone, the final year's value (flows summed over its quarters, stocks its last
    quarter) averaged over replicates; and that year."""
    from ftzsim.outcomes import ZONE_OUTCOMES, annual

    a = annual(df, ZONE_OUTCOMES)
    year = int(a["year"].max())
    return a[a["year"] == year].groupby("zone", sort=False)[outcome].mean(), year


def _map(src: Path, opts: dict):
    import pandas as pd

    from ftzsim.analysis.basemap import BoundaryDataMissing
    from ftzsim.analysis.figures import china_map
    from ftzsim.analysis.labels import annual_unit, label, word
    from ftzsim.outcomes import ZONE_OUTCOMES

    outcome = opts.get("outcome") or "ds_exports"
    if outcome not in ZONE_OUTCOMES:
        raise UserError(f"--outcome {outcome!r}: allowed (zone outcomes): {', '.join(ZONE_OUTCOMES)}")
    lang = opts.get("lang") or "en"
    df = _zones_frame(src)
    _need(df, ["zone", "year", "quarter", outcome, "ds_exports", "ds_imports"], src)
    value, year = final_year_values(df, outcome)
    size = final_year_values(df, "ds_exports")[0] + final_year_values(df, "ds_imports")[0]
    data = pd.DataFrame({"zone": value.index, "year": year, outcome: value.to_numpy(), "services_trade": size})
    vs = opts.get("vs")
    sep = "，" if lang == "zh" else ", "
    if vs is not None:
        if not Path(vs).exists():
            raise UserError(f"--vs {vs}: no such run directory")
        other = _zones_frame(Path(vs))
        _need(other, ["zone", "year", "quarter", outcome], Path(vs))
        ref, ref_year = final_year_values(other, outcome)
        if set(ref.index) != set(value.index) or ref_year != year:
            raise UserError(
                f"--vs {vs}: the runs differ in zones or final year ({sorted(ref.index)} in {ref_year} vs "
                f"{sorted(value.index)} in {year}); compare runs of the same zones and length"
            )
        data["reference"] = ref.reindex(value.index).to_numpy()
        data["difference"] = data[outcome] - data["reference"]
        colour = data["difference"]
        what = word("difference", lang) if lang == "zh" else f"{Path(src).name} minus {Path(vs).name}"
        colour_label = f"{label(outcome, lang)} ({annual_unit(outcome, lang)}){sep}{what}{sep}{year}"
    else:
        colour = data[outcome]
        colour_label = f"{label(outcome, lang)} ({annual_unit(outcome, lang)}){sep}{year}"
    frame = pd.DataFrame({"colour": colour.to_numpy(), "size": data["services_trade"].to_numpy()}, index=data["zone"])
    size_label = f"{word('services trade, final year', lang)} ({annual_unit('ds_exports', lang)})"

    def draw(ax):
        try:
            china_map(frame, ax=ax, colour_label=colour_label, size_label=size_label, diverging=vs is not None,
                      lang=lang)  # fmt: skip
        except BoundaryDataMissing as exc:
            raise UserError(str(exc)) from exc
        ax.set_title(label(outcome, lang))

    return draw, data


def _regions(src: Path, opts: dict):
    from ftzsim.analysis.figures import regional_share_table, regional_shares

    f = src / "zones.parquet" if src.is_dir() else src
    if not f.exists():
        raise UserError(f"{src}: no zones.parquet")
    df = _read_table(f)
    _need(df, ["year", "region", "ds_exports", "ds_imports"], src)
    lang = opts.get("lang") or "en"
    return (lambda ax: regional_shares(df, ax=ax, lang=lang)), regional_share_table(df).reset_index()


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
    from ftzsim.analysis.labels import word

    title = word("Difference from baseline (paired 95% intervals)", opts.get("lang") or "en")
    return (lambda ax: difference_plot(df, ax=ax, title=title, lang=opts.get("lang") or "en")), df


def _one_outcome(df: pd.DataFrame, src: Path, opts: dict) -> tuple[pd.DataFrame, str | None]:
    """The rows of one outcome: the only one in the table, or the one --outcome names."""
    if "outcome" not in df.columns:
        return df, opts.get("outcome")
    names = list(dict.fromkeys(df["outcome"]))
    outcome = opts.get("outcome") or (names[0] if len(names) == 1 else None)
    if outcome is None:
        raise UserError(f"{src}: the table holds several outcomes; choose one with --outcome ({', '.join(names)})")
    if outcome not in names:
        raise UserError(f"--outcome {outcome!r}: the table holds {', '.join(names)}")
    return df[df["outcome"] == outcome].reset_index(drop=True), outcome


def _difference(src: Path, opts: dict):
    from ftzsim.analysis.figures import difference_over_time

    df = _read_table(src)
    _need(df, ["year", "diff", "low", "high"], src)
    df, outcome = _one_outcome(df, src, opts)
    base = outcome.split(":", 1)[-1] if outcome else None  # "diff:final_ds_exports" -> its outcome
    lang = opts.get("lang") or "en"
    return (lambda ax: difference_over_time(df, ax=ax, outcome=base, lang=lang)), df


def _tornado(src: Path, opts: dict):
    from ftzsim.analysis.figures import tornado

    df = _read_table(src)
    _need(df, ["lever", "outcome", "low", "mid", "high"], src)
    df, _ = _one_outcome(df, src, opts)
    return (lambda ax: tornado(df, ax=ax, lang=opts.get("lang") or "en")), df


def _surface(src: Path, opts: dict):
    from ftzsim.analysis.figures import response_surface
    from ftzsim.engine.store import load_results

    df = load_results(src) if src.is_dir() else _read_table(src)
    x, y, outcome = opts.get("x"), opts.get("y"), opts.get("outcome")
    if not (x and y and outcome):
        raise UserError("surface needs --x LEVER --y LEVER --outcome NAME")
    _need(df, [x, y, outcome], src)
    data = df.groupby([y, x])[outcome].mean().reset_index()
    return (lambda ax: response_surface(df, x, y, outcome, ax=ax, lang=opts.get("lang") or "en")), data


def _indices(kind: str):
    def build(src: Path, opts: dict):
        from ftzsim.analysis import figures

        df = _read_table(src)
        _need(df, ["parameter", "index", "value"], src)
        fn = {"sobol": figures.sobol_bars, "morris": figures.morris_scatter, "convergence": figures.convergence_plot}[
            kind
        ]
        return (lambda ax: fn(df, ax=ax, lang=opts.get("lang") or "en")), df

    return build


KINDS: dict[str, Callable] = {
    "national": _national,
    "compare": _compare,
    "difference": _difference,
    "tornado": _tornado,
    "zonemap": _zonemap,
    "map": _map,
    "regions": _regions,
    "surface": _surface,
    "sobol": _indices("sobol"),
    "morris": _indices("morris"),
    "convergence": _indices("convergence"),
}


def make_figure(kind: str, src: Path, out: Path, **opts) -> dict:
    """Draw ``kind`` from ``src`` into ``out`` (+ ``out``.csv and ``out``.json)."""
    import matplotlib.pyplot as plt

    from ftzsim.analysis.figures import caption, style

    lang = opts.get("lang") or "en"
    try:
        rc = style(lang)
    except ValueError as exc:  # an unknown --lang, or no font that draws Chinese
        raise UserError(str(exc)) from exc
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
    from ftzsim.analysis.decision import save_figure

    meta = {"kind": kind, "input": src.name, "options": {k: v for k, v in opts.items() if v is not None}}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(6.4, 5.0) if kind == "map" else (6.4, 4.0), layout="constrained")
        try:
            caption(fig, draw(ax))
            js = save_figure(fig, out, data, meta)[2]
        finally:
            plt.close(fig)
    return json.loads(js.read_text(encoding="utf-8"))


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
        outcome: Annotated[str | None, typer.Option(help="outcome to draw (national, zonemap, map, surface)")] = None,
        x: Annotated[str | None, typer.Option(help="surface: lever on the x axis")] = None,
        y: Annotated[str | None, typer.Option(help="surface: lever on the y axis")] = None,
        row: Annotated[int | None, typer.Option(help="national from a sweep: draw this design row only")] = None,
        vs: Annotated[Path | None, typer.Option(help="map: colour by INPUT minus this run")] = None,
        lang: Annotated[str, typer.Option(help="language of labels and zone names: en or zh")] = "en",
    ) -> None:
        """Draw a publication figure; also write FILE.csv (the data drawn) and FILE.json (provenance).

        PNG is written at 300 dpi, SVG with editable text, PDF with embedded TrueType fonts.
        """
        make_figure(kind, input, out, outcome=outcome, x=x, y=y, row=row, vs=None if vs is None else str(vs),
                    lang=lang)  # fmt: skip
        typer.echo(f"{kind}: {out} (+ {out.name}.csv, {out.name}.json)")
