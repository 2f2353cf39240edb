"""Scenario files: load, validate and resolve them into one immutable :class:`Scenario`.

A scenario file is TOML with the XLRM split (Lempert et al. 2003; EMA Workbench)::

    [scenario]        name, description, start ("2021Q1"), quarters, n_firms, zones
    [levers]          national values of zone levers, national levers, rule_alignment table
    [zone.NAME]       per-zone lever values (override [levers] for that zone)
    [[schedule]]      timed policy changes: at = "2024Q1", zones = [...], set = {lever = v}
    [uncertainties]   behavioural parameters and the outside world
    [constants]       model constants (sector shares, real firms per zone, ...)
    [network]         nearest neighbours, alliance weight, alliances
    [outcomes]        outcomes this scenario reports
    [calibration]     free-form record written by ``ftzsim calibrate`` (kept as data)

Validation is generated from :mod:`ftzsim.levers`: unknown keys, out-of-range values, bad
types, unknown zones or blocs and malformed TOML each give a :class:`ScenarioError` whose
message names the file, the field path and what is allowed. Nothing here evaluates user
text: TOML is parsed as data by :mod:`tomllib`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ftzsim import levers as L
from ftzsim import reference
from ftzsim.outcomes import NATIONAL_OUTCOMES

__all__ = [
    "MAX_FIRMS",
    "Scenario",
    "ScenarioError",
    "ScheduledChange",
    "bundled_scenarios",
    "load_scenario",
    "parse_period",
    "parse_set_option",
]

#: Largest firm population accepted. Each firm agent takes about 1 KB with its Mesa object
#: and a few hundred bytes without; 2 million keeps a run under ~3 GB on a 24 GB machine.
MAX_FIRMS = 2_000_000
_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ScenarioError(ValueError):
    """A user mistake in a scenario file or override, with every problem found.

    Attributes
    ----------
    source : str
        The file (or ``--set``) the problems were found in.
    problems : list of (path, message)
        Field path in dotted form and what is wrong / allowed there.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"] if len(problems) > 1 else []
        lines += [f"{source}: {path}: {msg}" if path else f"{source}: {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


def parse_period(text: str) -> tuple[int, int]:
    """Parse ``"2024Q1"`` into ``(2024, 1)``; raise ``ValueError`` otherwise."""
    m = _PERIOD.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"expected a quarter like '2024Q1', got {text!r}")
    return int(m.group(1)), int(m.group(2))


# --------------------------------------------------------------------------- pydantic models
def _num_field(p: L.Parameter, default: Any = None):
    typ = int if p.integer else float
    return (typ | None, Field(default, ge=p.lower, le=p.upper, description=p.meaning))


_RuleAlignment = create_model(
    "RuleAlignment",
    __config__=_STRICT,
    **{b: _num_field(L.get(f"rule_alignment.{b}")) for b in L.AGREEMENTS},
)

_LeverTable = create_model(
    "Levers",
    __config__=_STRICT,
    rule_alignment=(_RuleAlignment | None, None),
    **{n: _num_field(L.get(n)) for n in (*L.ZONE_LEVERS, *L.NATIONAL_LEVERS) if not n.startswith("rule_alignment.")},
)

_ZoneLevers = create_model("ZoneLevers", __config__=_STRICT, **{n: _num_field(L.get(n)) for n in L.ZONE_LEVERS})

_Uncertainties = create_model("Uncertainties", __config__=_STRICT, **{n: _num_field(L.get(n)) for n in L.UNCERTAINTIES})


class _Meta(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    extends: str | None = None
    start: str = "2021Q1"
    quarters: int = Field(40, ge=1, le=400)
    n_firms: int = Field(20_000, ge=0, le=MAX_FIRMS)
    zones: list[str] | None = None


class _SectorShares(BaseModel):
    model_config = _STRICT
    goods: float = Field(0.5, ge=0, le=1)
    ecommerce: float = Field(0.25, ge=0, le=1)
    digital_services: float = Field(0.25, ge=0, le=1)


class _Constants(BaseModel):
    model_config = _STRICT
    sector_shares: _SectorShares = _SectorShares()
    real_firms: float = Field(200_000.0, gt=0, le=1e8, description="real trading firms the zones' agents stand for")
    min_agents_per_zone: int = Field(20, ge=0, le=100_000)
    initial_5g_east: float = Field(0.35, ge=0, le=1)
    initial_5g_other: float = Field(0.2, ge=0, le=1)
    initial_5g_border: float = Field(0.1, ge=0, le=1)
    initial_logistics_coastal: float = Field(0.4, ge=0, le=1)
    initial_logistics_inland: float = Field(0.15, ge=0, le=1)
    initial_adoption: float = Field(0.15, ge=0, le=1)


class _Network(BaseModel):
    model_config = _STRICT
    k_nearest: int = Field(3, ge=0, le=21)
    alliance_weight: float = Field(2.0, ge=0, le=100)
    alliances: dict[str, list[str]] | None = None


class _Change(BaseModel):
    model_config = _STRICT
    at: str
    zones: list[str] | None = None
    set: dict[str, float | int]


class _Outcomes(BaseModel):
    model_config = _STRICT
    report: list[str] = Field(default_factory=list)


class _Calibration(BaseModel):
    """``[calibration]``: the record ``ftzsim calibrate`` writes. ``fitted`` values apply
    where the scenario does not set the parameter itself; the rest is kept as data."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    fitted: dict[str, float] = Field(default_factory=dict)


class _File(BaseModel):
    model_config = _STRICT
    scenario: _Meta
    levers: _LeverTable = Field(default_factory=_LeverTable)
    zone: dict[str, _ZoneLevers] = Field(default_factory=dict)
    schedule: list[_Change] = Field(default_factory=list)
    uncertainties: _Uncertainties = Field(default_factory=_Uncertainties)
    constants: _Constants = Field(default_factory=_Constants)
    network: _Network = Field(default_factory=_Network)
    outcomes: _Outcomes = Field(default_factory=_Outcomes)
    calibration: _Calibration | None = None


# ------------------------------------------------------------------------ resolved scenario
@dataclass(frozen=True)
class ScheduledChange:
    """A policy change that takes effect at the start of model step ``step`` (1-based)."""

    step: int
    period: str
    zones: tuple[str, ...]
    values: Mapping[str, float]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every value resolved (defaults filled in from the registry).

    Build it with :func:`load_scenario`; pass it (or its name or path) to
    :class:`ftzsim.model.FTZModel`.
    """

    name: str
    description: str
    start: tuple[int, int]
    quarters: int
    n_firms: int
    zones: tuple[str, ...]
    levers: Mapping[str, float]  # national values of zone levers and national levers
    zone_levers: Mapping[str, Mapping[str, float]]  # per-zone overrides of zone levers
    uncertainties: Mapping[str, float]
    constants: Mapping[str, Any]
    network: Mapping[str, Any]
    schedule: tuple[ScheduledChange, ...]
    outcomes: tuple[str, ...]
    source: str = "<memory>"
    calibration: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def lever(self, zone: str, name: str) -> float:
        """Value of zone lever ``name`` in ``zone`` at the start of the run."""
        return self.zone_levers.get(zone, {}).get(name, self.levers[name])

    def params(self) -> dict[str, float]:
        """Every registered parameter's value in this scenario (national levels)."""
        return {**self.levers, **self.uncertainties}

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, used for the manifest and the content hash."""
        return {
            "name": self.name,
            "description": self.description,
            "start": f"{self.start[0]}Q{self.start[1]}",
            "quarters": self.quarters,
            "n_firms": self.n_firms,
            "zones": list(self.zones),
            "levers": dict(self.levers),
            "zone_levers": {z: dict(v) for z, v in self.zone_levers.items()},
            "uncertainties": dict(self.uncertainties),
            "constants": json.loads(json.dumps(self.constants)),
            "network": json.loads(json.dumps(self.network)),
            "schedule": [{"at": c.period, "zones": list(c.zones), "set": dict(c.values)} for c in self.schedule],
            "outcomes": list(self.outcomes),
        }

    def content_hash(self) -> str:
        """SHA-256 of the resolved content (not of the file's spelling)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A copy with registry parameters or run settings replaced, validated again.

        Keys are registry names (``data_openness``, ``rule_alignment.eu``, ``bass_q``),
        zone overrides ``zone.NAME.lever``, or run settings ``n_firms`` / ``quarters``.
        A national zone-lever value replaces that lever's per-zone overrides too.
        """
        if not overrides:
            return self
        raw = copy.deepcopy(dict(self.raw))
        _apply_overrides(raw, overrides)
        return _validate(raw, self.source, origin="override")


def _fmt_loc(loc: tuple) -> str:
    return ".".join(str(x) for x in loc)


def _allowed_for(loc: tuple) -> str | None:
    """Allowed range text for a lever/uncertainty location, from the registry."""
    if not loc:
        return None
    name = str(loc[-1])
    if len(loc) >= 2 and loc[-2] == "rule_alignment":
        name = f"rule_alignment.{name}"
    if name in L.REGISTRY and (loc[0] in ("levers", "uncertainties", "zone")):
        return L.REGISTRY[name].range_text()
    return None


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    cur: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fld = getattr(cur, "model_fields", {}).get(part)
        if fld is None:
            return []
        ann = fld.annotation
        args = getattr(ann, "__args__", ())
        cand = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not cand:
            # dict[str, Model] or list[Model]
            inner = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if not inner:
                return []
            cand = inner
        cur = cand[0]
        if part == "zone":
            cur = _ZoneLevers
    return list(getattr(cur, "model_fields", {}))


_UNION_TAGS = ("float", "int", "constrained-float", "constrained-int")


def _clean_loc(e: dict) -> tuple:
    """The user's field path of a pydantic error, without pydantic's own tags.

    Pydantic puts validator names (``function-...``) and, for a union, the member it tried
    (``float``, ``int``) into ``loc``. Those tags never name the last element of an
    ``extra_forbidden`` error: there the last element is the user's unknown key, which may
    well be spelled ``float`` and must be kept (a hypothesis test found exactly that); nor
    the second element under ``zone``, which is a zone's name.
    """
    raw = tuple(e["loc"])
    # user-chosen keys: the unknown key of an extra_forbidden error, and a zone's name
    user = {len(raw) - 1} if e["type"] == "extra_forbidden" else set()
    if raw[:1] == ("zone",):
        user.add(1)
    return tuple(
        x
        for i, x in enumerate(raw)
        if i in user or not (isinstance(x, str) and (x.startswith("function-") or x in _UNION_TAGS))
    )


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors():
        loc = _clean_loc(e)
        path, typ, given = _fmt_loc(loc), e["type"], e.get("input")
        if typ == "extra_forbidden":
            allowed = _allowed_keys(_File, loc)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            msg = f"unknown key{hint}; allowed keys here: {', '.join(allowed) or 'none'}"
        elif typ == "missing":
            msg = "required field is missing"
        else:
            allowed = _allowed_for(loc)
            if allowed is None and "ctx" in e:
                ctx = e["ctx"]
                bounds = [f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")]
                allowed = " and ".join(bounds) if bounds else None
            shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
            msg = f"{shown} is not allowed: {e['msg'].lower()}"
            if allowed:
                msg += f"; allowed: {allowed}"
        out.append((path, msg))
    # one message per field path (unions produce duplicates)
    seen, uniq = set(), []
    for p in out:
        if p[0] not in seen:
            seen.add(p[0])
            uniq.append(p)
    return uniq


def _quarters_between(start: tuple[int, int], period: tuple[int, int]) -> int:
    return (period[0] - start[0]) * 4 + (period[1] - start[1])


def _check_zone(name: str, known: dict, path: str, problems: list) -> bool:
    if name in known:
        return True
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    problems.append((path, f"unknown zone {name!r}{hint}; allowed: {', '.join(known)}"))
    return False


def _validate(raw: dict, source: str, origin: str = "file") -> Scenario:
    try:
        f = _File.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(source, _pydantic_problems(err)) from None
    problems: list[tuple[str, str]] = []
    known = reference.zones()
    try:
        start = parse_period(f.scenario.start)
        if not 2010 <= start[0] <= 2100:
            raise ValueError("year must be between 2010 and 2100")
    except ValueError as exc:
        problems.append(("scenario.start", f"{exc}; allowed: a quarter like '2021Q1'"))
        start = (2021, 1)
    zones = f.scenario.zones if f.scenario.zones is not None else list(known)
    if not zones:
        problems.append(("scenario.zones", "at least one zone is required"))
    if len(set(zones)) != len(zones):
        problems.append(("scenario.zones", "a zone is listed twice"))
    for i, z in enumerate(zones):
        _check_zone(z, known, f"scenario.zones[{i}]", problems)
    for z in f.zone:
        if _check_zone(z, known, f"zone.{z}", problems) and z not in zones:
            problems.append((f"zone.{z}", f"zone {z!r} is not in scenario.zones"))
    shares = f.constants.sector_shares
    total = shares.goods + shares.ecommerce + shares.digital_services
    if abs(total - 1.0) > 1e-9:
        problems.append(("constants.sector_shares", f"shares add up to {total:g}; allowed: they must add up to 1"))
    schedule = []
    for i, ch in enumerate(f.schedule):
        base = f"schedule[{i}]"
        try:
            period = parse_period(ch.at)
            step = _quarters_between(start, period) + 1
            if not 1 <= step <= f.scenario.quarters:
                end = start[0] + (start[1] - 1 + f.scenario.quarters - 1) // 4
                endq = (start[1] - 1 + f.scenario.quarters - 1) % 4 + 1
                problems.append((f"{base}.at", f"{ch.at} is outside the run; allowed: "
                                 f"{start[0]}Q{start[1]} to {end}Q{endq}"))  # fmt: skip
        except ValueError as exc:
            problems.append((f"{base}.at", str(exc)))
            continue
        ch_zones = ch.zones if ch.zones is not None else zones
        for j, z in enumerate(ch_zones):
            if _check_zone(z, known, f"{base}.zones[{j}]", problems) and z not in zones:
                problems.append((f"{base}.zones[{j}]", f"zone {z!r} is not in scenario.zones"))
        for k, v in ch.set.items():
            if k not in L.REGISTRY or not L.REGISTRY[k].schedulable:
                allowed = L.select(schedulable=True)
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append((f"{base}.set.{k}", f"not a schedulable lever{hint}; allowed: "
                                 f"{', '.join(allowed)}"))  # fmt: skip
                continue
            p = L.get(k)
            if isinstance(v, bool) or not (p.lower <= v <= p.upper):
                problems.append((f"{base}.set.{k}", f"{v!r} is out of range; allowed: {p.range_text()}"))
        schedule.append(ScheduledChange(step, ch.at, tuple(ch_zones), dict(ch.set)))
    alliances = f.network.alliances
    if alliances is None:
        alliances = {}
        for z in known.values():
            for a in z.alliances:
                alliances.setdefault(a, []).append(z.name)
    else:
        for a, members in alliances.items():
            for j, z in enumerate(members):
                _check_zone(z, known, f"network.alliances.{a}[{j}]", problems)
    alliances = {a: [z for z in m if z in zones] for a, m in alliances.items()}
    for i, name in enumerate(f.outcomes.report):
        if name not in NATIONAL_OUTCOMES:
            close = difflib.get_close_matches(name, list(NATIONAL_OUTCOMES), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append((f"outcomes.report[{i}]", f"unknown outcome {name!r}{hint}; allowed: "
                             f"{', '.join(NATIONAL_OUTCOMES)}"))  # fmt: skip
    fitted = f.calibration.fitted if f.calibration else {}
    for name, value in fitted.items():
        p = L.REGISTRY.get(name)
        if p is None or not p.fittable:
            allowed = ", ".join(L.select(fittable=True))
            problems.append((f"calibration.fitted.{name}", f"not a fittable parameter; allowed: {allowed}"))
        elif not p.lower <= value <= p.upper:
            problems.append((f"calibration.fitted.{name}", f"{value!r} is out of range; allowed: {p.range_text()}"))
    if problems:
        raise ScenarioError(source, problems)

    lever_vals: dict[str, float] = {}
    lv = f.levers.model_dump()
    ra = lv.pop("rule_alignment") or {}
    for n in (*L.ZONE_LEVERS, *L.NATIONAL_LEVERS):
        if n.startswith("rule_alignment."):
            v = ra.get(n.split(".", 1)[1])
        else:
            v = lv.get(n)
        lever_vals[n] = L.get(n).default if v is None else v
    # precedence: the file's own [uncertainties] / [constants] > calibration.fitted > registry
    unc = {n: (fitted.get(n, L.get(n).default) if v is None else v) for n, v in f.uncertainties.model_dump().items()}
    constants = f.constants.model_dump()
    zone_levers = {z: {k: v for k, v in t.model_dump().items() if v is not None} for z, t in f.zone.items()}
    return Scenario(
        name=f.scenario.name,
        description=f.scenario.description,
        start=start,
        quarters=f.scenario.quarters,
        n_firms=f.scenario.n_firms,
        zones=tuple(zones),
        levers=lever_vals,
        zone_levers={z: v for z, v in zone_levers.items() if v},
        uncertainties=unc,
        constants=constants,
        network={
            "k_nearest": f.network.k_nearest,
            "alliance_weight": f.network.alliance_weight,
            "alliances": alliances,
        },
        schedule=tuple(sorted(schedule, key=lambda c: c.step)),
        outcomes=tuple(f.outcomes.report),
        source=source,
        calibration=f.calibration.model_dump() if f.calibration else None,
        raw=raw,
    )


# ----------------------------------------------------------------------------- overrides
def parse_set_option(text: str) -> tuple[str, Any]:
    """Parse one ``--set key=value`` into ``(key, value)`` (value as int or float).

    Raises ``ScenarioError`` (source ``--set``) for malformed text.
    """
    if "=" not in text:
        raise ScenarioError("--set", [(text, "expected key=value, e.g. data_openness=0.8")])
    key, _, val = text.partition("=")
    key, val = key.strip(), val.strip()
    try:
        num: Any = int(val) if re.fullmatch(r"[+-]?\d+", val) else float(val)
    except ValueError:
        raise ScenarioError("--set", [(key, f"{val!r} is not a number")]) from None
    if num != num or num in (float("inf"), float("-inf")):
        raise ScenarioError("--set", [(key, f"{val!r} is not a finite number")])
    return key, num


_RUN_SETTINGS = ("n_firms", "quarters")


def _in_range(p: L.Parameter, val: Any, problems: list, key: str) -> bool:
    ok_type = isinstance(val, int | float) and not isinstance(val, bool)
    if ok_type and p.integer and isinstance(val, float):
        ok_type = val.is_integer()
    if not ok_type or not (p.lower <= val <= p.upper) or val != val:
        problems.append((key, f"{val!r} is not allowed; allowed: {p.range_text()}"))
        return False
    return True


def _apply_overrides(raw: dict, overrides: Mapping[str, Any]) -> None:
    problems = []
    for key, val in overrides.items():
        if key in _RUN_SETTINGS:
            raw.setdefault("scenario", {})[key] = val
            continue
        if key.startswith("zone."):
            parts = key.split(".")
            if len(parts) != 3:
                problems.append((key, "expected zone.NAME.lever, e.g. zone.Shanghai.data_openness"))
                continue
            _, zone, lever = parts
            if zone not in reference.zones():
                close = difflib.get_close_matches(zone, list(reference.zones()), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append((key, f"unknown zone {zone!r}{hint}"))
                continue
            if lever not in L.ZONE_LEVERS:
                problems.append((key, f"not a zone lever; allowed: {', '.join(L.ZONE_LEVERS)}"))
                continue
            if _in_range(L.get(lever), val, problems, key):
                raw.setdefault("zone", {}).setdefault(zone, {})[lever] = val
            continue
        if key not in L.REGISTRY:
            close = difflib.get_close_matches(key, [*L.REGISTRY, *_RUN_SETTINGS], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append((key, f"unknown parameter{hint}; allowed: a lever or uncertainty "
                             "from `ftzsim levers`, zone.NAME.lever, n_firms or quarters"))  # fmt: skip
            continue
        p = L.REGISTRY[key]
        if not _in_range(p, val, problems, key):
            continue
        if p.kind == "uncertainty":
            raw.setdefault("uncertainties", {})[key] = val
        elif key.startswith("rule_alignment."):
            raw.setdefault("levers", {}).setdefault("rule_alignment", {})[key.split(".", 1)[1]] = val
        else:
            raw.setdefault("levers", {})[key] = val
            if key in L.ZONE_LEVERS:  # a national value applies to every zone
                for z in raw.get("zone", {}).values():
                    if isinstance(z, dict):
                        z.pop(key, None)
    if problems:
        raise ScenarioError("override", problems)


# ------------------------------------------------------------------------------- loading
def _scenario_dir() -> Path:
    """Where the bundled scenario files are: inside an installed wheel (``ftzsim/scenarios``,
    copied there at build time) or, in a source checkout, the repository's ``scenarios/``."""
    inside = Path(str(resources.files("ftzsim"))) / "scenarios"
    return inside if inside.is_dir() else Path(__file__).resolve().parents[1] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Scenario files shipped with the package, by name."""
    root = _scenario_dir()
    return {p.stem: p for p in sorted(root.glob("*.toml"))} if root.is_dir() else {}


def _read_toml(path: Path, label: str) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(label, [("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(label, [("", "is a directory, expected a .toml file")]) from None
    except OSError as exc:
        raise ScenarioError(label, [("", f"cannot be read: {exc.strerror}")]) from None
    if len(data) > 2_000_000:
        raise ScenarioError(label, [("", f"file is {len(data):,} bytes; allowed: at most 2,000,000")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(label, [("", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, [("", f"malformed TOML: {exc}")]) from None


def _merge(base: dict, over: dict) -> dict:
    """Deep-merge ``over`` into ``base``: tables merge, ``schedule`` lists concatenate,
    other values replace."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif k == "schedule" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = out[k] + copy.deepcopy(v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _resolve_extends(raw: dict, path: Path, label: str, bundled: dict, depth: int = 0) -> dict:
    """``[scenario] extends = "baseline"`` starts from another scenario (a bundled name or a
    path relative to this file) and changes only what this file sets, so a what-if scenario
    states its departures and nothing else."""
    meta = raw.get("scenario")
    parent = meta.get("extends") if isinstance(meta, dict) else None
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(
            label, [("scenario.extends", f"{parent!r} is not allowed; allowed: a scenario name or path")]
        )
    if depth >= 5:
        raise ScenarioError(label, [("scenario.extends", "chain of 'extends' is longer than 5 (a cycle?)")])
    if parent in bundled:
        ppath = bundled[parent]
    else:
        ppath = (path.parent / parent).resolve()
        if not ppath.is_file():
            allowed = ", ".join(bundled)
            raise ScenarioError(
                label, [("scenario.extends", f"{parent!r} is neither a bundled scenario ({allowed}) nor a file")]
            )
    base = _resolve_extends(_read_toml(ppath, parent), ppath, parent, bundled, depth + 1)
    base.get("scenario", {}).pop("extends", None)
    own = copy.deepcopy(raw)
    own["scenario"].pop("extends")
    return _merge(base, own)


def load_scenario(source: str | Path | Scenario, **overrides: Any) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path or Scenario
        A bundled scenario name (``"baseline"``, ``"classroom"``, see ``ftzsim scenarios``),
        a path to a TOML file, or an already loaded :class:`Scenario`.
    **overrides
        Registry parameters, ``zone.NAME.lever`` keys or run settings to replace
        (see :meth:`Scenario.with_overrides`).

    Raises
    ------
    ScenarioError
        Naming the file, the field path and the allowed values for every problem found.
    """
    if isinstance(source, Scenario):
        return source.with_overrides(**overrides)
    bundled = bundled_scenarios()
    if isinstance(source, str) and source in bundled:
        path, label = bundled[source], f"{source}.toml"
    else:
        path = Path(source)
        label = str(source)
        if not path.exists() and isinstance(source, str) and not source.endswith(".toml"):
            raise ScenarioError(
                label,
                [("", f"no such file or bundled scenario; bundled: {', '.join(bundled)}")],
            )
    raw = _resolve_extends(_read_toml(path, label), path, label, bundled)
    if overrides:
        try:
            _apply_overrides(raw, overrides)
        except ScenarioError as exc:
            raise ScenarioError(f"{label} (override)", exc.problems) from None
    return _validate(raw, label)
