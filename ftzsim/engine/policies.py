"""Policies x scenarios designs: every lever row (a policy) meets every uncertainty row (a
scenario, a possible future) exactly once, all on the same replicate seeds.

This is EMA Workbench's ``perform_experiments(model, scenarios=S, policies=P)`` in the XLRM
vocabulary (STYLE §3): levers L are what a decision maker chooses, uncertainties X what the
world may turn out to be. Robustness (:mod:`ftzsim.engine.robustness`) and scenario
discovery (:mod:`ftzsim.engine.discovery`) read the ``policy_id`` and ``scenario_id``
columns this design adds.

Policies come from an inline list of tables, a CSV/Parquet file, or a factorial or Latin
hypercube over named levers; scenarios from a Latin hypercube over named uncertainties or a
file of uncertainty rows (for example posterior draws of a calibration). Every name is
checked against the registry: a policy may only set levers, a scenario only uncertainties.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ftzsim import levers as L
from ftzsim.engine.designs import scaled_lhs

__all__ = ["LABEL_COLUMNS", "lever_rows", "policies_design", "uncertainty_rows"]

#: Columns of a policies design that label rows and are not passed to the model.
LABEL_COLUMNS = ("policy_id", "scenario_id", "policy")


def _check_names(names: list[str], want_lever: bool, where: str) -> None:
    for name in names:
        if name not in L.REGISTRY:
            import difflib

            close = difflib.get_close_matches(name, list(L.REGISTRY), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"{where}: unknown parameter {name!r}{hint}; allowed: a name from `ftzsim levers`")
        p = L.REGISTRY[name]
        if want_lever and not p.is_lever:
            raise ValueError(f"{where}: {name!r} is an uncertainty, not a lever; a policy sets levers only "
                             "(vary uncertainties in the scenarios)")  # fmt: skip
        if not want_lever and p.is_lever:
            raise ValueError(f"{where}: {name!r} is a lever, not an uncertainty; scenarios vary uncertainties "
                             "only (set levers in the policies)")  # fmt: skip


def _bounds(names: list[str], bounds: dict[str, tuple[float, float]] | None) -> tuple[np.ndarray, np.ndarray]:
    prob = L.salib_problem(names, {k: v for k, v in (bounds or {}).items() if k in names})
    b = np.asarray(prob["bounds"], dtype=float).reshape(-1, 2)
    return b[:, 0], b[:, 1]


def _check_values(df: pd.DataFrame, names: list[str], where: str, bounds=None) -> None:
    lo, hi = _bounds(names, bounds)
    for j, name in enumerate(names):
        col = pd.to_numeric(df[name], errors="coerce")
        bad = col.isna() | (col < lo[j]) | (col > hi[j])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{where}: row {i}, {name} = {df[name].iloc[i]!r} is outside [{lo[j]:g}, {hi[j]:g}] "
                             f"({L.REGISTRY[name].unit})")  # fmt: skip
        if L.REGISTRY[name].integer and not np.allclose(col, np.round(col)):
            i = int(np.flatnonzero(col.to_numpy() != np.round(col.to_numpy()))[0])
            raise ValueError(f"{where}: row {i}, {name} = {col.iloc[i]!r}: allowed: an integer")


def _read_table(path: Path) -> pd.DataFrame:
    size = path.stat().st_size
    if size > 500_000_000:
        raise ValueError(f"{path.name}: {size:,} bytes; allowed: a file of at most 500 MB")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def lever_rows(
    rows: list[dict[str, Any]] | None = None,
    *,
    file: str | Path | None = None,
    method: str | None = None,
    parameters: list[str] | None = None,
    levels: int = 2,
    n: int = 8,
    seed: int = 0,
    bounds: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Policies as a frame: column ``policy`` (a name) and one column per lever.

    Exactly one source: ``rows`` (dicts of lever values, each with an optional ``name``),
    ``file`` (CSV/Parquet, an optional ``name`` column) or ``method`` (``factorial`` with
    ``levels`` per lever or ``lhs`` with ``n`` rows over ``parameters``). Every policy sets
    the same levers: a lever left out of one policy would silently take the scenario's
    value in that policy only.
    """
    given = [x is not None for x in (rows, file, method)]
    if sum(given) != 1:
        raise ValueError("policies: give exactly one of rows, file or method")
    if method is not None:
        names = list(parameters or [])
        if not names:
            raise ValueError("policies.parameters: method needs at least one lever")
        _check_names(names, True, "policies.parameters")
        lo, hi = _bounds(names, bounds)
        if method == "factorial":
            from ftzsim.engine.designs import check_design_size

            check_design_size(levels ** len(names))
            X = np.array(list(itertools.product(*[np.linspace(a, b, levels) for a, b in zip(lo, hi, strict=True)])))
        elif method == "lhs":
            X = scaled_lhs(lo, hi, n, np.random.default_rng(seed))
        else:
            raise ValueError(f"policies.method {method!r}: allowed: factorial, lhs")
        df = pd.DataFrame(np.clip(X, lo, hi), columns=names)
        for name in names:
            if L.REGISTRY[name].integer:
                df[name] = np.round(df[name]).astype(int)
        df.insert(0, "policy", [f"P{i}" for i in range(len(df))])
        return df
    where = "policies.file" if file is not None else "policies.rows"
    if file is not None:
        df = _read_table(Path(file))
        where = Path(file).name
    else:
        if not rows:
            raise ValueError("policies.rows: give at least one policy")
        keys = [set(r) - {"name"} for r in rows]
        for i, k in enumerate(keys):
            if k != keys[0]:
                missing = sorted(keys[0] ^ k)
                raise ValueError(f"policies.rows[{i}]: every policy must set the same levers (differs in {missing})")
        df = pd.DataFrame(rows)
    names = [c for c in df.columns if c not in ("name", "policy")]
    if not names:
        raise ValueError(f"{where}: no lever columns")
    _check_names(names, True, where)
    _check_values(df, names, where, bounds)
    label = df["name"] if "name" in df.columns else df.get("policy")
    out = df[names].apply(pd.to_numeric).reset_index(drop=True)
    for name in names:
        if L.REGISTRY[name].integer:
            out[name] = out[name].round().astype(int)
    out.insert(0, "policy", [str(x) for x in label] if label is not None else [f"P{i}" for i in range(len(out))])
    if out["policy"].duplicated().any():
        raise ValueError(f"{where}: policy names must be unique ({out['policy'][out['policy'].duplicated()].iloc[0]!r} "
                         "twice)")  # fmt: skip
    return out


def uncertainty_rows(
    uncertainties: list[str] | None = None,
    n: int = 16,
    *,
    seed: int = 0,
    bounds: dict[str, tuple[float, float]] | None = None,
    file: str | Path | None = None,
) -> pd.DataFrame:
    """Scenarios as a frame, one column per uncertainty: ``n`` Latin-hypercube rows over
    ``uncertainties`` (within the registry bounds or narrower ``bounds``), or the rows of
    ``file`` (CSV/Parquet whose columns are uncertainties, e.g. posterior draws)."""
    if file is not None:
        df = _read_table(Path(file))
        names = [c for c in df.columns if c != "scenario_id"]
        _check_names(names, False, Path(file).name)
        _check_values(df, names, Path(file).name, bounds)
        return df[names].apply(pd.to_numeric).reset_index(drop=True)
    names = list(uncertainties or [])
    if not names:
        raise ValueError("design.uncertainties: give at least one uncertainty (or a scenarios_file)")
    _check_names(names, False, "design.uncertainties")
    lo, hi = _bounds(names, bounds)
    X = scaled_lhs(lo, hi, n, np.random.default_rng(np.random.SeedSequence(seed)))
    df = pd.DataFrame(np.clip(X, lo, hi), columns=names)
    for name in names:
        if L.REGISTRY[name].integer:
            df[name] = np.round(df[name]).astype(int)
    return df


def posterior_rows(name: str, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Scenarios as ``n`` members of the shipped posterior ``name``, drawn by weight (seeded):
    the futures a calibrated model cannot rule out (docs/calibration.md). Columns: every
    calibrated parameter and level factor; ``attrs["posterior_draws"]`` holds the members'
    indices (the design's settings record them)."""
    from ftzsim.calibration.posterior import load_posterior

    post = load_posterior(name)
    idx = post.sample(n, seed)
    df = pd.DataFrame([post.draw(int(k)) for k in idx])
    df.attrs["posterior_draws"] = [int(k) for k in idx]
    return df


def policies_design(policies: pd.DataFrame, scenarios: pd.DataFrame, settings: dict | None = None,
                    bounds: dict[str, tuple[float, float]] | None = None):  # fmt: skip
    """Cross ``policies`` (from :func:`lever_rows`) with ``scenarios`` (from
    :func:`uncertainty_rows`): P x S rows, policy-major, with ``policy_id``, ``scenario_id``
    and ``policy`` label columns. Scenario ``s`` has the same uncertainty values under every
    policy, and the sweep runs every row on the same seeds, so policies are compared on
    common random numbers within each scenario.

    The design's problem carries the registry bounds of every lever and uncertainty, or the
    narrower ``bounds`` the rows were drawn in (scenario discovery measures boxes in them)."""
    from ftzsim.engine.designs import Design, _finish, check_design_size

    levers = [c for c in policies.columns if c != "policy"]
    uncs = list(scenarios.columns)
    both = set(levers) & set(uncs)
    if both:
        raise ValueError(f"{sorted(both)} set both by policies and scenarios")
    P, S = len(policies), len(scenarios)
    check_design_size(P * S)
    pid = np.repeat(np.arange(P), S)
    sid = np.tile(np.arange(S), P)
    X = np.hstack([policies[levers].to_numpy(dtype=float)[pid], scenarios[uncs].to_numpy(dtype=float)[sid]])
    names = levers + uncs
    if all(n in L.REGISTRY for n in names):
        problem = L.salib_problem(names, {k: v for k, v in (bounds or {}).items() if k in names})
    else:  # any function, not the model: bounds from the rows (or as given)
        data = pd.concat([policies[levers].reset_index(drop=True), scenarios[uncs].reset_index(drop=True)], axis=1)
        b = [list((bounds or {}).get(n, (float(data[n].min()), float(data[n].max())))) for n in names]
        problem = {"num_vars": len(names), "names": names, "bounds": b}
    d: Design = _finish("policies", X, problem, {"policies": list(policies["policy"]), "levers": levers,
                                                 "uncertainties": uncs, "n_policies": P, "n_scenarios": S,
                                                 **(settings or {})})  # fmt: skip
    d.frame.insert(1, "policy_id", pid.astype(np.int64))
    d.frame.insert(2, "scenario_id", sid.astype(np.int64))
    d.frame.insert(3, "policy", policies["policy"].to_numpy()[pid])
    return d
