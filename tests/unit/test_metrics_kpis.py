"""The pure part of metrics: which increments each event yields, the derived ratio, ISO weeks."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from tandem_metrics.kpis.rules import (
    ALL,
    CONSUMED_EVENT_TYPES,
    KPIS,
    Direction,
    Increment,
    check_iso_week,
    increments,
    ratio,
    value_of,
)
from tandem_shared.contracts.capacity import (
    BookingCreated,
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
    ChangeSubmitted,
)
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.contracts.portfolio import ProjectCreated

T0, T1 = datetime(2026, 12, 1, 22, tzinfo=UTC), datetime(2026, 12, 9, 2, tzinfo=UTC)
WEEKS = [WeekHours(week="2026-W49", hours=4), WeekHours(week="2026-W50", hours=2)]


def created(type_: str = "normal") -> ChangeCreated:
    return ChangeCreated(id=uuid.uuid4(), title="Patch", type=type_, state="new", requested_by="alice",
                         assignee_id=None, effort_hours=0, planned_start=T0, planned_end=T1, affected_cis=[])


def booking(source: str = "change", weeks: list[WeekHours] = WEEKS) -> BookingCreated:
    return BookingCreated(id=uuid.uuid4(), person_id=uuid.uuid4(), source=source, source_id="c-1", kind="hard",
                          start=T0, end=T1, hours=sum(w.hours for w in weeks), weeks=weeks)


def released(source: str = "change", weeks: list[WeekHours] = WEEKS) -> BookingReleased:
    return BookingReleased(id=uuid.uuid4(), person_id=uuid.uuid4(), source=source, source_id="c-1",
                           hours=sum(w.hours for w in weeks), weeks=weeks, reason="change canceled")


def as_map(incs: list[Increment], *, weeks: bool = False) -> dict[tuple[str, str], float]:
    """The organisation's increments over all time (and per week when asked), as the first release counted them."""
    return {(i.kpi, i.period): i.delta for i in incs
            if i.dimension == "" and (i.period == ALL or (weeks and "W" in i.period))}


def test_change_events_count_once_each_and_emergencies_twice():
    assert as_map(increments(created("normal"))) == {("changes_created", ALL): 1}
    assert as_map(increments(created("emergency"))) == {("changes_created", ALL): 1, ("emergency_changes", ALL): 1}
    approved = ChangeApproved(id=uuid.uuid4(), type="standard", approved_by="bob", pre_authorised=True,
                              assignee_id=None, effort_hours=0, planned_start=T0, planned_end=T1, state="scheduled")
    assert as_map(increments(approved)) == {("changes_approved", ALL): 1}
    canceled = ChangeCanceled(id=uuid.uuid4(), type="emergency", canceled_by="bob", reason=None,
                              from_state="new", was_approved=False)
    assert as_map(increments(canceled)) == {("changes_canceled", ALL): 1}


def test_other_services_creations_count():
    project = ProjectCreated(id=uuid.uuid4(), name="ERP", category="run", stage="proposed", sponsor=None,
                             start_date=date(2027, 1, 4), go_live_date=None, created_by="pat")
    article = ArticleCreated(id=uuid.uuid4(), title="Runbook", kind="how_to", status="draft", author="kim",
                             project_id=None, change_id=None)
    assert as_map(increments(project)) == {("projects_created", ALL): 1}
    assert as_map(increments(article)) == {("articles_created", ALL): 1}


def test_change_bookings_add_and_release_hours_per_week_and_in_total():
    assert as_map(increments(booking()), weeks=True) == {
        ("change_hours_booked", "2026-W49"): 4, ("change_hours_booked", "2026-W50"): 2,
        ("change_hours_booked", ALL): 6}
    assert as_map(increments(released()), weeks=True) == {
        ("change_hours_booked", "2026-W49"): -4, ("change_hours_booked", "2026-W50"): -2,
        ("change_hours_booked", ALL): -6}


def test_bookings_of_other_sources_count_as_their_own_and_unconsumed_events_count_nothing():
    assert {i.kpi for i in increments(booking("project"))} == {"booked_hours_project"}
    assert {i.kpi for i in increments(released("operations"))} == {"booked_hours_operations"}
    assert as_map(increments(PersonCreated(id=uuid.uuid4(), name="Eve", email=None, team="Net", skills=[],
                                           weekly_hours=40))) == {("capacity_weekly_hours", ALL): 40}
    assert increments(ChangeSubmitted(id=uuid.uuid4(), type="normal", from_state="new", state="assess",
                                      submitted_by="alice")) == []


def test_a_week_named_twice_becomes_one_increment():
    twice = [WeekHours(week="2026-W49", hours=1.5), WeekHours(week="2026-W49", hours=2.5)]
    incs = [i for i in increments(booking(weeks=twice)) if i.dimension == ""]
    assert len(incs) == 3  # the week, the month of its Thursday, all time
    assert as_map(incs, weeks=True) == {("change_hours_booked", "2026-W49"): 4, ("change_hours_booked", ALL): 4}
    assert {(i.period, i.delta) for i in incs} >= {("2026-12", 4)}


def test_replaying_a_history_rebuilds_the_same_values_whatever_the_order_of_topics():
    history = [created("emergency"), created(), created(), booking(), released()]
    totals: list[dict[tuple[str, str], float]] = []
    for events in (history, list(reversed(history))):
        values: dict[tuple[str, str], float] = defaultdict(float)
        for event in events:
            for inc in increments(event):
                if inc.dimension == "":
                    values[(inc.kpi, inc.period)] += inc.delta
        totals.append(dict(values))
    assert totals[0] == totals[1]
    assert totals[0][("changes_created", ALL)] == 3 and totals[0][("change_hours_booked", "2026-W49")] == 0


def test_emergency_ratio_is_derived_and_zero_without_changes():
    kpi = KPIS["emergency_change_ratio"]
    assert kpi.derived and kpi.unit == "ratio" and kpi.direction is Direction.LOWER_IS_BETTER
    assert value_of(kpi, {}) == 0.0
    assert value_of(kpi, {"emergency_changes": 1, "changes_created": 3}) == pytest.approx(1 / 3)
    assert value_of(KPIS["changes_created"], {"changes_created": 3}) == 3
    assert ratio(0, 0) == 0.0 and ratio(2, 4) == 0.5


def test_registry_covers_what_it_consumes():
    assert set(CONSUMED_EVENT_TYPES) >= {
        "change.request.created.v1", "change.request.approved.v1", "change.request.canceled.v1",
        "change.request.scheduled.v1", "change.request.implemented.v1",
        "capacity.booking.created.v1", "capacity.booking.released.v1", "capacity.booking.moved.v1",
        "portfolio.project.created.v1", "knowledge.article.created.v1", "capacity.person.overallocated.v1",
        "capacity.person.overallocation_cleared.v1", "capacity.person.burnout_risk_raised.v1",
        "capacity.person.burnout_risk_cleared.v1", "capacity.person.created.v1", "portfolio.milestone.completed.v1",
        "portfolio.project.scope_changed.v1", "portfolio.project.status_reported.v1",
        "portfolio.project.business_case_updated.v1", "portfolio.project.benefit_realised.v1"}
    assert [k for k, kpi in KPIS.items() if kpi.weekly] == ["change_hours_booked"]
    for kpi in KPIS.values():
        assert kpi.key and kpi.name and kpi.unit in {"count", "hours", "ratio", "minutes", "money", "score",
                                                     "points"} and kpi.description
        assert all(part in KPIS and not KPIS[part].derived for part in kpi.ratio_of or ())


def scheduled(risk: str = "low", lead: float = 10.0) -> ChangeScheduled:
    return ChangeScheduled(id=uuid.uuid4(), type="normal", risk=risk, assignee_id=None, effort_hours=0,
                           planned_start=T0, planned_end=T1, created_at=T0, scheduled_at=T1, lead_time_hours=lead,
                           state="scheduled")


def implemented(outcome: str) -> ChangeImplemented:
    return ChangeImplemented(id=uuid.uuid4(), type="normal", outcome=outcome, team="Platform", assignee_id=None,
                             risk="low", affected_cis=[], project_id=None, actual_start=T0, actual_end=T1,
                             incidents_caused=[], completed_by="bob", state="review")


def test_scheduled_changes_count_per_risk_and_add_their_lead_time():
    assert as_map(increments(scheduled("high", 30.5))) == {
        ("changes_scheduled", ALL): 1, ("changes_risk_high", ALL): 1, ("change_lead_time_hours", ALL): 30.5}
    assert as_map(increments(scheduled("low", 0)))[("changes_risk_low", ALL)] == 1


@pytest.mark.parametrize(("outcome", "succeeded"), [("successful", 1), ("successful_with_issues", 1),
                                                      ("failed", 0), ("backed_out", 0)])
def test_implemented_changes_count_success_by_outcome(outcome, succeeded):
    expected = {("changes_implemented", ALL): 1}
    if succeeded:
        expected[("changes_implemented_successfully", ALL)] = 1
    assert as_map(increments(implemented(outcome))) == expected


def test_success_rate_and_mean_lead_time_are_derived_from_a_replayable_history():
    history = [scheduled("low", 10), scheduled("high", 20), implemented("successful"),
               implemented("successful_with_issues"), implemented("failed"), implemented("backed_out")]
    stored: dict[str, float] = defaultdict(float)
    for event in history + list(reversed(history)):  # replaying twice the other way round doubles, same ratios
        for inc in increments(event):
            if (inc.period, inc.dimension) == (ALL, ""):
                stored[inc.kpi] += inc.delta
    assert value_of(KPIS["change_success_rate"], stored) == pytest.approx(0.5)
    assert value_of(KPIS["change_mean_lead_time_hours"], stored) == pytest.approx(15)
    assert KPIS["change_mean_lead_time_hours"].unit == "hours" and value_of(KPIS["change_success_rate"], {}) == 0
    assert (stored["changes_risk_low"], stored["changes_risk_high"], stored["changes_risk_moderate"]) == (2, 2, 0)


@pytest.mark.parametrize("week", ["2026-W01", "2026-W53", "2020-W53"])
def test_iso_weeks_accepted(week):
    assert check_iso_week(week) == week


@pytest.mark.parametrize("week", ["2026-W54", "2027-W53", "2026-W00", "2026W01", "2026-w01", "26-W01",
                                  "2026-W1", "２０２６-W01", "2026-W01 "])
def test_malformed_iso_weeks_refused(week):
    with pytest.raises(ValueError):
        check_iso_week(week)


def episode(contract, episode_id: uuid.UUID | None = None):  # noqa: ANN001 - an episode contract class
    return contract(episode_id=episode_id or uuid.uuid4(), person_id=uuid.uuid4(), team="Platform",
                    first_week="2027-W01", last_week="2027-W02", peak_utilisation=1.2)


def test_episodes_count_once_and_open_ones_go_up_and_down():
    assert as_map(increments(episode(PersonOverallocated))) == {
        ("overallocation_episodes", ALL): 1, ("people_overallocated", ALL): 1,
        ("overallocated_people_weeks", ALL): 2}
    assert as_map(increments(episode(PersonOverallocationCleared))) == {("people_overallocated", ALL): -1}
    assert as_map(increments(episode(PersonBurnoutRiskRaised))) == {
        ("burnout_risk_episodes", ALL): 1, ("people_at_burnout_risk", ALL): 1}
    assert as_map(increments(episode(PersonBurnoutRiskCleared))) == {("people_at_burnout_risk", ALL): -1}


def test_replaying_episodes_yields_the_same_numbers():
    history = [episode(PersonOverallocated), episode(PersonBurnoutRiskRaised), episode(PersonOverallocated),
               episode(PersonOverallocationCleared), episode(PersonBurnoutRiskCleared)]
    runs = []
    for _ in range(2):
        values: dict[tuple[str, str], float] = defaultdict(float)
        for event in history:
            for inc in increments(event):
                if (inc.period, inc.dimension) == (ALL, "") and inc.kpi != "overallocated_people_weeks":
                    values[(inc.kpi, inc.period)] += inc.delta
        runs.append(dict(values))
    assert runs[0] == runs[1] == {("overallocation_episodes", ALL): 2, ("people_overallocated", ALL): 1,
                                  ("burnout_risk_episodes", ALL): 1, ("people_at_burnout_risk", ALL): 0}


def test_every_type_the_facts_lookup_checks_skips_its_shortcut() -> None:
    # `_facts` returns NO_FACTS at once for types outside `_LOOKS_UP`: a branch added for another type must add it.
    import inspect
    import re

    from tandem_metrics.kpis import apply

    checked: set[type] = set()
    for name in re.findall(r"isinstance\(data, (\w+)\)", inspect.getsource(apply._facts)):
        found = getattr(apply, name)
        checked.update(found if isinstance(found, tuple) else (found,))
    assert checked and checked == set(apply._LOOKS_UP)
