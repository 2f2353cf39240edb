"""``ftzsim effects``: the effect card of every lever (see :mod:`ftzsim.engine.effects`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["effects_cmd", "register"]


def register(app: typer.Typer) -> None:
    app.command("effects")(effects_cmd)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [n.strip() for n in text.split(",") if n.strip()]


def effects_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario name or path to a .toml file")] = "baseline",
    out: Annotated[Path, typer.Option("--out", help="directory for effects.csv/.md/.png/.pdf and the runs")] = ...,
    n_lhs: Annotated[int, typer.Option(min=0, max=1000, help="Latin-hypercube rows over the uncertainties")] = 8,
    replicates: Annotated[int, typer.Option(min=1, max=100, help="replicate seeds per row (shared by low/high)")] = 2,
    master_seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="seed of the LHS and the replicates")] = 2030,
    workers: Annotated[int | None, typer.Option(min=1, max=1024, help="worker processes (default: all cores)")] = None,
    n_firms: Annotated[
        int | None, typer.Option(min=100, max=2_000_000, help="firm agents (default: the scenario's)")
    ] = None,
    levers: Annotated[str | None, typer.Option(help="comma-separated levers (default: all)")] = None,
    outcomes: Annotated[str | None, typer.Option(help="comma-separated scalar outcomes")] = None,
    uncertainties: Annotated[str | None, typer.Option(help="comma-separated uncertainties the LHS varies")] = None,
    markdown_into: Annotated[
        Path | None, typer.Option(help="also put the Markdown card between the effect-card markers of this file")
    ] = None,
    lang: Annotated[str, typer.Option(help="labels: en or zh")] = "en",
    overwrite: Annotated[bool, typer.Option(help="discard earlier runs of a different card in --out")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Effect of every lever from its lower to its upper bound, with the spread over the uncertainties.

    Writes OUT/effects.csv, effects.md, effects.json, effects.png and effects.pdf; the runs
    are kept in OUT/runs (the same command resumes an interrupted card).
    """
    from ftzsim.engine.effects import DEFAULT_OUTCOMES, effect_card, markdown_card, splice_block, write_card
    from ftzsim.io import UserError

    if lang not in ("en", "zh"):
        raise UserError(f"--lang {lang!r}: allowed: en, zh")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "runs" / "manifest.json").is_file():
        raise UserError(f"--out {out}: directory is not empty and holds no effect card; choose another --out")
    if markdown_into is not None and not markdown_into.is_file():
        raise UserError(f"--markdown-into {markdown_into}: no such file")
    out.mkdir(parents=True, exist_ok=True)
    card = effect_card(
        scenario, levers=_names(levers), outcomes=_names(outcomes) or DEFAULT_OUTCOMES,
        uncertainties=_names(uncertainties), n_lhs=n_lhs, replicates=replicates, master_seed=master_seed,
        n_firms=n_firms, workers=workers, out=out / "runs", overwrite=overwrite, progress=not quiet,
    )  # fmt: skip
    write_card(card, out, lang)
    if markdown_into is not None:
        text = markdown_into.read_bytes().decode("utf-8")
        block = markdown_card(card, lang)
        markdown_into.write_bytes(splice_block(text, block).encode("utf-8"))
    _print(card, lang)
    a = card.attrs
    typer.echo(f"\n{a['runs']} runs ({a['n_firms']:,} firms, {a['final_year']}) in {a['wall_seconds']} s -> {out}")


def _print(card, lang: str) -> None:
    """A compact table: one line per lever, ``mid [low, high]`` per outcome."""
    from ftzsim.cli import _echo_table
    from ftzsim.engine.effects import _cell

    outcomes = list(dict.fromkeys(card["outcome"]))
    rows = []
    for lever, g in card.groupby("lever", sort=False):
        g = g.set_index("outcome")
        rows.append([lever, *[_cell(g.loc[o, "mid"], g.loc[o, "low"], g.loc[o, "high"]) for o in outcomes]])
    short = [o.removeprefix("final_") for o in outcomes]
    _echo_table(rows, ["lever (lower -> upper)", *[f"{s} %" for s in short]])
