"""The flagship study runs end to end at its --smoke size (examples are tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def test_robust_openness_smoke(tmp_path):
    out = tmp_path / "ro"
    r = subprocess.run([sys.executable, str(ROOT / "experiments" / "robust_openness.py"), "--smoke", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    ana = out / "analysis"
    table = pd.read_csv(ana / "robustness.csv")
    assert len(table) == 6 and table["n_scenarios"].eq(4).all()  # smoke: 6 policies x 4 scenarios
    assert table["max_regret"].min() == 0 or (table["best_share"] > 0).any()
    assert table["max_regret"].is_monotonic_increasing  # most robust first
    assert (table["max_regret"] >= table["p90_regret"] - 1e-9).all()
    assert table["satisficing"].between(0, 1).all()
    sq = table.set_index("policy").loc["status_quo"]
    # opening data flows raises services exports: the status quo has the largest regret
    assert sq["max_regret"] == table["max_regret"].max()
    boxes = pd.read_csv(ana / "discovery" / "boxes.csv")
    assert list(boxes.columns[:6]) == ["box", "parameter", "lower", "upper", "coverage", "density"]
    summary = json.loads((ana / "summary.json").read_text())
    assert summary["most_robust"] == table["policy"].iloc[0]
    for f in ("robustness.png", "policies.png", "discovery/tradeoff.png", "discovery/box.png"):
        assert (ana / f).stat().st_size > 10_000, f
    assert json.loads((ana / "robustness.png.json").read_text())["smoke"] is True
