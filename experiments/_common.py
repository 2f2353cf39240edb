"""Shared command line of the experiment scripts: run the sweep, then analyse it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse(name: str, doc: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--out", type=Path, default=Path("results") / name, help="sweep directory")
    ap.add_argument("--smoke", action="store_true", help="tiny design, few firms: seconds (used by the tests)")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    ap.add_argument("--backend", choices=["local", "dask"], default="local")
    ap.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    ap.add_argument("--resume", action="store_true", help="complete an interrupted sweep in --out")
    ap.add_argument("--overwrite", action="store_true")
    return ap.parse_args()


def run(name: str, doc: str):
    """Load experiments/NAME.toml (reduced with --smoke), run or resume it; return (exp, out)."""
    from ftzsim.engine.spec import load_experiment
    from ftzsim.engine.sweep import sweep
    from ftzsim.io import UserError
    from ftzsim.scenario import ScenarioError

    args = parse(name, doc)
    try:
        exp = load_experiment(HERE / f"{name}.toml")
        if args.smoke:
            exp = exp.smoke()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sweep(exp, args.out, workers=args.workers, backend=args.backend, scheduler=args.scheduler,
              resume=args.resume, overwrite=args.overwrite, progress=not args.smoke)  # fmt: skip
    except (ScenarioError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    return exp, args.out
