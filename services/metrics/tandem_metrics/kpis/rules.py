"""What each event adds to the stored KPI values: a pure function of the event (and of the few facts the service
looks up for it, e.g. a person's team), so replaying the events rebuilds the same values.

An increment adds `delta` to one stored value (component, period, dimension). An event counts in the periods of its
own time: the domain time it carries (a change's actual end, a milestone's actual date, a booking's weeks) or else
the envelope's time; without either it counts in 'all' only. Each count goes to the organisation and to every
dimension the event names (a change's team and project, the project's category, a person's team).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingRejected,
    BookingReleased,
    PersonBurnoutRiskCleared,
    PersonBurnoutRiskRaised,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
    WeekHours,
)
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeCreated,
    ChangeImplemented,
    ChangeScheduled,
)
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.contracts.portfolio import (
    BenefitRealised,
    BusinessCaseUpdated,
    HandoverCompleted,
    MilestoneCompleted,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStatusReported,
)
from tandem_shared.events import EventData

from tandem_metrics.kpis.catalogue import KPIS, Direction, Kpi
from tandem_metrics.kpis.dimensions import ORGANISATION, dimension
from tandem_metrics.kpis.formulas import ratio
from tandem_metrics.periods import ALL, between, check_iso_week, month_of_week, periods_of

__all__ = ["ALL", "CONSUMED_EVENT_TYPES", "KPIS", "ORGANISATION", "Direction", "Facts", "Increment", "Kpi",
           "check_iso_week", "increments", "ratio", "value_of"]

SOURCE_KPI = {"change": "change_hours_booked", "project": "booked_hours_project",
              "operations": "booked_hours_operations"}


class Increment(NamedTuple):
    """Add `delta` to one stored value of one period ('all', an ISO week or a month) and dimension.

    A named tuple rather than a dataclass: every consumed event makes a dozen, and a tuple is the cheapest to make.
    """

    kpi: str
    period: str
    delta: float
    dimension: str = ORGANISATION


@dataclass(frozen=True)
class BudgetReport:
    """A project's latest status report's budget figures (the week it was for, planned and actual to date)."""

    week: str
    planned: float
    actual: float


@dataclass(frozen=True)
class BusinessCase:
    """What a project's latest business case planned: total costs and benefits, and benefits per month."""

    costs: float
    benefits: float
    monthly_benefits: Mapping[str, float]


@dataclass(frozen=True)
class Facts:
    """What the service looked up for an event: the project's category, the booked person's team, the earlier
    state an event replaces (an episode's weeks, a project's latest report or business case)."""

    category: str | None = None
    team: str | None = None
    previous_team: str | None = None
    previous_weeks: tuple[str, str] | None = None
    previous_report: BudgetReport | None = None
    previous_case: BusinessCase | None = None


NO_FACTS = Facts()


def _dims(*pairs: tuple[str, Any]) -> list[str]:
    """The organisation and each named dimension whose value is known."""
    return [ORGANISATION, *(dimension(kind, value) for kind, value in pairs if value not in (None, ""))]


def _at(deltas: Mapping[str, float], when: datetime | date | None, dims: Iterable[str]) -> list[Increment]:
    """Each delta in 'all' and in the week and month of `when` (only 'all' without a time), for each dimension."""
    periods = periods_of(when) if when is not None else (ALL,)
    return [Increment(kpi, period, delta, dim) for dim in dims for period in periods
            for kpi, delta in deltas.items() if delta]


def _weekly(kpi: str, weeks: Iterable[WeekHours], sign: float, dims: Iterable[str]) -> list[Increment]:
    """Each week's hours on its week and its Thursday's month, and their sum on 'all'."""
    weeks = list(weeks)
    found = []
    for dim in dims:
        found += [Increment(kpi, w.week, sign * w.hours, dim) for w in weeks]
        found += [Increment(kpi, month_of_week(w.week), sign * w.hours, dim) for w in weeks]
        found.append(Increment(kpi, ALL, sign * sum(w.hours for w in weeks), dim))
    return found


def _count(kpi: str, when: datetime | date | None, dims: Iterable[str] = (ORGANISATION,)) -> list[Increment]:
    return _at({kpi: 1.0}, when, dims)


def _change_created(data: ChangeCreated, at: datetime | None, facts: Facts) -> list[Increment]:
    return _at({"changes_created": 1.0, "emergency_changes": 1.0 if data.type == "emergency" else 0.0},
               at, [ORGANISATION])


def _change_implemented(data: ChangeImplemented, at: datetime | None, facts: Facts) -> list[Increment]:
    succeeded = data.outcome in ("successful", "successful_with_issues")
    dims = _dims(("team", data.team), ("project", data.project_id), ("category", facts.category))
    return _at({"changes_implemented": 1.0, "changes_implemented_successfully": 1.0 if succeeded else 0.0},
               data.actual_end, dims)


def _change_scheduled(data: ChangeScheduled, at: datetime | None, facts: Facts) -> list[Increment]:
    return _at({"changes_scheduled": 1.0, f"changes_risk_{data.risk}": 1.0,
                "change_lead_time_hours": data.lead_time_hours}, data.scheduled_at, [ORGANISATION])


def _booking(sign: float) -> Callable[[BookingCreated | BookingReleased, datetime | None, Facts], list[Increment]]:
    def _apply(data: BookingCreated | BookingReleased, at: datetime | None, facts: Facts) -> list[Increment]:
        return _weekly(SOURCE_KPI[data.source], data.weeks, sign, _dims(("team", facts.team)))

    return _apply


def _booking_moved(data: BookingMoved, at: datetime | None, facts: Facts) -> list[Increment]:
    kpi = SOURCE_KPI[data.source]
    return (_weekly(kpi, data.previous_weeks, -1.0, _dims(("team", facts.previous_team)))
            + _weekly(kpi, data.weeks, +1.0, _dims(("team", facts.team))))


def _week_start(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:8]), 1)


def _people_weeks(first: str, last: str, sign: float, dims: list[str]) -> list[Increment]:
    weeks = [WeekHours(week=w, hours=1.0) for w in between(first, last)]
    return _weekly("overallocated_people_weeks", weeks, sign, dims)


def _overallocated(data: PersonOverallocated, at: datetime | None, facts: Facts) -> list[Increment]:
    dims = _dims(("team", data.team))
    return (_count("overallocation_episodes", _week_start(data.first_week), dims)
            + [Increment("people_overallocated", ALL, 1.0, d) for d in dims]
            + _people_weeks(data.first_week, data.last_week, 1.0, dims))


def _overallocation_cleared(data: PersonOverallocationCleared, at: datetime | None, facts: Facts
                            ) -> list[Increment]:
    dims = _dims(("team", data.team))
    found = [Increment("people_overallocated", ALL, -1.0, d) for d in dims]
    if facts.previous_weeks is not None:  # the weeks counted when raised give way to the weeks it had at the end
        found += _people_weeks(*facts.previous_weeks, -1.0, dims) + _people_weeks(data.first_week, data.last_week,
                                                                                  1.0, dims)
    return found


def _burnout_raised(data: PersonBurnoutRiskRaised, at: datetime | None, facts: Facts) -> list[Increment]:
    dims = _dims(("team", data.team))
    return (_count("burnout_risk_episodes", _week_start(data.first_week), dims)
            + [Increment("people_at_burnout_risk", ALL, 1.0, d) for d in dims])


def _person_created(data: PersonCreated, at: datetime | None, facts: Facts) -> list[Increment]:
    return [Increment("capacity_weekly_hours", ALL, data.weekly_hours, d) for d in _dims(("team", data.team))]


def _project_created(data: ProjectCreated, at: datetime | None, facts: Facts) -> list[Increment]:
    return _count("projects_created", at, _dims(("project", data.id), ("category", data.category)))


def _milestone_completed(data: MilestoneCompleted, at: datetime | None, facts: Facts) -> list[Increment]:
    if data.baseline_date is None:
        return []
    on_time = data.actual_date <= data.baseline_date
    return _at({"milestones_completed": 1.0, "milestones_on_time": 1.0 if on_time else 0.0}, data.actual_date,
               _dims(("project", data.project_id), ("category", facts.category)))


def _scope_changed(data: ProjectScopeChanged, at: datetime | None, facts: Facts) -> list[Increment]:
    return _count("scope_changes_approved", at, _dims(("project", data.project_id), ("category", facts.category)))


def _money(value: Any) -> float | None:
    try:
        return None if value is None else float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def budget_of(data: ProjectStatusReported) -> BudgetReport | None:
    """The budget figures a status report froze (facts of its budget dimension), or None when it has none."""
    for dim in data.dimensions:
        if dim.dimension == "budget":
            planned, actual = _money(dim.facts.get("planned_to_date")), _money(dim.facts.get("actual_to_date"))
            if planned is not None and actual is not None:
                return BudgetReport(week=data.week, planned=planned, actual=actual)
    return None


def _budget_values(report: BudgetReport, sign: float) -> dict[str, float]:
    return {"budget_planned_to_date": sign * report.planned,
            "budget_abs_variance": sign * abs(report.actual - report.planned),
            "budget_variance": sign * (report.actual - report.planned)}


def _status_reported(data: ProjectStatusReported, at: datetime | None, facts: Facts) -> list[Increment]:
    report = budget_of(data)
    if report is None:
        return []
    dims = _dims(("project", data.project_id), ("category", facts.category))
    week, month = report.week, month_of_week(report.week)
    previous = facts.previous_report
    found = []
    for dim in dims:
        for kpi, delta in _budget_values(report, 1.0).items():
            found += [Increment(kpi, week, delta, dim), Increment(kpi, month, delta, dim)]
        if previous is not None and previous.week == week:  # a report filed again for its week replaces it
            for kpi, delta in _budget_values(previous, -1.0).items():
                found += [Increment(kpi, week, delta, dim), Increment(kpi, month, delta, dim)]
        # 'all' holds each project's latest report: a report for an earlier week than the latest one changes nothing
        if previous is None or week >= previous.week:
            found += [Increment(kpi, ALL, delta, dim) for kpi, delta in _budget_values(report, 1.0).items()]
            if previous is not None:
                found += [Increment(kpi, ALL, delta, dim) for kpi, delta in _budget_values(previous, -1.0).items()]
    return found


def business_case_of(data: BusinessCaseUpdated) -> BusinessCase:
    """What a business case plans, in numbers."""
    monthly: dict[str, float] = {}
    for month in data.months:
        monthly[month.month] = monthly.get(month.month, 0.0) + float(month.benefits)
    return BusinessCase(costs=float(data.total_costs), benefits=float(data.total_benefits), monthly_benefits=monthly)


def _business_case(data: BusinessCaseUpdated, at: datetime | None, facts: Facts) -> list[Increment]:
    case, previous = business_case_of(data), facts.previous_case
    dims = _dims(("project", data.project_id), ("category", facts.category))
    months = sorted(set(case.monthly_benefits) | set(previous.monthly_benefits if previous else {}))
    found = []
    for dim in dims:
        found.append(Increment("business_case_costs", ALL, case.costs - (previous.costs if previous else 0.0), dim))
        found.append(Increment("business_case_benefits", ALL,
                               case.benefits - (previous.benefits if previous else 0.0), dim))
        total = 0.0
        for month in months:  # the new plan replaces the old one month by month
            delta = case.monthly_benefits.get(month, 0.0) - (previous.monthly_benefits.get(month, 0.0)
                                                             if previous else 0.0)
            found.append(Increment("benefits_planned", month, delta, dim))
            total += delta
        found.append(Increment("benefits_planned", ALL, total, dim))
    return [i for i in found if i.delta]


def _benefit_realised(data: BenefitRealised, at: datetime | None, facts: Facts) -> list[Increment]:
    dims = _dims(("project", data.project_id), ("category", facts.category))
    amount = float(data.amount)
    return [Increment("benefits_realised", period, amount, dim) for dim in dims for period in (ALL, data.month)]


def _handover_completed(data: Any, at: datetime | None, facts: Facts) -> list[Increment]:
    timed = data.transition_hours is not None
    return _at({"handovers_completed": 1.0, "handovers_timed": 1.0 if timed else 0.0,
                "transition_hours": data.transition_hours if timed else 0.0}, data.accepted_at,
               _dims(("project", data.project_id), ("category", facts.category)))


Rule = Callable[[Any, datetime | None, Facts], list[Increment]]
RULES: dict[type[EventData], Rule] = {
    ChangeCreated: _change_created,
    ChangeApproved: lambda _data, at, _facts: _count("changes_approved", at),
    ChangeCanceled: lambda _data, at, _facts: _count("changes_canceled", at),
    ChangeScheduled: _change_scheduled,
    ChangeImplemented: _change_implemented,
    BookingCreated: _booking(+1.0),
    BookingReleased: _booking(-1.0),
    BookingMoved: _booking_moved,
    BookingRejected: lambda data, at, _facts: _count("bookings_rejected", at, _dims(("team", data.team))),
    PersonCreated: _person_created,
    PersonOverallocated: _overallocated,
    PersonOverallocationCleared: _overallocation_cleared,
    PersonBurnoutRiskRaised: _burnout_raised,
    PersonBurnoutRiskCleared: lambda data, _at, _facts: [
        Increment("people_at_burnout_risk", ALL, -1.0, d) for d in _dims(("team", data.team))],
    ProjectCreated: _project_created,
    ArticleCreated: lambda _data, at, _facts: _count("articles_created", at),
    MilestoneCompleted: _milestone_completed,
    ProjectScopeChanged: _scope_changed,
    ProjectStatusReported: _status_reported,
    BusinessCaseUpdated: _business_case,
    BenefitRealised: _benefit_realised,
    HandoverCompleted: _handover_completed,
}
CONSUMED_EVENT_TYPES = tuple(cls.event_type for cls in RULES)


def increments(data: EventData, at: datetime | None = None, facts: Facts = NO_FACTS) -> list[Increment]:
    """What one event adds, one increment per (kpi, period, dimension); none for events no KPI counts.

    `at` is the envelope's time, used when the event carries no time of its own; `facts` what the service looked up.
    """
    rule = RULES.get(type(data))
    found = rule(data, at, facts) if rule else []
    merged: dict[tuple[str, str, str], float] = {}
    for kpi, period, delta, dim in found:
        key = (kpi, period, dim)
        merged[key] = merged.get(key, 0.0) + delta
    if len(merged) == len(found):  # no key twice (the usual case): the rule's list as it is
        return found
    return [Increment(kpi, period, delta, dim) for (kpi, period, dim), delta in merged.items()]


def value_of(kpi: Kpi, stored: Mapping[str, float]) -> float:
    """A KPI's 'all' value from the stored 'all' values by key (derived KPIs are computed from theirs)."""
    value = kpi.compute.evaluate({(k, ALL): v for k, v in stored.items()}, ALL, ORGANISATION, None)
    return 0.0 if value is None else value
