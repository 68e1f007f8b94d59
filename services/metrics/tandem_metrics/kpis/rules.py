"""The KPI registry and the increments each event adds: a pure function of the event, so replays rebuild it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingReleased,
    PersonBurnoutRiskCleared,
    PersonBurnoutRiskRaised,
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
from tandem_shared.contracts.portfolio import ProjectCreated
from tandem_shared.events import EventData

ALL = "all"
# The dimension of organisation-wide values; per-team or per-service dimensions come later.
ORGANISATION = ""
_ISO_WEEK = re.compile(r"(?P<year>[0-9]{4})-W(?P<week>[0-9]{2})")


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Kpi:
    """One KPI: stored from increments, weekly when it keeps an ISO-week series, or a ratio of two stored KPIs."""

    key: str
    name: str
    unit: str
    direction: Direction
    description: str
    weekly: bool = False
    ratio_of: tuple[str, str] | None = None

    @property
    def derived(self) -> bool:
        return self.ratio_of is not None


@dataclass(frozen=True)
class Increment:
    """Add `delta` to one KPI value of one period ('all' or an ISO week) and dimension."""

    kpi: str
    period: str
    delta: float
    dimension: str = ORGANISATION


KPIS: dict[str, Kpi] = {k.key: k for k in (
    Kpi("changes_created", "Changes created", "count", Direction.NEUTRAL,
        "Change requests raised: one per change.request.created.v1."),
    Kpi("changes_approved", "Changes approved", "count", Direction.NEUTRAL,
        "Changes authorised, pre-authorised standard changes included: one per change.request.approved.v1."),
    Kpi("changes_canceled", "Changes canceled", "count", Direction.LOWER_IS_BETTER,
        "Changes canceled: one per change.request.canceled.v1."),
    Kpi("emergency_changes", "Emergency changes", "count", Direction.LOWER_IS_BETTER,
        "Change requests raised as type emergency: one per change.request.created.v1 of that type."),
    Kpi("emergency_change_ratio", "Emergency change ratio", "ratio", Direction.LOWER_IS_BETTER,
        "emergency_changes / changes_created, computed when read; 0 while no change was created.",
        ratio_of=("emergency_changes", "changes_created")),
    Kpi("changes_implemented", "Changes implemented", "count", Direction.NEUTRAL,
        "Changes whose implementation finished, whatever the outcome: one per change.request.implemented.v1."),
    Kpi("changes_implemented_successfully", "Changes implemented successfully", "count", Direction.HIGHER_IS_BETTER,
        "change.request.implemented.v1 with outcome successful or successful_with_issues."),
    Kpi("change_success_rate", "Change success rate", "ratio", Direction.HIGHER_IS_BETTER,
        "changes_implemented_successfully / changes_implemented (successful and successful with issues over "
        "every implemented change), computed when read; 0 while none was implemented.",
        ratio_of=("changes_implemented_successfully", "changes_implemented")),
    Kpi("changes_scheduled", "Changes scheduled", "count", Direction.NEUTRAL,
        "Changes authorised (or pre-authorised) and scheduled: one per change.request.scheduled.v1."),
    Kpi("change_lead_time_hours", "Change lead time, summed", "hours", Direction.NEUTRAL,
        "Sum over scheduled changes of the hours from creation to scheduling (lead_time_hours of "
        "change.request.scheduled.v1); the numerator of the mean lead time."),
    Kpi("change_mean_lead_time_hours", "Mean change lead time", "hours", Direction.LOWER_IS_BETTER,
        "change_lead_time_hours / changes_scheduled: mean hours from a change's creation to its scheduling, "
        "computed when read; 0 while none was scheduled.",
        ratio_of=("change_lead_time_hours", "changes_scheduled")),
    *[Kpi(f"changes_risk_{level}", f"Changes at {level} risk", "count", Direction.NEUTRAL,
          f"Changes scheduled at {level} risk: one per change.request.scheduled.v1 with risk {level} (each "
          "change is scheduled once).") for level in ("low", "moderate", "high")],
    Kpi("change_hours_booked", "Change hours booked", "hours", Direction.NEUTRAL,
        "Implementer hours booked for changes per ISO week: capacity.booking.created.v1 with source change "
        "adds each week's hours, capacity.booking.released.v1 with source change takes them off; "
        "the value is the sum over all weeks.", weekly=True),
    Kpi("overallocation_episodes", "Over-allocation episodes", "count", Direction.LOWER_IS_BETTER,
        "Episodes of a person booked above 100 % of their available hours: one per "
        "capacity.person.overallocated.v1 (an episode lasting several weeks counts once)."),
    Kpi("people_overallocated", "People over-allocated now", "count", Direction.LOWER_IS_BETTER,
        "Open over-allocation episodes: +1 per capacity.person.overallocated.v1, -1 per "
        "capacity.person.overallocation_cleared.v1 (a person with two separate runs of weeks counts twice)."),
    Kpi("burnout_risk_episodes", "Burnout-risk episodes", "count", Direction.LOWER_IS_BETTER,
        "Episodes of a person booked at 90 % or more for four weeks running: one per "
        "capacity.person.burnout_risk_raised.v1."),
    Kpi("people_at_burnout_risk", "People at burnout risk now", "count", Direction.LOWER_IS_BETTER,
        "Open burnout-risk episodes: +1 per capacity.person.burnout_risk_raised.v1, -1 per "
        "capacity.person.burnout_risk_cleared.v1."),
    Kpi("projects_created", "Projects created", "count", Direction.NEUTRAL,
        "Projects entering the portfolio: one per portfolio.project.created.v1."),
    Kpi("articles_created", "Articles created", "count", Direction.HIGHER_IS_BETTER,
        "Knowledge articles drafted: one per knowledge.article.created.v1."),
)}


def _count(kpi: str) -> list[Increment]:
    return [Increment(kpi, ALL, 1.0)]


def _weekly(kpi: str, weeks: list[WeekHours], sign: float) -> list[Increment]:
    """Each week's hours on its week, and their sum on 'all' so the value is always the series' total."""
    return [Increment(kpi, w.week, sign * w.hours) for w in weeks] + [
        Increment(kpi, ALL, sign * sum(w.hours for w in weeks))
    ]


def _change_created(data: ChangeCreated) -> list[Increment]:
    return _count("changes_created") + (_count("emergency_changes") if data.type == "emergency" else [])


def _change_implemented(data: ChangeImplemented) -> list[Increment]:
    succeeded = data.outcome in ("successful", "successful_with_issues")
    return _count("changes_implemented") + (_count("changes_implemented_successfully") if succeeded else [])


def _change_scheduled(data: ChangeScheduled) -> list[Increment]:
    return _count("changes_scheduled") + _count(f"changes_risk_{data.risk}") + [
        Increment("change_lead_time_hours", ALL, data.lead_time_hours)]


def _booking(sign: float) -> Callable[[BookingCreated | BookingReleased], list[Increment]]:
    def _apply(data: BookingCreated | BookingReleased) -> list[Increment]:
        return _weekly("change_hours_booked", data.weeks, sign) if data.source == "change" else []

    return _apply


# Each rule takes the data of its key's class (`increments` looks it up by the data's type).
RULES: dict[type[EventData], Callable[[Any], list[Increment]]] = {
    ChangeCreated: _change_created,
    ChangeApproved: lambda _data: _count("changes_approved"),
    ChangeCanceled: lambda _data: _count("changes_canceled"),
    ChangeScheduled: _change_scheduled,
    ChangeImplemented: _change_implemented,
    BookingCreated: _booking(+1.0),
    BookingReleased: _booking(-1.0),
    PersonOverallocated: lambda _data: _count("overallocation_episodes") + _count("people_overallocated"),
    PersonOverallocationCleared: lambda _data: [Increment("people_overallocated", ALL, -1.0)],
    PersonBurnoutRiskRaised: lambda _data: _count("burnout_risk_episodes") + _count("people_at_burnout_risk"),
    PersonBurnoutRiskCleared: lambda _data: [Increment("people_at_burnout_risk", ALL, -1.0)],
    ProjectCreated: lambda _data: _count("projects_created"),
    ArticleCreated: lambda _data: _count("articles_created"),
}
CONSUMED_EVENT_TYPES = tuple(cls.event_type for cls in RULES)


def increments(data: EventData) -> list[Increment]:
    """What one event adds to the KPIs, one increment per (kpi, period, dimension); none for other events."""
    rule = RULES.get(type(data))
    merged: dict[tuple[str, str, str], float] = {}
    for inc in rule(data) if rule else []:
        key = (inc.kpi, inc.period, inc.dimension)
        merged[key] = merged.get(key, 0.0) + inc.delta
    return [Increment(kpi, period, delta, dimension) for (kpi, period, dimension), delta in merged.items()]


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def value_of(kpi: Kpi, stored: Mapping[str, float]) -> float:
    """A KPI's 'all' value from the stored 'all' values by key (derived KPIs are computed from theirs)."""
    if kpi.ratio_of is not None:
        numerator, denominator = kpi.ratio_of
        return ratio(stored.get(numerator, 0.0), stored.get(denominator, 0.0))
    return stored.get(kpi.key, 0.0)


def check_iso_week(value: str) -> str:
    """The ISO week 'YYYY-Www' unchanged, or ValueError saying what is wrong with it."""
    match = _ISO_WEEK.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO week like 2026-W48")
    try:
        date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError as exc:
        raise ValueError(f"{value} is not a week of {match['year']}") from exc
    return value
