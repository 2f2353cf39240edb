"""Experiment files (TOML): what to vary, how, how often, and which outcomes to keep.

::

    [experiment]
    name = "sobol_digital"
    scenario = "baseline"        # bundled name, or a path relative to this file
    replicates = 3
    master_seed = 20240101
    chunk_size = 16               # optional: runs per task

    [design]
    method = "sobol"              # factorial | lhs | sobol | morris | fast | file | scenarios
    n = 1024                      # base samples (sobol), trajectories (morris), rows (lhs, fast)
    parameters = ["data_openness", "bass_q"]   # or "ALL": every registry parameter
    second_order = true           # sobol
    scrambles = 8                 # sobol: R independent scrambles, t-intervals across them
    levels = 3                    # factorial
    num_levels = 4                # morris
    file = "design.csv"           # file
    scenarios = ["baseline", "data_corridor"]   # scenarios
    [design.bounds]               # optional narrowing inside the registry bounds
    data_openness = [0.0, 0.8]

    [paired]                      # optional: every row and seed also runs the reference
    reference = "baseline"        # (then outcomes may be diff:, pct: or ref: of any outcome)

    [outcomes]
    names = ["final_ds_exports", "cum_incidents"]   # or "pct:final_ds_exports" with [paired]
    timeseries = false

    [scenario_overrides]          # fixed for every run
    n_firms = 5000

Validated like scenario files: every problem names the file, the field path and what is
allowed (:class:`ftzsim.scenario.ScenarioError`, exit code 2 on the command line).
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ftzsim import levers as L
from ftzsim.engine.designs import Design, check_design_size, design_rows, make_design
from ftzsim.outcomes import summary_names
from ftzsim.scenario import (
    SWEEP_FIRMS,
    ScenarioError,
    _pydantic_problems,
    _read_toml,
    bundled_scenarios,
    load_scenario,
)
from ftzsim.seeds import replicate_seeds

__all__ = ["SUMMARY_OUTCOMES", "Experiment", "load_experiment"]

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
#: Scalar outcomes a run of the FTZ model reports (``FTZModel.summary()``).
SUMMARY_OUTCOMES = summary_names()


def firm_count_warning(exp: Experiment) -> str | None:
    """A warning when an experiment runs fewer firm agents than the converged count."""
    from ftzsim.scenario import load_scenario

    n = exp.overrides.get("n_firms", load_scenario(exp.scenario).n_firms)
    if n < SWEEP_FIRMS:
        return (
            f"warning: {exp.source} runs {n:,} firm agents, fewer than the {SWEEP_FIRMS:,} at which results have "
            "converged (docs/experiments.md, number of firm agents): its numbers may differ from the model's by more "
            "than seed noise"
        )
    return None


class _Exp(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenario: str = "baseline"
    replicates: int = Field(1, ge=1, le=1000)
    master_seed: int = Field(0, ge=0, le=2**63 - 1)
    chunk_size: int | None = Field(None, ge=1, le=10_000)
    timeout: float | None = Field(None, gt=0, le=86_400)


class _Policies(BaseModel):
    model_config = _STRICT
    rows: list[dict[str, float | int | str]] | None = Field(None, min_length=1, max_length=100_000)
    file: str | None = None
    method: Literal["factorial", "lhs"] | None = None
    parameters: list[str] = Field(default_factory=list)
    levels: int = Field(2, ge=2, le=50)
    n: int = Field(8, ge=1, le=100_000)


class _Design(BaseModel):
    model_config = _STRICT
    method: Literal["factorial", "lhs", "sobol", "morris", "fast", "file", "scenarios", "policies"]
    n: int = Field(16, ge=1, le=1_000_000)
    parameters: list[str] | Literal["ALL"] = Field(default_factory=list)
    second_order: bool = True
    scrambles: int = Field(1, ge=1, le=64)
    levels: int = Field(3, ge=2, le=50)
    num_levels: int = Field(4, ge=2, le=20)
    file: str | None = None
    scenarios: list[str] = Field(default_factory=list)
    bounds: dict[str, list[float]] = Field(default_factory=dict)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    # method = "policies": lever rows (policies) x uncertainty rows (scenarios)
    policies: _Policies | None = None
    uncertainties: list[str] | Literal["ALL"] = Field(default_factory=list)
    scenarios_file: str | None = None
    # ... or n members of a shipped posterior, drawn by weight (issue 12)
    posterior: str | None = None


class _Outcomes(BaseModel):
    model_config = _STRICT
    names: list[str] = Field(default_factory=list)
    timeseries: bool = False


class _Paired(BaseModel):
    model_config = _STRICT
    reference: str


class _File(BaseModel):
    model_config = _STRICT
    experiment: _Exp
    design: _Design
    paired: _Paired | None = None
    outcomes: _Outcomes = Field(default_factory=_Outcomes)
    scenario_overrides: dict[str, float | int] = Field(default_factory=dict)


@dataclass
class Experiment:
    name: str
    description: str
    scenario: str
    replicates: int
    master_seed: int
    chunk_size: int | None
    timeout: float | None
    design: Design
    outcomes: list[str]
    timeseries: bool
    overrides: dict[str, Any]
    text: str
    source: str
    reference: str | None = None  # paired experiments: the reference scenario (ftzsim.engine.paired)
    #: folder of the experiment file: ``scenarios`` members named by a relative path are
    #: stored as written (portable) and found from here when run
    base: str = "."

    @property
    def seeds(self) -> list[int]:
        return replicate_seeds(self.master_seed, self.replicates)

    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def smoke(self, n_firms: int = 300, quarters: int | None = None) -> Experiment:
        """A tiny version for tests and quick checks: small design, 2 replicates, few firms.

        Quarters default to 8, or 16 when a scenario in the design has scheduled changes
        (they must fall inside the run)."""
        import dataclasses

        from ftzsim.scenario import load_scenario

        d = self.design
        small = {"sobol": 4, "morris": 3, "lhs": 6, "fast": 65, "factorial": 2}
        if d.method == "policies":  # the first six policies on the first four scenarios
            frame = d.frame[(d.frame["policy_id"] < 6) & (d.frame["scenario_id"] < 4)].reset_index(drop=True)
            frame["row_id"] = np.arange(len(frame), dtype=np.int64)
            st = d.settings
            settings = {**st, "policies": st["policies"][:6], "n_policies": min(6, st["n_policies"]),
                        "n_scenarios": min(4, st["n_scenarios"])}  # fmt: skip
            design = dataclasses.replace(d, frame=frame, settings=settings)
        elif d.method in small:
            design = make_design(d.method, d.parameters, small[d.method], seed=self.master_seed,
                                 levels=2, second_order=d.settings.get("second_order", True),
                                 num_levels=d.settings.get("num_levels", 4))  # fmt: skip
        else:
            design = d
        names = [self.scenario, *d.settings.get("scenarios", []), *([self.reference] if self.reference else [])]
        bundled = bundled_scenarios()
        scheduled = any(load_scenario(n if n in bundled else Path(self.base, n)).schedule for n in names)
        q = quarters or (16 if scheduled else 8)
        overrides = {**self.overrides, "n_firms": n_firms, "quarters": q}
        return dataclasses.replace(self, design=design, replicates=min(self.replicates, 2), overrides=overrides,
                                   text=self.text + f"\n# smoke: {overrides}\n")  # fmt: skip

    def adapter(self):
        from ftzsim.engine.adapter import FTZAdapter

        if self.reference is None:
            return FTZAdapter(self.scenario, self.overrides, self.outcomes or None, self.timeseries, base=self.base)
        from ftzsim.engine.paired import PairedAdapter, base_outcome

        names = list(dict.fromkeys(base_outcome(n)[1] for n in self.outcomes)) or None
        return PairedAdapter(
            FTZAdapter(self.scenario, self.overrides, names, self.timeseries, base=self.base),
            FTZAdapter(self.reference, self.overrides, names, False, base=self.base),
            self.outcomes or None,
        )


def _close(name: str, options) -> str:
    c = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean '{c[0]}'?)" if c else ""


def _text(path: Path, label: str) -> str:
    from ftzsim.scenario import read_bounded

    return read_bounded(path, label).decode("utf-8")


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; raise ScenarioError listing every problem."""
    path = Path(path)
    label = str(path)
    raw = _read_toml(path, label)
    try:
        f = _File.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(label, _pydantic_problems(err)) from None
    problems: list[tuple[str, str]] = []
    d = f.design
    if d.parameters == "ALL":  # every registered lever and uncertainty
        d.parameters = list(L.REGISTRY)
    if d.uncertainties == "ALL":  # every registered uncertainty
        d.uncertainties = list(L.UNCERTAINTIES)
    varied = list(d.parameters) + list(d.uncertainties) + (list(d.policies.parameters) if d.policies else [])
    # scenario: bundled name or path relative to the experiment file
    bundled = bundled_scenarios()
    scen = f.experiment.scenario
    if scen not in bundled:
        cand = (path.parent / scen).resolve()
        if not cand.is_file():
            msg = f"{scen!r} is neither a bundled scenario ({', '.join(bundled)}) nor a file next to the experiment"
            problems.append(("experiment.scenario", msg + _close(scen, bundled)))
        scen = str(cand)
    for i, name in enumerate(d.parameters):
        if name not in L.REGISTRY:
            problems.append((f"design.parameters[{i}]", f"unknown parameter {name!r}{_close(name, L.REGISTRY)}; "
                             "allowed: a name from `ftzsim levers`"))  # fmt: skip
    if len(set(d.parameters)) != len(d.parameters):
        problems.append(("design.parameters", "a parameter is listed twice"))
    bounds: dict[str, tuple[float, float]] = {}
    for name, b in d.bounds.items():
        key = f"design.bounds.{name}"
        if name not in varied:
            problems.append((key, f"{name!r} is not a varied parameter (design.parameters, design.uncertainties "
                             "or design.policies.parameters)"))  # fmt: skip
            continue
        if name not in L.REGISTRY:
            continue
        p = L.REGISTRY[name]
        if len(b) != 2 or not (p.lower <= b[0] < b[1] <= p.upper):
            allowed = f"[low, high] with {p.lower:g} <= low < high <= {p.upper:g}"
            problems.append((key, f"{b} is not allowed; allowed: {allowed}"))
            continue
        bounds[name] = (b[0], b[1])
    if d.method == "policies":
        problems += _policies_problems(d, path)
    elif d.policies is not None or d.uncertainties or d.scenarios_file or d.posterior:
        problems.append(("design", "policies, uncertainties, scenarios_file and posterior belong to method 'policies'"))
    if d.method not in ("file", "scenarios", "policies") and not d.parameters:
        problems.append(("design.parameters", f"method {d.method!r} needs at least one parameter"))
    if d.method == "fast" and d.n <= 64:
        problems.append(("design.n", f"{d.n} is not allowed; allowed: n > 64 for fast (N > 4 M^2 with M = 4)"))
    if d.scrambles > 1 and d.method != "sobol":
        problems.append(("design.scrambles", f"{d.scrambles} is not allowed for method {d.method!r}; allowed: 1 "
                         "(independent scrambles are a sobol design option)"))  # fmt: skip
    if d.method == "sobol" and d.n & (d.n - 1):
        problems.append(("design.n", f"{d.n} is not allowed; allowed: a power of 2 for sobol (balanced sequence)"))
    if d.method not in ("file", "scenarios", "policies") and isinstance(d.parameters, list):
        field = {"factorial": "design.levels"}.get(d.method, "design.n")
        try:
            check_design_size(design_rows(d.method, len(d.parameters), d.n, levels=d.levels,
                                          second_order=d.second_order, scrambles=d.scrambles))  # fmt: skip
        except ValueError as exc:
            problems.append((field, str(exc)))
    if d.method == "file":
        if not d.file:
            problems.append(("design.file", "required for method 'file'"))
        elif not (path.parent / d.file).is_file():
            problems.append(("design.file", f"{d.file!r}: no such file next to the experiment"))
    if d.method == "scenarios":
        if not d.scenarios:
            problems.append(("design.scenarios", "required for method 'scenarios': a list of scenario names"))
        for i, s in enumerate(d.scenarios):
            if s not in bundled and not (path.parent / s).is_file():
                problems.append((f"design.scenarios[{i}]", f"unknown scenario {s!r}{_close(s, bundled)}"))
                continue
            try:  # every member must load, with the fixed overrides, before any run starts
                load_scenario(s if s in bundled else path.parent / s, **f.scenario_overrides)
            except ScenarioError as exc:
                problems += [(f"design.scenarios[{i}]", f"{exc.source}: {p + ': ' if p else ''}{m}")
                             for p, m in exc.problems[:5]]  # fmt: skip
    if d.method not in ("file", "scenarios") and not any(
        p.startswith(("design.n", "design.levels")) for p, _ in problems
    ):
        from ftzsim.engine.sweep import check_sweep_size
        from ftzsim.io import UserError

        try:  # runs = rows x replicates, and the driver's memory, before anything is built
            rows = design_rows(d.method, len(d.parameters), d.n, levels=d.levels, second_order=d.second_order)
            check_sweep_size(rows, f.experiment.replicates, len(d.parameters))
        except UserError as exc:
            problems.append(("experiment.replicates", str(exc)))
    from ftzsim.engine.paired import base_outcome

    for i, name in enumerate(f.outcomes.names):
        prefix, base = base_outcome(name)
        if base not in SUMMARY_OUTCOMES:
            problems.append((f"outcomes.names[{i}]", f"unknown outcome {name!r}{_close(base, SUMMARY_OUTCOMES)}; "
                             "allowed: final_<outcome> or cum_<flow outcome>, with ref:, diff: or pct: in front "
                             "for a [paired] experiment"))  # fmt: skip
        elif prefix and f.paired is None:
            problems.append((f"outcomes.names[{i}]", f"{name!r} needs a [paired] table naming the reference "
                             "scenario (the effect is policy minus reference on shared seeds)"))  # fmt: skip
    reference = None
    if f.paired is not None:
        ref = f.paired.reference
        if ref in bundled:
            reference = ref
        elif (path.parent / ref).is_file():
            reference = str((path.parent / ref).resolve())
        else:
            msg = f"{ref!r} is neither a bundled scenario ({', '.join(bundled)}) nor a file next to the experiment"
            problems.append(("paired.reference", msg + _close(ref, bundled)))
    if not problems:
        try:  # the fixed overrides must be valid for the scenario
            load_scenario(scen if scen in bundled else Path(scen), **f.scenario_overrides)
            if reference is not None:
                load_scenario(reference if reference in bundled else Path(reference), **f.scenario_overrides)
        except ScenarioError as exc:
            problems += [(f"scenario_overrides.{p}" if p else "scenario_overrides", m) for p, m in exc.problems]
    if problems:
        raise ScenarioError(label, problems)
    try:
        if d.method == "policies":
            design = _policies_design(d, path, f.experiment.master_seed if d.seed is None else d.seed, bounds)
        else:
            design = make_design(
                d.method, d.parameters, d.n, seed=f.experiment.master_seed if d.seed is None else d.seed,
                bounds=bounds, levels=d.levels, second_order=d.second_order, num_levels=d.num_levels,
                file=(path.parent / d.file) if d.file else None, scrambles=d.scrambles,
                scenarios=list(d.scenarios),  # as written: design.parquet must not hold this machine's paths
            )  # fmt: skip
    except ValueError as exc:
        raise ScenarioError(label, [("design", str(exc))]) from None
    if len(design.frame) == 0:
        raise ScenarioError(label, [("design", "the design has no rows: nothing to run (a design file with a "
                                     "header only?); allowed: at least one row")])  # fmt: skip
    if d.method in ("file", "scenarios"):
        from ftzsim.engine.sweep import check_sweep_size
        from ftzsim.io import UserError

        try:
            check_sweep_size(len(design.frame), f.experiment.replicates, len(design.frame.columns))
        except UserError as exc:
            raise ScenarioError(label, [("experiment.replicates", str(exc))]) from None
    return Experiment(
        name=f.experiment.name, description=f.experiment.description, scenario=scen,
        replicates=f.experiment.replicates, master_seed=f.experiment.master_seed,
        chunk_size=f.experiment.chunk_size, timeout=f.experiment.timeout, design=design,
        outcomes=list(f.outcomes.names),
        timeseries=f.outcomes.timeseries, overrides=dict(f.scenario_overrides),
        text=_text(path, label), source=path.name, reference=reference, base=str(path.parent.resolve()),
    )  # fmt: skip


def _policies_problems(d: _Design, path: Path) -> list[tuple[str, str]]:
    """Problems of a ``method = "policies"`` design section, each with its field path."""
    problems: list[tuple[str, str]] = []
    if d.parameters:
        problems.append(("design.parameters", "not used by method 'policies': name the levers in "
                         "design.policies and the uncertainties in design.uncertainties"))  # fmt: skip
    pol = d.policies
    if pol is None:
        problems.append(("design.policies", "required for method 'policies': rows = [...], file = ... or "
                         "method = 'factorial' | 'lhs' with parameters"))  # fmt: skip
    else:
        given = [k for k in ("rows", "file", "method") if getattr(pol, k) is not None]
        if len(given) != 1:
            problems.append(("design.policies", f"give exactly one of rows, file or method (given: {given or 'none'})"))
        if pol.file is not None and not (path.parent / pol.file).is_file():
            problems.append(("design.policies.file", f"{pol.file!r}: no such file next to the experiment"))
        for i, name in enumerate(pol.parameters):
            problems += _kind_problem(name, True, f"design.policies.parameters[{i}]")
        for i, row in enumerate(pol.rows or []):
            for name, v in row.items():
                if name == "name":
                    continue
                where = f"design.policies.rows[{i}].{name}"
                kind = _kind_problem(name, True, where)
                if kind:
                    problems += kind
                elif isinstance(v, str):
                    problems.append((where, f"{v!r} is not allowed; allowed: {L.REGISTRY[name].range_text()}"))
                elif not L.REGISTRY[name].lower <= v <= L.REGISTRY[name].upper:
                    problems.append((where, f"{v!r} is not allowed; allowed: {L.REGISTRY[name].range_text()}"))
    sources = [k for k in ("uncertainties", "scenarios_file", "posterior") if getattr(d, k)]
    if not sources:
        problems.append(("design.uncertainties", "required for method 'policies' (or design.scenarios_file, or "
                         "design.posterior)"))  # fmt: skip
    if len(sources) > 1:
        problems.append((f"design.{sources[1]}", "give one of design.uncertainties (with n), a scenarios_file or "
                         f"a posterior (given: {', '.join(sources)})"))  # fmt: skip
    if d.posterior is not None:
        try:
            from ftzsim.calibration.posterior import load_posterior

            load_posterior(d.posterior)
        except FileNotFoundError as exc:
            problems.append(("design.posterior", str(exc)))
    for i, name in enumerate(d.uncertainties):
        problems += _kind_problem(name, False, f"design.uncertainties[{i}]")
    if d.scenarios_file is not None and not (path.parent / d.scenarios_file).is_file():
        problems.append(("design.scenarios_file", f"{d.scenarios_file!r}: no such file next to the experiment"))
    return problems


def _kind_problem(name: str, lever: bool, where: str) -> list[tuple[str, str]]:
    if name not in L.REGISTRY:
        return [(where, f"unknown parameter {name!r}{_close(name, L.REGISTRY)}; allowed: a name from `ftzsim levers`")]
    if lever and not L.REGISTRY[name].is_lever:
        return [(where, f"{name!r} is an uncertainty; allowed here: a lever ({', '.join(L.ZONE_LEVERS[:3])}, ...)")]
    if not lever and L.REGISTRY[name].is_lever:
        return [(where, f"{name!r} is a lever; allowed here: an uncertainty ({', '.join(L.UNCERTAINTIES[:3])}, ...)")]
    return []


def _policies_design(d: _Design, path: Path, seed: int, bounds: dict[str, tuple[float, float]]) -> Design:
    from ftzsim.engine.policies import lever_rows, policies_design, uncertainty_rows

    pol = d.policies
    assert pol is not None  # checked by _policies_problems
    levers = lever_rows(pol.rows, file=(path.parent / pol.file) if pol.file else None, method=pol.method,
                        parameters=pol.parameters, levels=pol.levels, n=pol.n, seed=seed, bounds=bounds)  # fmt: skip
    if d.posterior is not None:
        from ftzsim.engine.policies import posterior_rows

        scen = posterior_rows(d.posterior, d.n, seed=seed)
    else:
        scen = uncertainty_rows(d.uncertainties, d.n, seed=seed, bounds=bounds,
                                file=(path.parent / d.scenarios_file) if d.scenarios_file else None)  # fmt: skip
    settings = {"n": d.n, "seed": seed}
    if d.posterior is not None:
        settings |= {"posterior": d.posterior, "posterior_draws": scen.attrs["posterior_draws"]}
    return policies_design(levers, scen, settings, bounds=bounds)
