"""The RAG rules: each dimension's colour from the numbers it reads, without I/O, and the overall colour.

Schedule — milestone slippage in working days (Monday to Friday) past the baseline. Only open (not completed),
baselined milestones are judged; an open milestone whose forecast date has passed slips further every working day
until it is completed (its forecast counts as today). Green: the worst slip is at most 5 working days; amber: at
most 15; red: more than 15, or a missed go-live (an open go-live milestone whose forecast date has passed).
Budget — actual against planned cost to date (the months up to and including the current one). Overrun =
(actual − planned) / planned. Green: at most 5 % over; amber: at most 15 %; red: more. Nothing planned to date:
green if nothing was spent either, red if something was.
Scope — approved scope changes. Count: green up to 2, amber 3 to 5, red 6 or more. Cumulative cost impact (the sum
of absolute impacts: a cut unsettles scope as much as an addition) against the planned budget: green up to 5 %,
amber up to 15 %, red beyond; not judged without a budget. The worse of the two.
Resources — people booked on the project who are over-allocated: green none, amber 1, red 2 or more; unfilled role
requests: green none, amber 1 or 2, red 3 or more; the delivering team's change success score: amber below the
threshold (a delivery risk); implementation-caused disruption (incidents metrics links to the project's go-live,
weighted P1 10, P2 5, P3 2, P4 1: `disruption/rules.py`): green below 5 points, amber from 5, red from 10. The worst
of the four.
Overall — the worst colour shown across the dimensions (overrides included).
Override — a person may set a dimension's colour with a reason for at most 30 days; past its expiry the override is
ignored (decided when the status is read, so nothing has to remove it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tandem_portfolio.disruption.rules import colour as disruption_colour
from tandem_portfolio.milestones.slip import working_days_late

SCHEDULE_GREEN_MAX_SLIP = 5  # working days
SCHEDULE_AMBER_MAX_SLIP = 15
BUDGET_GREEN_MAX_OVERRUN = Decimal("0.05")
BUDGET_AMBER_MAX_OVERRUN = Decimal("0.15")
SCOPE_GREEN_MAX_CHANGES = 2
SCOPE_AMBER_MAX_CHANGES = 5
SCOPE_GREEN_MAX_COST_SHARE = Decimal("0.05")
SCOPE_AMBER_MAX_COST_SHARE = Decimal("0.15")
RESOURCES_GREEN_MAX_OVERALLOCATED = 0
RESOURCES_AMBER_MAX_OVERALLOCATED = 1
RESOURCES_GREEN_MAX_UNFILLED = 0
RESOURCES_AMBER_MAX_UNFILLED = 2
MAX_OVERRIDE = timedelta(days=30)
DIMENSIONS = ("schedule", "budget", "scope", "resources")


class Rag(StrEnum):
    """A RAG colour; red is worst."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


_RANK = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


def worst(colours: Iterable[Rag]) -> Rag:
    """The worst of the colours (green when there are none)."""
    return max(colours, key=_RANK.__getitem__, default=Rag.GREEN)


def _banded(value: Any, green_max: Any, amber_max: Any) -> Rag:
    """Green up to green_max, amber up to amber_max, red beyond (both bounds inclusive)."""
    return Rag.GREEN if value <= green_max else Rag.AMBER if value <= amber_max else Rag.RED


@dataclass(frozen=True)
class Assessment:
    """A computed colour, the words that explain it, and the numbers it used."""

    colour: Rag
    explanation: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MilestoneFacts:
    """What the schedule rule reads of a milestone."""

    name: str
    kind: str
    baseline: date | None
    forecast: date
    completed: bool = False


def schedule(milestones: Sequence[MilestoneFacts], today: date) -> Assessment:
    """Schedule colour from the worst slip of an open baselined milestone, or red for a missed go-live."""
    open_ = [m for m in milestones if not m.completed]
    judged = [m for m in open_ if m.baseline is not None]
    missed = [m for m in open_ if m.kind == "go_live" and m.forecast < today]
    slips = sorted(((working_days_late(m.baseline, max(m.forecast, today)), m) for m in judged),  # type: ignore[arg-type]
                   key=lambda pair: pair[0], reverse=True)
    worst_slip, worst_one = slips[0] if slips else (0, None)
    facts = {"today": today.isoformat(), "open_milestones": len(open_), "baselined_open": len(judged),
             "worst_slip_working_days": worst_slip, "worst_milestone": worst_one.name if worst_one else None,
             "missed_go_lives": [m.name for m in missed]}
    colour = _banded(worst_slip, SCHEDULE_GREEN_MAX_SLIP, SCHEDULE_AMBER_MAX_SLIP)
    bands = f"green ≤ {SCHEDULE_GREEN_MAX_SLIP}, amber ≤ {SCHEDULE_AMBER_MAX_SLIP} working days, red beyond"
    if worst_one is None:
        words = "no open baselined milestone to judge"
    else:
        words = (f"worst slip: '{worst_one.name}' is {worst_slip} working day(s) past its baseline "
                 f"{worst_one.baseline} (forecast {worst_one.forecast}); {bands}")
    if missed:
        colour = Rag.RED
        words = "missed go-live: " + ", ".join(f"'{m.name}' was due {m.forecast}" for m in missed) + "; " + words
    if len(open_) > len(judged):
        words += f"; {len(open_) - len(judged)} open milestone(s) without a baseline not judged"
    return Assessment(colour, words, facts)


def _money(amount: Decimal, currency: str | None) -> str:
    return f"{amount:,.2f}" + (f" {currency}" if currency else "")


def budget(planned: Decimal, actual: Decimal, currency: str | None) -> Assessment:
    """Budget colour from actual against planned cost to date."""
    facts: dict[str, Any] = {"planned_to_date": str(planned), "actual_to_date": str(actual),
                             "variance_to_date": str(actual - planned), "currency": currency, "overrun_percent": None}
    if planned <= 0:
        if actual <= 0:
            return Assessment(Rag.GREEN, "nothing planned or spent to date", facts)
        return Assessment(Rag.RED, f"{_money(actual, currency)} spent with nothing planned to date", facts)
    overrun = (actual - planned) / planned
    facts["overrun_percent"] = float(round(overrun * 100, 2))
    colour = _banded(overrun, BUDGET_GREEN_MAX_OVERRUN, BUDGET_AMBER_MAX_OVERRUN)
    direction = "over" if overrun > 0 else "under"
    return Assessment(colour, f"actual {_money(actual, currency)} against planned {_money(planned, currency)} to "
                      f"date: {abs(overrun) * 100:.1f} % {direction} (green ≤ 5 % over, amber ≤ 15 %, red beyond)",
                      facts)


def scope(approved_changes: int, cost_impact: Decimal, budget_total: Decimal | None, currency: str | None,
          schedule_impact_days: int = 0) -> Assessment:
    """Scope colour from the number of approved changes and their cumulative cost impact against the budget."""
    by_count = _banded(approved_changes, SCOPE_GREEN_MAX_CHANGES, SCOPE_AMBER_MAX_CHANGES)
    facts: dict[str, Any] = {"approved_changes": approved_changes, "cost_impact": str(cost_impact),
                             "budget": str(budget_total) if budget_total else None, "currency": currency,
                             "cost_impact_percent": None, "schedule_impact_days": schedule_impact_days}
    words = (f"{approved_changes} approved scope change(s) (green ≤ {SCOPE_GREEN_MAX_CHANGES}, "
             f"amber ≤ {SCOPE_AMBER_MAX_CHANGES}, red beyond)")
    if not budget_total or budget_total <= 0:
        return Assessment(by_count, words + "; cost impact not judged without a budget", facts)
    share = cost_impact / budget_total
    facts["cost_impact_percent"] = float(round(share * 100, 2))
    by_cost = _banded(share, SCOPE_GREEN_MAX_COST_SHARE, SCOPE_AMBER_MAX_COST_SHARE)
    words += (f"; their cost impact {_money(cost_impact, currency)} is {share * 100:.1f} % of the budget "
              f"{_money(budget_total, currency)} (green ≤ 5 %, amber ≤ 15 %, red beyond)")
    return Assessment(worst([by_count, by_cost]), words, facts)


@dataclass(frozen=True)
class OverallocatedPerson:
    """Someone booked on the project whom capacity reports over-allocated."""

    name: str
    team: str | None
    first_week: str
    peak_utilisation: float


@dataclass(frozen=True)
class DeliveryTeamScore:
    """The delivering team's change success score, and the threshold below which it is a delivery risk."""

    team: str
    score: int
    threshold: int


@dataclass(frozen=True)
class Disruption:
    """Implementation-caused disruption: the weighted points of the incidents the go-live caused, and the words."""

    points: int
    incidents: int
    explanation: str


def resources(overallocated: Sequence[OverallocatedPerson], unfilled_role_requests: int = 0,
              team_score: DeliveryTeamScore | None = None, disruption: Disruption | None = None) -> Assessment:
    """Resources colour from over-allocated people on the project, unfilled role requests, the team's score and the
    disruption its go-live caused."""
    by_people = _banded(len(overallocated), RESOURCES_GREEN_MAX_OVERALLOCATED, RESOURCES_AMBER_MAX_OVERALLOCATED)
    by_requests = _banded(unfilled_role_requests, RESOURCES_GREEN_MAX_UNFILLED, RESOURCES_AMBER_MAX_UNFILLED)
    at_risk = team_score is not None and team_score.score < team_score.threshold
    facts: dict[str, Any] = {
        "overallocated_people": [{"name": p.name, "team": p.team, "first_week": p.first_week,
                                  "peak_utilisation": p.peak_utilisation} for p in overallocated],
        "unfilled_role_requests": unfilled_role_requests,
        "delivery_team": None if team_score is None else {
            "team": team_score.team, "success_score": team_score.score, "threshold": team_score.threshold,
            "at_risk": at_risk},
        "implementation_disruption": None if disruption is None else {
            "points": disruption.points, "incidents": disruption.incidents}}
    if overallocated:
        words = (f"{len(overallocated)} person(s) booked on the project over-allocated: " + ", ".join(
            f"{p.name} ({p.team or 'no team'}, from {p.first_week}, peak {p.peak_utilisation * 100:.0f} %)"
            for p in overallocated))
    else:
        words = "nobody booked on the project is over-allocated"
    words += (f"; {unfilled_role_requests} unfilled role request(s) (green none, amber ≤ "
              f"{RESOURCES_AMBER_MAX_UNFILLED}, red beyond; over-allocated people: green none, amber 1, red 2+)")
    if team_score is not None:
        words += (f"; delivery team {team_score.team}'s change success score is {team_score.score}"
                  + (f", below the threshold {team_score.threshold}: a delivery risk (amber)" if at_risk
                     else f" (amber below {team_score.threshold})"))
    by_disruption = Rag.GREEN
    if disruption is not None and disruption.points > 0:
        by_disruption = Rag(disruption_colour(disruption.points))
        words += f"; implementation-caused disruption: {disruption.explanation}"
    return Assessment(worst([by_people, by_requests, Rag.AMBER if at_risk else Rag.GREEN, by_disruption]), words,
                      facts)


@dataclass(frozen=True)
class Override:
    """A colour set by hand for one dimension, with its reason and expiry."""

    colour: Rag
    reason: str
    expires_at: datetime
    set_by: str
    set_at: datetime


def override_in_force(override: Override | None, now: datetime) -> Override | None:
    """The override while it has not expired; None after (so an expired one is ignored without being removed)."""
    return override if override is not None and now < override.expires_at else None


def check_override_expiry(expires_at: datetime, now: datetime) -> None:
    """ValueError unless the expiry is in the future and at most 30 days away."""
    if expires_at <= now:
        raise ValueError("must be in the future")
    if expires_at - now > MAX_OVERRIDE:
        raise ValueError(f"must be at most {MAX_OVERRIDE.days} days away")


@dataclass(frozen=True)
class DimensionStatus:
    """One dimension: the colour shown (the override's while in force, else the computed one) and why."""

    dimension: str
    computed: Assessment
    override: Override | None

    @property
    def colour(self) -> Rag:
        """The colour shown."""
        return self.override.colour if self.override else self.computed.colour


def dimension_status(dimension: str, computed: Assessment, override: Override | None,
                     now: datetime) -> DimensionStatus:
    """A dimension's status at `now`: an expired override no longer counts."""
    return DimensionStatus(dimension, computed, override_in_force(override, now))


def overall(statuses: Iterable[DimensionStatus]) -> Rag:
    """The worst colour shown."""
    return worst(status.colour for status in statuses)
