"""Experimental designs generated from the lever registry.

Every design is a :class:`Design`: a table of parameter rows with a stable ``row_id`` (its
position in design order) plus what analysis needs later (the SALib problem, the method and
its settings). Bounds come from :mod:`ftzsim.levers` unless narrowed inside them; integer
parameters are rounded. Every sampler takes an explicit seed (0 is a valid seed).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ftzsim import levers as L

__all__ = ["MAX_DESIGN_ROWS", "METHODS", "Design", "design_rows", "latin_hypercube", "make_design", "scaled_lhs"]

METHODS = ("factorial", "lhs", "sobol", "morris", "fast", "file", "scenarios", "policies")
#: Columns that label design rows and are not model inputs (the policies design's ids).
LABELS = ("row_id", "policy_id", "scenario_id", "policy", "scramble")
#: Largest design built (rows). A design is held in memory (8 bytes per value) and written
#: to design.parquet before the first run, so a design that would exhaust memory or take
#: years to run (a 10-level factorial of 47 levers has 1e47 rows) is refused up front.
MAX_DESIGN_ROWS = 5_000_000


@dataclass
class Design:
    """A table of parameter rows (``frame``: ``row_id`` + one column per parameter)."""

    method: str
    frame: pd.DataFrame
    problem: dict
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        return list(self.problem["names"])

    def iter_rows(self, block: int = 10_000):
        """The rows as plain dicts of the model's inputs (label columns left out), a block at a
        time, so a sweep never holds a copy of a large design as Python objects."""
        cols = [c for c in self.frame.columns if c not in LABELS]
        for start in range(0, len(self.frame), block):
            for rec in self.frame.iloc[start : start + block][cols].to_dict("records"):
                yield {c: _plain(v) for c, v in rec.items()}

    def rows(self) -> list[dict[str, Any]]:
        return list(self.iter_rows())

    def X(self) -> np.ndarray:
        """The sampled parameter matrix in design order (for SALib analyzers)."""
        return self.frame[self.parameters].to_numpy(dtype=float)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def latin_hypercube(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` Latin-hypercube points in the unit cube of ``d`` dimensions, shape ``(n, d)``.

    Each dimension is cut into ``n`` equal strata and every stratum holds exactly one point,
    placed uniformly at random inside it; the strata are paired across dimensions by
    independent random permutations (McKay, Beckman & Conover 1979, *Technometrics* 21:239).

    This is the algorithm of ``scipy.stats.qmc.LatinHypercube(d, rng=rng).random(n)``
    (``scramble=True``, strength 1, no optimisation; SciPy 1.18) step for step, so it gives
    the same points to the bit (``tests/engine/test_engine.py`` compares them): a child
    generator spawned from ``rng``'s seed sequence draws the offsets, then shuffles one
    permutation per dimension. Kept here rather than imported because ``scipy.stats`` costs
    about 0.7 s of CPU to import, on the critical path of every ``ftzsim sweep`` with an LHS
    design (issue 14: it delayed the start of the workers, ``benchmarks/bench_workers.py``),
    and so that a design file's points do not change with the installed SciPy.

    Parameters
    ----------
    d, n : int
        Dimensions and points (both may be 0).
    rng : numpy.random.Generator
        Made from a seed sequence (``np.random.default_rng(seed)`` or
        ``np.random.default_rng(np.random.SeedSequence(seed))``); its seed sequence spawns
        one child, as SciPy's does.
    """
    bits = rng.bit_generator
    child = np.random.Generator(type(bits)(bits.seed_seq.spawn(1)[0]))
    offsets = child.uniform(size=(n, d))
    perms = np.tile(np.arange(1, n + 1), (d, 1))
    for row in perms:
        child.shuffle(row)
    return (perms.T - offsets) / n


def scaled_lhs(lower: np.ndarray, upper: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """:func:`latin_hypercube` mapped onto the box ``[lower, upper]`` (as ``qmc.scale``, which
    also refuses a bound pair that is not ``lower < upper``)."""
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    if not np.all(lower < upper):
        bad = [f"[{a:g}, {b:g}]" for a, b in zip(lower, upper, strict=True) if not a < b]
        raise ValueError(f"Latin hypercube bounds {', '.join(bad)}: each needs lower < upper")
    return latin_hypercube(lower.shape[0], n, rng) * (upper - lower) + lower


def _seed(seed: int) -> np.random.Generator:
    # a Generator, never a bare int: SALib treats seed 0 as "unseeded" (``if seed:``)
    return np.random.default_rng(np.random.SeedSequence(seed))


def _finish(method: str, X: np.ndarray, problem: dict, settings: dict) -> Design:
    if X.size:  # samplers' scaling can overshoot a bound by rounding (0.2 -> 0.20000000000000004)
        b = np.asarray(problem["bounds"], dtype=float)
        X = np.clip(X, b[:, 0], b[:, 1])
    df = pd.DataFrame(X, columns=problem["names"])
    for name in problem["names"]:
        if name in L.REGISTRY and L.REGISTRY[name].integer:
            df[name] = np.round(df[name]).astype(int)
    df.insert(0, "row_id", np.arange(len(df), dtype=np.int64))
    return Design(method, df, problem, settings)


def design_rows(method: str, n_params: int, n: int = 16, *, levels: int = 3, second_order: bool = True,
                scrambles: int = 1) -> int:  # fmt: skip
    """Rows a design will have, computed without building it (Python integers: no overflow).

    ``file`` and ``scenarios`` designs have as many rows as they list (returns 0 here)."""
    if method == "factorial":
        return levels**n_params if n_params else 1
    if method == "lhs":
        return n
    if method == "sobol":
        return scrambles * n * (2 * n_params + 2 if second_order else n_params + 2)
    if method == "morris":
        return n * (n_params + 1)
    if method == "fast":
        return n * n_params
    return 0


def check_design_size(rows: int) -> None:
    """Refuse a design larger than :data:`MAX_DESIGN_ROWS`, saying how large it would be."""
    if rows > MAX_DESIGN_ROWS:
        raise ValueError(f"the design would have {_count(rows)} rows; allowed: at most {MAX_DESIGN_ROWS:,} "
                         "(fewer parameters, levels or samples; or split the experiment)")  # fmt: skip


def _count(rows: int) -> str:
    return f"{rows:,}" if rows < 10**15 else f"about 1e{len(str(rows)) - 1}"


def make_design(
    method: str,
    parameters: list[str],
    n: int = 16,
    *,
    seed: int = 0,
    bounds: dict[str, tuple[float, float]] | None = None,
    levels: int = 3,
    second_order: bool = True,
    num_levels: int = 4,
    file: str | Path | None = None,
    scenarios: list[str] | None = None,
    problem: dict | None = None,
    scrambles: int = 1,
) -> Design:
    """Build a design.

    Parameters
    ----------
    method : {"factorial", "lhs", "sobol", "morris", "fast", "file", "scenarios"}
        ``factorial``: ``levels`` evenly spaced values per parameter, all combinations;
        ``lhs``: ``n`` Latin-hypercube rows (:func:`latin_hypercube`); ``sobol``: Saltelli's scheme,
        ``n`` base samples, ``n (2D + 2)`` rows with second order, ``n (D + 2)`` without;
        ``morris``: ``n`` trajectories, ``n (D + 1)`` rows; ``fast``: eFAST, ``n`` samples per
        parameter; ``file``: rows read from CSV/Parquet (columns must be registry names);
        ``scenarios``: one row per scenario name (with ``parameters`` empty).
    problem : dict, optional
        A SALib problem (``names``, ``bounds``) for parameters outside the registry, for
        analysing any function with the engine (model-agnostic use).
    scrambles : int
        ``sobol`` only: R independent Owen scrambles of the Saltelli design, one after the
        other (label column ``scramble``), seeded from ``seed``. Their R index estimates are
        independent, so a t-interval across them is an honest confidence interval
        (randomised quasi-Monte Carlo; Owen 1997, L'Ecuyer & Lemieux 2002); the bootstrap of a
        single scrambled design treats its points as independent draws and overstates the
        error (see :func:`ftzsim.engine.sobol_intervals.sobol_scrambles`).
    """
    if method not in METHODS:
        raise ValueError(f"unknown design method {method!r}; allowed: {', '.join(METHODS)}")
    if method == "policies":
        raise ValueError("policies x scenarios designs are built by ftzsim.engine.policies.policies_design")
    if method == "scenarios":
        names = list(scenarios or [])
        df = pd.DataFrame({"row_id": np.arange(len(names), dtype=np.int64), "scenario": names})
        return Design(method, df, {"num_vars": 0, "names": [], "bounds": []}, {"scenarios": names})
    if problem is None:
        problem = L.salib_problem(parameters, bounds)
    else:
        problem = {"num_vars": len(problem["names"]), "names": list(problem["names"]), "bounds": problem["bounds"]}
    D = problem["num_vars"]
    if scrambles < 1 or (scrambles > 1 and method != "sobol"):
        raise ValueError(f"scrambles {scrambles}: allowed: 1, or more for a sobol design")
    check_design_size(design_rows(method, D, n, levels=levels, second_order=second_order, scrambles=scrambles))
    lo = np.array([b[0] for b in problem["bounds"]])
    hi = np.array([b[1] for b in problem["bounds"]])
    settings: dict[str, Any] = {"n": n, "seed": seed}
    if method == "factorial":
        grid = [np.linspace(a, b, levels) for a, b in zip(lo, hi, strict=True)]
        X = np.array(list(itertools.product(*grid))) if D else np.zeros((1, 0))
        settings = {"levels": levels}
    elif method == "lhs":
        X = scaled_lhs(lo, hi, n, _seed(seed))
    elif method == "sobol":
        from SALib.sample import sobol

        if scrambles == 1:
            X = sobol.sample(problem, n, calc_second_order=second_order, seed=_seed(seed))
        else:  # independent scrambles: one child seed each
            kids = np.random.SeedSequence(seed).spawn(scrambles)
            X = np.vstack([sobol.sample(problem, n, calc_second_order=second_order, seed=np.random.default_rng(k))
                           for k in kids])  # fmt: skip
            settings["scrambles"] = scrambles
        settings["second_order"] = second_order
    elif method == "morris":
        from SALib.sample import morris

        X = morris.sample(problem, n, num_levels=num_levels, seed=_seed(seed))
        settings["num_levels"] = num_levels
    elif method == "fast":
        from SALib.sample import fast_sampler

        X = fast_sampler.sample(problem, n, M=4, seed=_seed(seed))
        settings["M"] = 4
    else:  # file
        X, problem = _read_design_file(Path(file), bounds)
        settings = {"file": Path(file).name}
    design = _finish(method, np.asarray(X, dtype=float), problem, settings)
    if scrambles > 1:
        design.frame.insert(1, "scramble", np.repeat(np.arange(scrambles), len(design.frame) // scrambles))
    return design


def _read_design_file(path: Path, bounds) -> tuple[np.ndarray, dict]:
    import stat

    st = path.stat()  # before reading: a device, FIFO or huge file is refused unread
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path.name}: not a regular file; allowed: a .csv or .parquet file")
    if st.st_size > 2_000_000_000:
        raise ValueError(f"{path.name}: {st.st_size:,} bytes; allowed: a design file of at most 2 GB")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # pandas/pyarrow parse errors are ValueErrors
        raise ValueError(f"{path.name}: cannot be read as {'Parquet' if path.suffix == '.parquet' else 'CSV'} "
                         f"({str(exc)[:200]})") from None  # fmt: skip
    if len(df) == 0:
        raise ValueError(f"{path.name}: no rows (a header only?); allowed: at least one design row")
    check_design_size(len(df))
    df = df.drop(columns=[c for c in ("row_id",) if c in df.columns])
    unknown = [c for c in df.columns if c not in L.REGISTRY]
    if unknown:
        raise ValueError(f"{path.name}: columns {unknown} are not registered parameters")
    problem = L.salib_problem(list(df.columns), bounds)
    for (lo_, hi_), name in zip(problem["bounds"], problem["names"], strict=True):
        col = pd.to_numeric(df[name], errors="coerce")
        bad = col.isna() | (col < lo_) | (col > hi_)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            given = df[name].iloc[row]
            raise ValueError(f"{path.name}: row {row}, column {name}: {given!r} outside [{lo_:g}, {hi_:g}]")
    return df.to_numpy(dtype=float), problem
