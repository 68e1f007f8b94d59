"""Turning projects into a SelectionProblem, and a SelectionResult back into the API's terms: pure, no I/O.

The repository loads the facts (projects, demand lines, business cases, scores, the capacity outlook); `build`
checks the request against them (a 422 names the field) and lays every candidate's demand out over the horizon's
ISO weeks. Conventions (docs/portfolio.md, "Selection runs"):

- A project's planned start is its earliest demand line's start (its start date without demand, else the
  horizon's first week); its profile is hours per skill per week counted from there. Lines without a skill are
  matched by role in capacity and are not constrained here.
- It may start from its planned start up to `default_window_weeks` later, or in the window the request gives it.
  A project planned to start before the horizon is already under way: its remaining profile starts in week 0,
  fixed. A project planned after the horizon's last week needs nothing inside it.
- Cost per budget period is the business case's capex + opex per year (or quarter); a project without a case
  costs 0 and its NPV is 0.
- Capacity's free hours are net of every active booking, the candidates' own included: the hours of a live
  (not on hold) candidate's named lines, which capacity booked, are added back to their skill in their planned
  weeks, so the run does not count them twice (`meta.added_back_hours`). An approximation: a booked person who
  holds several skills lowered each skill's free hours, and only the line's skill gets them back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tandem_shared.errors import ValidationProblem

from tandem_portfolio.capacity_outlook.weeks import iso_weeks, label, monday, weeks_between
from tandem_portfolio.months import format_quarter
from tandem_portfolio.selections.problem import (
    BalanceRule,
    Binding,
    Candidate,
    Dependency,
    FrontierPoint,
    SelectionProblem,
    SelectionResult,
)
from tandem_portfolio.selections.schemas import SelectionCreate

DEFAULT_WEEKS = 26  # the horizon without a snapshot or an explicit length
MUST_STAGES = frozenset({"executing", "transition"})  # "already executing": must-do unless the request says not


@dataclass(frozen=True)
class ProjectFacts:
    """What a candidate brings from the projects table."""

    id: uuid.UUID
    name: str
    category: str
    stage: str
    start_date: date | None = None


@dataclass(frozen=True)
class DemandFact:
    """One demand line: hours per week of a skill over a range of days; `named` when it names a person (capacity
    booked it when it was planned, unless the project was on hold since)."""

    skill: str | None
    hours_per_week: float
    start: date
    end: date
    named: bool = False


@dataclass(frozen=True)
class CaseFacts:
    """A business case's currency, NPV and planned costs (capex + opex) per month number."""

    currency: str
    npv: float
    costs_by_month: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class OutlookFacts:
    """The capacity snapshot portfolio holds: free hours per skill over weeks from `first_week`."""

    first_week: str
    week_count: int
    free: Mapping[str, Sequence[float]]


@dataclass
class BuildInputs:
    """Everything `build` reads."""

    projects: Sequence[ProjectFacts]
    demand: Mapping[uuid.UUID, Sequence[DemandFact]] = field(default_factory=dict)
    cases: Mapping[uuid.UUID, CaseFacts] = field(default_factory=dict)
    scores: Mapping[uuid.UUID, float] = field(default_factory=dict)
    outlook: OutlookFacts | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())


@dataclass(frozen=True)
class Built:
    """The problem, and what the API needs besides it to report (names, stages, planned starts, weeks)."""

    problem: SelectionProblem
    meta: dict[str, Any]


def _field(name: str, message: str) -> ValidationProblem:
    return ValidationProblem.field(name, message)


def _horizon(request: SelectionCreate, outlook: OutlookFacts | None, today: date) -> list[str]:
    snapshot = request.capacity.source == "snapshot"
    if snapshot and outlook is None:
        raise _field("capacity.source", "capacity has not published a snapshot yet: give capacity explicitly "
                     "(source explicit)")
    try:
        first = request.horizon.first_week or (outlook.first_week if snapshot and outlook else label(today))
        count = request.horizon.weeks or (outlook.week_count if snapshot and outlook else DEFAULT_WEEKS)
        weeks = iso_weeks(first, count)
    except ValueError as exc:
        raise _field("horizon.first_week", str(exc)) from exc
    if snapshot and outlook is not None:
        covered = iso_weeks(outlook.first_week, outlook.week_count)
        if weeks[0] not in covered or weeks[-1] not in covered:
            raise _field("horizon.first_week" if weeks[0] not in covered else "horizon.weeks",
                         f"capacity's snapshot covers {covered[0]} to {covered[-1]}; plan inside it or give "
                         "capacity explicitly")
    return weeks


def _capacity(request: SelectionCreate, weeks: list[str], outlook: OutlookFacts | None) -> dict[str, list[float]]:
    spec = request.capacity
    capacity: dict[str, list[float]] = {}
    if spec.source == "snapshot":
        assert outlook is not None  # _horizon refused the run otherwise
        offset = iso_weeks(outlook.first_week, outlook.week_count).index(weeks[0])
        for skill, hours in outlook.free.items():
            capacity[skill.lower()] = [float(h) for h in hours[offset:offset + len(weeks)]]
    else:
        index = {week: i for i, week in enumerate(weeks)}
        for skill, by_week in spec.skills.items():
            row = capacity.setdefault(skill, [0.0] * len(weeks))
            for week, free in by_week.items():
                if week in index:
                    row[index[week]] = float(free)
    for i, delta in enumerate(spec.deltas):
        try:
            start = weeks_between(monday(weeks[0]), monday(delta.from_week))
            end = weeks_between(monday(weeks[0]), monday(delta.to_week)) if delta.to_week else len(weeks) - 1
        except ValueError as exc:
            raise _field(f"capacity.deltas.{i}.from_week", str(exc)) from exc
        if end < start:
            raise _field(f"capacity.deltas.{i}.to_week", "is before from_week")
        row = capacity.setdefault(delta.skill, [0.0] * len(weeks))
        for k in range(max(start, 0), min(end, len(weeks) - 1) + 1):
            row[k] = max(0.0, row[k] + delta.hours_per_week)
    return capacity


def _values(request: SelectionCreate, inputs: BuildInputs) -> dict[uuid.UUID, float]:
    npv = {p.id: inputs.cases[p.id].npv if p.id in inputs.cases else 0.0 for p in inputs.projects}
    score = {p.id: float(inputs.scores.get(p.id, 0.0)) for p in inputs.projects}
    spec = request.value
    if spec.kind == "npv":
        return npv
    if spec.kind == "score":
        return score
    # A mix puts both on one scale: each as a share of the largest among the candidates, times 100.
    top_score = max((abs(v) for v in score.values()), default=0.0) or 1.0
    top_npv = max((abs(v) for v in npv.values()), default=0.0) or 1.0
    return {pid: 100 * (spec.score_weight * score[pid] / top_score + spec.npv_weight * npv[pid] / top_npv)
            for pid in npv}


def _currency(request: SelectionCreate, inputs: BuildInputs) -> str | None:
    currencies = {case.currency for pid, case in inputs.cases.items()}
    currency = request.currency
    if currency is None:
        if len(currencies) > 1:
            raise _field("currency", f"the candidates' business cases are in {', '.join(sorted(currencies))}: "
                         "name the run's currency (cases in others are then refused)")
        currency = next(iter(currencies), None)
    other = sorted(p.name for p in inputs.projects if p.id in inputs.cases and inputs.cases[p.id].currency != currency)
    if other:
        raise _field("currency", f"not the currency of the business cases of {', '.join(other[:5])}"
                     f"{' …' if len(other) > 5 else ''}: leave them out or run in their currency")
    return currency


def _period(month: int, quarterly: bool) -> str:
    return format_quarter(month // 3) if quarterly else f"{month // 12:04d}"


def _profile(lines: Sequence[DemandFact], planned: date) -> dict[str, list[float]]:
    profile: dict[str, list[float]] = {}
    for line in lines:
        if not line.skill:
            continue
        first, last = weeks_between(planned, line.start), weeks_between(planned, line.end)
        row = profile.setdefault(line.skill.lower(), [])
        if len(row) <= last:
            row.extend([0.0] * (last + 1 - len(row)))
        for k in range(first, last + 1):
            row[k] += line.hours_per_week
    return profile


def _index_of(ids: Mapping[uuid.UUID, ProjectFacts], project_id: uuid.UUID, name: str) -> str:
    if project_id not in ids:
        raise _field(name, "is not among the candidates (check the candidate filter)")
    return str(project_id)


def build(request: SelectionCreate, inputs: BuildInputs) -> Built:
    """The SelectionProblem of a request over these facts, or a 422 naming the offending field."""
    projects = {p.id: p for p in inputs.projects}
    for i, pid in enumerate(request.candidates.project_ids):
        if pid not in projects:
            raise _field(f"candidates.project_ids.{i}", "no such project in the stages and categories asked")
    if not projects:
        raise _field("candidates", "no project matches the filter")
    weeks = _horizon(request, inputs.outlook, inputs.today)
    horizon_start = monday(weeks[0])
    capacity = _capacity(request, weeks, inputs.outlook)
    values = _values(request, inputs)
    currency = _currency(request, inputs)
    quarterly = request.budget_period == "quarter"
    windows: dict[uuid.UUID, tuple[int, int]] = {}
    for i, window in enumerate(request.start_windows):
        _index_of(projects, window.project_id, f"start_windows.{i}.project_id")
        earliest = weeks_between(horizon_start, monday(window.earliest))
        latest = weeks_between(horizon_start, monday(window.latest))
        if not 0 <= earliest < len(weeks):
            raise _field(f"start_windows.{i}.earliest", f"outside the horizon {weeks[0]} to {weeks[-1]}")
        if not earliest <= latest < len(weeks):
            raise _field(f"start_windows.{i}.latest", f"before earliest or after the horizon's end {weeks[-1]}")
        windows[window.project_id] = (earliest, latest)
    must = set(request.must_do)
    for i, pid in enumerate(request.must_do):
        _index_of(projects, pid, f"must_do.{i}")
    for i, pid in enumerate(request.never_do):
        _index_of(projects, pid, f"never_do.{i}")
        if pid in must:
            raise _field(f"never_do.{i}", "is also must-do")
    if request.executing_is_must:
        must |= {p.id for p in inputs.projects if p.stage in MUST_STAGES and p.id not in set(request.never_do)}
    never = set(request.never_do)

    if request.capacity.source == "snapshot":
        added_back = _add_back(capacity, inputs, horizon_start, len(weeks))
    else:
        added_back = 0.0
    candidates, meta_projects = [], {}
    for project in sorted(inputs.projects, key=lambda p: str(p.id)):
        lines = inputs.demand.get(project.id, ())
        planned = min((line.start for line in lines), default=project.start_date or horizon_start)
        profile = _profile(lines, planned)
        start = weeks_between(horizon_start, planned)
        if start < 0:  # under way: what remains starts now, where it is
            profile = {skill: hours[-start:] for skill, hours in profile.items() if len(hours) > -start}
            earliest = latest = 0
        elif start >= len(weeks):  # after the horizon: nothing to plan against inside it
            profile, earliest, latest = {}, len(weeks) - 1, len(weeks) - 1
        else:
            earliest, latest = start, min(start + request.default_window_weeks, len(weeks) - 1)
        earliest, latest = windows.get(project.id, (earliest, latest))
        case = inputs.cases.get(project.id)
        costs: dict[str, float] = {}
        for month, amount in (case.costs_by_month.items() if case else ()):
            key = _period(month, quarterly)
            costs[key] = costs.get(key, 0.0) + float(amount)
        candidates.append(Candidate(
            id=str(project.id), name=project.name, value=float(values[project.id]), category=project.category,  # type: ignore[arg-type]
            earliest_start=earliest, latest_start=latest, demand=profile, cost_by_period=costs,
            must=project.id in must, never=project.id in never))
        meta_projects[str(project.id)] = {"name": project.name, "category": project.category, "stage": project.stage,
                                          "planned_start": start, "in_horizon": start < len(weeks)}

    dependencies = []
    for i, dep in enumerate(request.dependencies):
        a = _index_of(projects, dep.project_id, f"dependencies.{i}.project_id")
        b = _index_of(projects, dep.requires, f"dependencies.{i}.requires")
        if a == b:
            raise _field(f"dependencies.{i}.requires", "a project cannot require itself")
        dependencies.append(Dependency(project=a, requires=b))
    exclusions = []
    for i, pair in enumerate(request.exclusions):
        a = _index_of(projects, pair.a, f"exclusions.{i}.a")
        b = _index_of(projects, pair.b, f"exclusions.{i}.b")
        if a == b:
            raise _field(f"exclusions.{i}.b", "a project cannot exclude itself")
        exclusions.append((a, b))
    problem = SelectionProblem(
        weeks=weeks, candidates=candidates, capacity=capacity,
        budget_by_period={key: float(amount) for key, amount in request.budget.items()},
        balance=[BalanceRule(category=r.category.value, minimum=r.minimum, maximum=r.maximum, basis=r.basis)
                 for r in request.balance],
        dependencies=dependencies, exclusions=exclusions, time_limit_seconds=request.time_limit_seconds,
        mip_gap=request.mip_gap)
    return Built(problem=problem, meta={"weeks": weeks, "currency": currency, "projects": meta_projects,
                                        "added_back_hours": round(added_back, 2)})


def _add_back(capacity: dict[str, list[float]], inputs: BuildInputs, horizon_start: date, weeks: int) -> float:
    """Give the snapshot back the hours capacity booked for the candidates' named lines; the total added."""
    total = 0.0
    for project in inputs.projects:
        if project.stage == "on_hold":
            continue  # holding released its bookings
        for line in inputs.demand.get(project.id, ()):
            if not (line.named and line.skill):
                continue
            row = capacity.setdefault(line.skill.lower(), [0.0] * weeks)
            first = max(weeks_between(horizon_start, line.start), 0)
            last = min(weeks_between(horizon_start, line.end), weeks - 1)
            for k in range(first, last + 1):
                row[k] += line.hours_per_week
                total += line.hours_per_week
    return total


def problem_to_json(problem: SelectionProblem) -> dict[str, Any]:
    """The problem as JSON-ready data (stored with the run)."""
    data = asdict(problem)
    data["exclusions"] = [list(pair) for pair in problem.exclusions]
    return data


def problem_from_json(data: Mapping[str, Any]) -> SelectionProblem:
    """The problem stored with a run."""
    return SelectionProblem(
        weeks=list(data["weeks"]),
        candidates=[Candidate(**c) for c in data["candidates"]],
        capacity={skill: list(hours) for skill, hours in data["capacity"].items()},
        budget_by_period=dict(data.get("budget_by_period", {})),
        balance=[BalanceRule(**rule) for rule in data.get("balance", [])],
        dependencies=[Dependency(**dep) for dep in data.get("dependencies", [])],
        exclusions=[(a, b) for a, b in data.get("exclusions", [])],
        time_limit_seconds=float(data.get("time_limit_seconds", 30.0)),
        mip_gap=float(data.get("mip_gap", 0.001)))


def scaled(problem: SelectionProblem, *, capacity_factor: float = 1.0) -> SelectionProblem:
    """The problem with every skill-week's capacity multiplied (what-if on the stored inputs)."""
    return SelectionProblem(**{**{f: getattr(problem, f) for f in problem.__dataclass_fields__},
                               "capacity": {s: [h * capacity_factor for h in hours]
                                            for s, hours in problem.capacity.items()}})


def outcome(problem: SelectionProblem, result: SelectionResult, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The result as SelectionOutcome data: projects named, start weeks as ISO weeks, utilisation per skill."""
    weeks = problem.weeks
    info = meta["projects"]
    by_id = {c.id: c for c in problem.candidates}
    selected = []
    for pid, start in sorted(result.selected.items(), key=lambda item: (item[1], by_id[item[0]].name)):
        c, m = by_id[pid], info[pid]
        shift = start - max(m["planned_start"], 0) if m["in_horizon"] and m["planned_start"] >= 0 else 0
        selected.append({"project_id": pid, "name": c.name, "category": c.category, "stage": m["stage"],
                         "value": c.value, "cost": c.total_cost,
                         "start_week": weeks[start] if m["in_horizon"] and 0 <= start < len(weeks) else None,
                         "shift_weeks": shift, "must": c.must})
    excluded = []
    for pid, binding in sorted(result.excluded.items(), key=lambda item: -by_id[item[0]].value):
        c = by_id[pid]
        excluded.append({"project_id": pid, "name": c.name, "category": c.category, "stage": info[pid]["stage"],
                         "value": c.value, "cost": c.total_cost, "binding": _binding(binding)})
    utilisation = []
    for skill in sorted(set(problem.capacity) | set(result.utilisation)):
        used = [round(h, 4) for h in result.utilisation.get(skill, [0.0] * len(weeks))]
        cap = [round(h, 4) for h in problem.capacity.get(skill, [0.0] * len(weeks))]
        shares = [u / c for u, c in zip(used, cap, strict=False) if c > 0]
        utilisation.append({"skill": skill, "used_hours": used, "capacity_hours": cap,
                            "peak_utilisation": round(max(shares), 4) if shares else None})
    return {"solver_status": result.status, "objective": result.objective, "gap": result.gap,
            "solve_seconds": result.solve_seconds, "greedy_objective": result.greedy_objective,
            "uplift": result.uplift, "total_cost": result.total_cost, "cost_by_period": dict(result.cost_by_period),
            "selected": selected, "excluded": excluded,
            "scarce": [asdict(s) for s in result.scarce], "utilisation": utilisation}


def _binding(binding: Binding) -> dict[str, Any]:
    return asdict(binding)


def frontier_json(points: Sequence[FrontierPoint]) -> list[dict[str, Any]]:
    """Frontier points as JSON-ready data."""
    return [asdict(point) for point in points]
