"""The effect card (issue 11, item 1): known answers, common random numbers, CLI, docs block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ftzsim.cli import main
from ftzsim.engine.effects import (
    DEFAULT_OUTCOMES,
    MARK_END,
    MARK_START,
    effect_card,
    effect_runs,
    splice_block,
    strip_block,
    summarize_effects,
)
from ftzsim.engine.store import load_results
from ftzsim.engine.testfunctions import lever_effects
from ftzsim.io import UserError
from ftzsim.seeds import replicate_seeds

LEVERS = {"x": (0.0, 1.0), "z": (0.0, 4.0)}
UNC = {"u": (0.5, 2.0)}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The card machinery on :func:`lever_effects` (closed-form effects), real process pool."""
    out = tmp_path_factory.mktemp("syn") / "runs"
    runs = effect_runs(lever_effects, LEVERS, UNC, {"u": 1.0}, ["y", "w"], n_lhs=6, replicates=3,
                       master_seed=11, workers=2, out=out, progress=False)  # fmt: skip
    return out, runs, summarize_effects(runs, ["y", "w"])


def test_known_relative_effects_hold_for_every_row_and_replicate(synthetic):
    """y = (1 + 0.5 x + 0.25 z) u (1 + 0.1 (seed mod 7)): x 0->1 is +50 %, z 0->4 is +100 %,
    whatever u and the seed -- the seed factor cancels only if low and high share the seed."""
    _, runs, card = synthetic
    assert len(runs) == 2 * 7 * 3  # levers x (defaults + 6 LHS rows) x replicates
    exp = {"x": 50.0, "z": 100.0}
    for lever, rel in runs.groupby("lever")["y@rel"]:
        np.testing.assert_allclose(rel, exp[lever], rtol=1e-12)
    y = card[card["outcome"] == "y"].set_index("lever")
    for lever, e in exp.items():
        assert y.loc[lever, ["mid", "low", "high"]].tolist() == pytest.approx([e, e, e], rel=1e-12)
        assert y.loc[lever, "seed_sd"] == pytest.approx(0.0, abs=1e-9)
        assert y.loc[lever, "n_runs"] == 2 * 7 * 3


def test_known_absolute_effects_follow_the_lhs_rows(synthetic):
    """w = 10 u x + (seed mod 5) + 1: x 0->1 adds exactly 10 u; low/high_abs are the 5th/95th
    percentiles of 10 u over the LHS rows and the defaults row (u = 1), so the band holds the
    default effect; z does not enter w (zero effect)."""
    out, _, card = synthetic
    design = pd.read_parquet(out / "design.parquet")
    u_lhs = design[design["u_row"] > 0].groupby("u_row")["u"].first().to_numpy()
    assert len(u_lhs) == 6 and (u_lhs >= 0.5).all() and (u_lhs <= 2.0).all()
    assert (design.loc[design["u_row"] == 0, "u"] == 1.0).all()  # the defaults row
    w = card[card["outcome"] == "w"].set_index("lever")
    assert w.loc["x", "mid_abs"] == pytest.approx(10.0)
    u_all = np.append(u_lhs, 1.0)
    assert w.loc["x", "low_abs"] == pytest.approx(np.percentile(10 * u_all, 5))
    assert w.loc["x", "high_abs"] == pytest.approx(np.percentile(10 * u_all, 95))
    assert w.loc["x", "low_abs"] <= w.loc["x", "mid_abs"] <= w.loc["x", "high_abs"]
    assert w.loc["z", ["mid", "low", "high", "mid_abs"]].tolist() == pytest.approx([0, 0, 0, 0], abs=1e-12)
    # relative effect of x on w at the defaults: 10 / ((seed mod 5) + 1), averaged over replicates
    seeds = replicate_seeds(11, 3)
    assert w.loc["x", "mid"] == pytest.approx(np.mean([1000.0 / (s % 5 + 1) for s in seeds]))


def test_low_and_high_runs_share_seeds_in_the_store(synthetic):
    """Common random numbers: in the stored runs, the low and high run of each (row, lever,
    replicate) carry the same seed, and replicate r's seed is replicate_seeds(master)[r]."""
    out, _, _ = synthetic
    res = load_results(out)
    seeds = replicate_seeds(11, 3)
    assert (res["seed"] == res["replicate"].map(dict(enumerate(seeds)))).all()
    per_pair = res.groupby(["u_row", "lever", "replicate"])
    assert (per_pair["seed"].nunique() == 1).all()
    assert (per_pair["level"].apply(sorted).map(tuple) == ("high", "low")).all()


def test_same_card_resumes_and_a_different_card_is_refused(synthetic):
    out, runs, _ = synthetic
    chunks = sorted((out / "chunks").glob("*.parquet"))
    again = effect_runs(lever_effects, LEVERS, UNC, {"u": 1.0}, ["y", "w"], n_lhs=6, replicates=3,
                        master_seed=11, workers=1, out=out, progress=False)  # fmt: skip
    assert sorted((out / "chunks").glob("*.parquet")) == chunks  # nothing re-run
    assert runs.attrs["runs_now"] == 2 * 2 * 7 * 3 and again.attrs["runs_now"] == 0
    pd.testing.assert_frame_equal(again, runs)
    with pytest.raises(UserError, match="different effect card"):
        effect_runs(lever_effects, LEVERS, UNC, {"u": 1.0}, ["y", "w"], n_lhs=5, replicates=3,
                    master_seed=11, workers=1, out=out, progress=False)  # fmt: skip


# ------------------------------------------------------------------ the model, through the CLI
# the model runs in this process (--workers 1): the pool is tested above, and a spawned worker
# would spend longer importing the model than the card's 24 runs take
SMALL = ["--n-lhs", "2", "--replicates", "2", "--n-firms", "300", "--workers", "1", "--quiet"]


@pytest.fixture(scope="module")
def classroom8(tmp_path_factory) -> Path:
    """The classroom scenario cut to 8 quarters (2021-2022), as a scenario file."""
    from ftzsim.scenario import bundled_scenarios

    text = bundled_scenarios()["classroom"].read_text(encoding="utf-8")
    assert "\nquarters = 20\n" in text
    path = tmp_path_factory.mktemp("sc") / "classroom8.toml"
    path.write_text(text.replace("\nquarters = 20\n", "\nquarters = 8\n"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_card(tmp_path_factory, classroom8):
    """``ftzsim effects`` with two levers, writing into a doc with an existing block."""
    base = tmp_path_factory.mktemp("cli")
    doc = base / "levers.md"
    doc.write_bytes(b"# Levers\r\n\r\nbefore\n" + f"{MARK_START}\nold card\n{MARK_END}".encode() + b"\nafter\n")
    rc = main(["effects", str(classroom8), "--out", str(base / "card"), "--levers", "data_openness,single_window",
               "--markdown-into", str(doc), *SMALL])  # fmt: skip
    return rc, base / "card", doc


def test_cli_writes_the_card_files(cli_card):
    rc, out, _ = cli_card
    assert rc == 0
    for name in ("effects.csv", "effects.md", "effects.png", "effects.pdf", "effects.json"):
        assert (out / name).stat().st_size > 0, name
    card = pd.read_csv(out / "effects.csv")
    n = len(DEFAULT_OUTCOMES)
    assert card.groupby("lever").size().to_dict() == {"data_openness": n, "single_window": n}
    assert (card["n_runs"] == 2 * 3 * 2).all()  # low/high x (defaults + 2 LHS rows) x 2 replicates
    md = (out / "effects.md").read_text(encoding="utf-8")
    assert "| Cross-border data openness (`data_openness`, 0 → 1) |" in md
    assert "Scenario `classroom` (300 firms; the scenario has 600), outcomes in 2022" in md


def test_card_read_back_from_csv_renders_in_chinese(cli_card):
    """The CSV carries everything the Markdown needs (labels in both languages, the registry's
    channel and evidence rows); an empty cell (NaN after the round trip) shows as a dash."""
    from ftzsim.engine.effects import markdown_card
    from ftzsim.levers import REGISTRY

    _, out, _ = cli_card
    frame = pd.read_csv(out / "effects.csv")
    md = markdown_card(frame, "zh")
    assert md.startswith("| 杠杆 | 渠道 | 证据 | 可数字化交付服务出口（末年） |")
    p = REGISTRY["data_openness"]
    channel = getattr(p, "channel", "").replace("|", "\\|") or "–"
    evidence = "; ".join(getattr(p, "evidence", ())) or "–"
    assert f"| 数据跨境流动开放度 (`data_openness`, 0 → 1) | {channel} | {evidence} |" in md
    frame.loc[frame["lever"] == "single_window", ["channel", "evidence"]] = float("nan")
    assert "| 国际贸易单一窗口 (`single_window`, 0 → 1) | – | – |" in markdown_card(frame, "zh")
    assert "nan" not in markdown_card(frame, "zh")


def test_model_card_matches_direct_runs_on_the_same_seeds(cli_card, classroom8):
    """An independent path to the same number: run the model directly at the lever's bounds
    (set in every zone) on the card's replicate seeds; the card's ``mid`` is their mean
    relative effect, to rounding."""
    from ftzsim.model import FTZModel

    _, out, _ = cli_card
    card = pd.read_csv(out / "effects.csv").set_index(["lever", "outcome"])
    res = load_results(out / "runs")
    seeds = replicate_seeds(2030, 2)
    assert (res.groupby(["u_row", "lever", "replicate"])["seed"].nunique() == 1).all()
    assert sorted(res["seed"].unique()) == sorted(seeds)
    rel = []
    for s in seeds:
        y = [FTZModel(classroom8, rng=s, build_firm_agents=False, n_firms=300, data_openness=v).run().summary()
             for v in (0.0, 1.0)]  # fmt: skip
        rel.append(100 * (y[1]["final_ds_exports"] - y[0]["final_ds_exports"]) / y[0]["final_ds_exports"])
    assert card.loc[("data_openness", "final_ds_exports"), "mid"] == pytest.approx(np.mean(rel), rel=1e-9)
    assert card.loc[("data_openness", "final_ds_exports"), "seed_sd"] == pytest.approx(np.std(rel, ddof=1), rel=1e-6)


def test_markdown_into_replaces_only_the_block(cli_card):
    _, out, doc = cli_card
    data = doc.read_bytes()
    assert data.startswith(b"# Levers\r\n\r\nbefore\n" + MARK_START.encode() + b"\n")
    assert data.endswith(MARK_END.encode() + b"\nafter\n")
    assert b"old card" not in data and b"`single_window`" in data
    assert (out / "effects.md").read_text(encoding="utf-8") in data.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--levers", "data_opennes"], "did you mean data_openness"),
        (["--outcomes", "final_ds_export"], "outcome 'final_ds_export' is not known"),
        (["--uncertainties", "bass_z"], "uncertainty 'bass_z' is not known"),
    ],
)
def test_cli_refuses_unknown_names_with_exit_2(tmp_path, capsys, classroom8, args, message):
    rc = main(["effects", str(classroom8), "--out", str(tmp_path / "c"), *args, *SMALL])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "c" / "effects.csv").exists()


def test_effect_card_refuses_unknown_lever_before_running(tmp_path):
    with pytest.raises(UserError, match="lever 'fiveg' is not known; did you mean fiveg_coverage"):
        effect_card("classroom", levers=["fiveg"], out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------ the docs block
BODY = "| a | b |\n|---|---|\n| 1 | 2 |\n"


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_splice_keeps_the_rest_of_the_file_byte_identical(nl):
    before = f"# Title{nl}{nl}Some text ünïcode{nl}   trailing spaces   {nl}"
    after = f"{nl}## After{nl}no final newline"
    text = f"{before}{MARK_START}{nl}old{nl}{MARK_END}{after}"
    new = splice_block(text, BODY)
    assert new.startswith(before + MARK_START) and new.endswith(MARK_END + after)
    assert new == f"{before}{MARK_START}\n{BODY}{MARK_END}{after}"
    assert splice_block(new, BODY) == new  # idempotent


def test_splice_appends_markers_and_strip_inverts_it():
    text = "# Levers\n\n| x |\n"
    new = splice_block(text, BODY)
    assert new == f"{text}\n{MARK_START}\n{BODY}{MARK_END}\n"
    assert strip_block(new) == text
    assert splice_block(splice_block(new, "other\n"), BODY) == new


@pytest.mark.parametrize(
    "text", [f"{MARK_START}\nx\n", f"{MARK_END}\n{MARK_START}\n", f"{MARK_START}{MARK_END}{MARK_START}{MARK_END}"]
)
def test_splice_refuses_broken_markers(text):
    with pytest.raises(UserError, match="must hold"):
        splice_block(text, BODY)


def test_card_without_lhs_or_out_has_only_the_defaults(classroom8):
    """n_lhs = 0 and one replicate: low/high and seed_sd are undefined (NaN, not a made-up
    zero); without ``out`` the runs go to a temporary directory."""
    card = effect_card(classroom8, levers=["sme_subsidy"], outcomes=["final_adoption_rate"], n_lhs=0,
                       replicates=1, n_firms=300, workers=1, progress=False)  # fmt: skip
    assert len(card) == 1 and card["n_runs"].tolist() == [2]
    row = card.iloc[0]
    assert np.isnan(row["low"]) and np.isnan(row["high"]) and np.isnan(row["seed_sd"])
    assert row["mid"] == pytest.approx(100 * (row["y_high"] - row["y_low"]) / row["y_low"])
    assert card.attrs["final_year"] == 2022 and card.attrs["runs"] == 2


def test_card_firm_count_defaults_to_card_firms_or_the_scenarios_if_fewer(classroom8):
    """Default firm agents: min(scenario's, CARD_FIRMS); the header says when it is not the
    scenario's own count."""
    from ftzsim.engine.effects import CARD_FIRMS, header_text

    card = effect_card(classroom8, levers=["sme_subsidy"], outcomes=["final_adoption_rate"], n_lhs=0,
                       replicates=1, workers=1, progress=False)  # fmt: skip
    assert card.attrs["n_firms"] == 600 == card.attrs["scenario_firms"] < CARD_FIRMS
    assert "(600 firms)" in header_text(card.attrs)
    big = {**card.attrs, "n_firms": CARD_FIRMS, "scenario_firms": 20_000}
    assert f"({CARD_FIRMS:,} firms; the scenario has 20,000)" in header_text(big)


def test_lever_run_passes_only_the_overrides_and_whole_numbers_for_integer_parameters():
    from ftzsim.engine.effects import LeverRun

    seen = {}

    def f(params, seed):
        seen.update(params, seed=seed)
        return {"y": 0.0}

    LeverRun(f, integer=["replication_lag", "k"])(
        {"u_row": 3, "lever": "replication_lag", "level": "high", "value": 40.0, "u": 1.5, "k": 2.0}, 7
    )
    assert seen == {"replication_lag": 40, "u": 1.5, "k": 2, "seed": 7}
    assert type(seen["replication_lag"]) is int and type(seen["k"]) is int


def test_cli_refuses_a_foreign_non_empty_out(tmp_path, capsys, classroom8):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    rc = main(["effects", str(classroom8), "--out", str(tmp_path / "mine"), "--levers", "sme_subsidy", *SMALL])
    assert rc == 2 and "not empty and holds no effect card" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
