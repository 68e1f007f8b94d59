"""Every KPI of the catalogue on a worked example, with exact numbers: events through the pure rules, then the
formulas over what they stored (the examples of docs/kpis.md)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tandem_metrics.kpis.catalogue import COMPONENTS, DISRUPTION_WEIGHTS, KPIS, UNITS, Direction
from tandem_metrics.kpis.dimensions import ORGANISATION, dimension, parse
from tandem_metrics.kpis.rules import BudgetReport, BusinessCase, Facts, Increment, increments
from tandem_metrics.periods import (
    ALL,
    between,
    count_between,
    month_of,
    month_of_week,
    parse_period,
    shift,
    week_of,
    weeks_in_month,
)
from tandem_metrics.signals.rules import Counted, change_of, csat_counted, incident_counted, to_five
from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
    WeekHours,
)
from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.contracts.portfolio import (
    BenefitRealised,
    BusinessCaseUpdated,
    HandoverCompleted,
    MilestoneCompleted,
    PlannedMonth,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStatusReported,
    RagDimension,
)

AT = datetime(2026, 12, 2, 10, tzinfo=UTC)


class Store:
    """Stored values as the repository keeps them: increments summed per (component, period, dimension)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], float] = defaultdict(float)

    def add(self, incs: list[Increment]) -> Store:
        for inc in incs:
            self.values[(inc.kpi, inc.period, inc.dimension)] += inc.delta
        return self

    def kpi(self, key: str, period: str = ALL, dim: str = ORGANISATION, context: object = None) -> float | None:
        mine = {(c, p): v for (c, p, d), v in self.values.items() if d == dim}
        value = KPIS[key].compute.evaluate(mine, period, dim, context)  # type: ignore[arg-type]
        return None if value is None else round(value, 9)


def test_the_catalogue_is_complete_and_consistent():
    for kpi in KPIS.values():
        assert kpi.unit in UNITS and kpi.formula_text and kpi.events and kpi.owner and kpi.dimensions
        assert set(kpi.components) <= set(KPIS) | set(COMPONENTS), kpi.key
        assert kpi.headline in ("all", "month") and set(kpi.granularities) <= {"week", "month"}
        if kpi.thresholds is not None:
            assert kpi.direction is not Direction.NEUTRAL
            better = kpi.thresholds.green >= kpi.thresholds.amber
            assert better if kpi.direction is Direction.HIGHER_IS_BETTER else not better or \
                kpi.thresholds.green == kpi.thresholds.amber
    seeds = {"schedule_adherence", "budget_accuracy", "scope_stability", "service_uptime", "csat_average",
             "implementation_disruption", "change_success_rate", "emergency_change_ratio", "project_roi_realised",
             "value_realisation", "transition_time_hours", "utilisation_project", "utilisation_change",
             "utilisation_operations", "overallocated_people_weeks"}
    assert seeds <= set(KPIS)
    assert DISRUPTION_WEIGHTS == {"P1": 10, "P2": 5, "P3": 2, "P4": 1}


def test_periods_weeks_months_and_their_thursdays():
    assert week_of(datetime(2026, 12, 31, 23, tzinfo=UTC)) == "2026-W53"
    assert week_of(date(2027, 1, 3)) == "2026-W53" and month_of(date(2027, 1, 3)) == "2027-01"
    assert month_of_week("2026-W49") == "2026-12" and month_of_week("2026-W53") == "2026-12"
    assert month_of_week("2027-W05") == "2027-02"  # Thursday 4 February
    assert weeks_in_month("2026-12") == 5 and weeks_in_month("2027-02") == 4
    assert between("2026-W52", "2027-W02") == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert count_between("2025-W01", "2026-W52") == 104 and shift("2026-01", -13) == "2024-12"
    assert parse_period("week", "2026-12-02") == "2026-W49" and parse_period("month", "2026-12-02") == "2026-12"
    with pytest.raises(ValueError):
        parse_period("month", "2026-13")


def test_dimensions_as_the_api_names_them():
    assert parse("organisation") == ORGANISATION and parse("team:Platform") == "team:Platform"
    assert parse("team:*", wildcard=True) == "team:*"
    for bad in ("team", "squad:x", "team:", "team:*"):
        with pytest.raises(ValueError):
            parse(bad)


def _project(category: str = "Run") -> ProjectCreated:
    return ProjectCreated(id=uuid.uuid4(), name="ERP", category=category, stage="proposed", sponsor=None,
                          start_date=None, go_live_date=None, created_by="pat")


def _milestone(project_id: uuid.UUID, baseline: date | None, actual: date) -> MilestoneCompleted:
    return MilestoneCompleted(id=uuid.uuid4(), project_id=project_id, name="M", kind="milestone",
                              baseline_date=baseline, forecast_date=actual, actual_date=actual,
                              slip_days=None, slip_working_days=None, completed_by="pm")


def test_schedule_adherence_on_time_over_baselined_completed():
    project = uuid.uuid4()
    facts = Facts(category="Run")
    store = Store()
    for baseline, actual in [(date(2026, 12, 10), date(2026, 12, 9)), (date(2026, 12, 10), date(2026, 12, 10)),
                             (date(2026, 12, 15), date(2026, 12, 14)), (date(2026, 12, 1), date(2026, 12, 4)),
                             (None, date(2026, 12, 20))]:  # without a baseline: not judged
        store.add(increments(_milestone(project, baseline, actual), AT, facts))
    assert store.kpi("schedule_adherence", "2026-12") == 0.75
    assert store.kpi("schedule_adherence", ALL, dimension("project", project)) == 0.75
    # 2026-W50 (7-13 December) holds the 9th and the 10th, both on time; W49 the 4th, late.
    assert store.kpi("schedule_adherence", "2026-W50", "category:Run") == 1.0
    assert store.kpi("schedule_adherence", "2026-W49") == 0.0 and store.kpi("milestones_completed", "2026-W50") == 2
    assert store.kpi("schedule_adherence", "2027-01") is None  # nothing completed: undefined, not 0


def _report(project: uuid.UUID, week: str, planned: str, actual: str) -> ProjectStatusReported:
    budget = RagDimension(dimension="budget", colour="green", computed_colour="green", overridden=False,
                          explanation="", facts={"planned_to_date": planned, "actual_to_date": actual,
                                                 "variance_to_date": "0", "currency": "EUR"})
    return ProjectStatusReported(project_id=project, report_id=uuid.uuid4(), week=week, overall="green",
                                 dimensions=[budget], open_milestones=0, top_risks=[], reported_by="pm")


def test_budget_accuracy_and_overrun_from_status_reports_with_a_refiled_report_replacing_its_week():
    a, b = uuid.uuid4(), uuid.uuid4()
    store = Store().add(increments(_report(a, "2026-W49", "100000.00", "110000.00"), AT, Facts()))
    store.add(increments(_report(b, "2026-W49", "50000", "45000"), AT, Facts()))
    assert store.kpi("budget_accuracy") == 0.9 and store.kpi("budget_accuracy", "2026-W49") == 0.9
    assert store.kpi("budget_overrun") == pytest.approx(5000 / 150000)
    assert store.kpi("budget_accuracy", "2026-12") == 0.9
    # A's report filed again for the same week replaces the first one, in its week and in 'all'.
    previous = BudgetReport("2026-W49", 100000.0, 110000.0)
    store.add(increments(_report(a, "2026-W49", "100000", "105000"), AT, Facts(previous_report=previous)))
    assert store.kpi("budget_accuracy") == pytest.approx(1 - 10000 / 150000)
    assert store.kpi("budget_accuracy", "2026-W49") == pytest.approx(1 - 10000 / 150000)
    # A's next week: 'all' holds each project's latest report; the week holds its own.
    previous = BudgetReport("2026-W49", 100000.0, 105000.0)
    store.add(increments(_report(a, "2026-W50", "120000", "120000"), AT, Facts(previous_report=previous)))
    assert store.kpi("budget_accuracy") == pytest.approx(1 - 5000 / 170000)
    assert store.kpi("budget_accuracy", "2026-W50", dimension("project", a)) == 1.0
    # A late report for an earlier week counts in its week but leaves 'all' to the latest.
    latest = BudgetReport("2026-W50", 120000.0, 120000.0)
    store.add(increments(_report(a, "2026-W48", "90000", "0"), AT, Facts(previous_report=latest)))
    assert store.kpi("budget_accuracy") == pytest.approx(1 - 5000 / 170000)
    assert store.kpi("budget_accuracy", "2026-W48") == 0.0  # floored: nothing spent of 90 000 planned


def test_scope_stability_is_approved_changes_per_project():
    projects = [_project() for _ in range(4)]
    store = Store()
    for p in projects:
        store.add(increments(p, AT))
    for i in range(6):
        change = ProjectScopeChanged(
            project_id=projects[i % 2].id, scope_change_id=uuid.uuid4(), description="more", schedule_impact_days=0,
            cost_impact=Decimal(0), currency=None, approved_changes=i // 2 + 1, total_cost_impact=Decimal(0),
            approved_by="pmo")
        store.add(increments(change, AT, Facts(category="Run")))
    assert store.kpi("scope_stability") == 1.5 and store.kpi("scope_stability", ALL, "category:Run") == 1.5
    assert store.kpi("scope_stability", ALL, dimension("project", projects[0].id)) == 3
    assert store.kpi("scope_stability", "2026-12") == 1.5  # this month's changes over the projects held


def test_value_realised_and_roi_planned_and_realised_with_a_replaced_business_case():
    project = uuid.uuid4()

    def case(costs: int, benefits: list[tuple[str, int]]) -> BusinessCaseUpdated:
        months = [PlannedMonth(month=m, capex=Decimal(0), opex=Decimal(0), costs=Decimal(0), benefits=Decimal(b))
                  for m, b in benefits]
        total = sum(b for _, b in benefits)
        return BusinessCaseUpdated(
            project_id=project, currency="EUR", discount_rate=0.08, horizon_start="2027-01",
            total_capex=Decimal(costs), total_opex=Decimal(0), total_costs=Decimal(costs),
            total_benefits=Decimal(total), npv=Decimal(0), irr=None, irr_roots=[], irr_ambiguous=False, roi=None,
            payback_months=None, discounted_payback_months=None, months=months, updated_by="pm")

    first = case(100000, [("2027-06", 20000), ("2027-07", 130000)])
    store = Store().add(increments(first, AT))
    store.add(increments(BenefitRealised(project_id=project, month="2027-06", amount=Decimal(15000), currency="EUR",
                                         cumulative_realised=Decimal(15000), recorded_by="pm"), AT))
    assert store.kpi("value_realisation", "2027-06") == 0.75
    assert store.kpi("value_realisation") == 0.1
    assert store.kpi("project_roi_planned") == 0.5 and store.kpi("project_roi_realised") == -0.85
    # A new business case replaces the whole plan: July's benefit moves to August, costs rise.
    previous = BusinessCase(100000.0, 150000.0, {"2027-06": 20000.0, "2027-07": 130000.0})
    store.add(increments(case(120000, [("2027-06", 20000), ("2027-08", 160000)]), AT,
                         Facts(previous_case=previous)))
    assert store.values[("benefits_planned", "2027-07", ORGANISATION)] == 0
    assert store.kpi("benefits_planned", "2027-08") == 160000 and store.kpi("benefits_planned") == 180000
    assert store.kpi("project_roi_planned") == 0.5 and store.kpi("project_roi_realised") == -0.875


def test_transition_time_is_the_mean_of_the_handovers_with_one():
    store = Store()
    for hours in (48.0, 150.0, None):
        handover = HandoverCompleted(
            project_id=uuid.uuid4(), service_owner="sam", support_team=None, go_live_change_id=None,
            implemented_at=None, accepted_at=datetime(2027, 3, 10, tzinfo=UTC), transition_hours=hours, services=[],
            cis=[])
        store.add(increments(handover, AT, Facts(category="Build")))
    assert store.kpi("transition_time_hours", "2027-03") == 99 and store.kpi("handovers_completed") == 3
    assert store.kpi("transition_time_hours", ALL, "category:Build") == 99


def _booking(source: str, hours: float, week: str = "2026-W49") -> BookingCreated:
    return BookingCreated(id=uuid.uuid4(), person_id=uuid.uuid4(), source=source, source_id="x", kind="hard",
                          start=AT, end=AT, hours=hours, weeks=[WeekHours(week=week, hours=hours)])


def test_utilisation_by_source_and_the_share_on_projects():
    store = Store()
    for _ in range(2):
        store.add(increments(PersonCreated(id=uuid.uuid4(), name="P", email=None, team="Platform", skills=[],
                                           weekly_hours=40), AT))
    team = Facts(team="Platform")
    for source, hours in (("project", 40), ("change", 10), ("operations", 14), ("project", 20)):
        store.add(increments(_booking(source, hours), AT, team))
    platform = "team:Platform"
    assert store.kpi("utilisation_project", "2026-W49", platform) == 0.75
    assert store.kpi("utilisation_change", "2026-W49") == 0.125
    assert store.kpi("utilisation_total", "2026-W49") == pytest.approx(84 / 80)
    assert store.kpi("utilisation_total", "2026-12") == pytest.approx(84 / 400)  # December holds 5 weeks
    assert store.kpi("strategic_work_share", "2026-W49") == pytest.approx(60 / 84)
    assert store.kpi("utilisation_total") is None  # a rate of a period: none over all time


def test_a_moved_booking_moves_its_hours_and_its_team():
    person = uuid.uuid4()
    week49, week51 = [WeekHours(week="2026-W49", hours=6)], [WeekHours(week="2027-W01", hours=5)]
    created = BookingCreated(id=uuid.uuid4(), person_id=person, source="change", source_id="c", kind="hard",
                             start=AT, end=AT, hours=6, weeks=week49)
    moved = BookingMoved(id=created.id, source="change", source_id="c", kind="hard", person_id=uuid.uuid4(),
                         start=AT, end=AT, hours=5, weeks=week51, previous_person_id=person, previous_start=AT,
                         previous_end=AT, previous_hours=6, previous_weeks=week49, reason="rescheduled")
    store = Store().add(increments(created, AT, Facts(team="Net")))
    store.add(increments(moved, AT, Facts(team="Apps", previous_team="Net")))
    assert store.kpi("change_hours_booked") == 5 and store.kpi("change_hours_booked", "2026-W49") == 0
    assert store.kpi("change_hours_booked", "2026-12") == 0 and store.kpi("change_hours_booked", "2027-01") == 5
    assert store.kpi("change_hours_booked", ALL, "team:Net") == 0
    assert store.kpi("change_hours_booked", "2027-W01", "team:Apps") == 5


def test_overallocated_people_weeks_count_each_week_and_follow_a_cleared_episode():
    ana, ben = uuid.uuid4(), uuid.uuid4()

    def episode(cls, person, first, last, episode_id=None):  # noqa: ANN001, ANN202 - a test helper
        return cls(episode_id=episode_id or uuid.uuid4(), person_id=person, team="Platform", first_week=first,
                   last_week=last, peak_utilisation=1.2)

    raised = episode(PersonOverallocated, ana, "2027-W01", "2027-W03")
    store = Store().add(increments(raised, AT))
    store.add(increments(episode(PersonOverallocated, ben, "2027-W02", "2027-W02"), AT))
    assert [store.kpi("overallocated_people_weeks", w) for w in ("2027-W01", "2027-W02", "2027-W03")] == [1, 2, 1]
    assert store.kpi("overallocated_people_weeks", "2027-01") == 4
    assert store.kpi("overallocated_people_weeks", "2027-01", "team:Platform") == 4
    # Ana's episode shrank to W01..W02 before it cleared: it counts the weeks it had at the end.
    cleared = episode(PersonOverallocationCleared, ana, "2027-W01", "2027-W02", raised.episode_id)
    store.add(increments(cleared, AT, Facts(previous_weeks=("2027-W01", "2027-W03"))))
    assert [store.kpi("overallocated_people_weeks", w) for w in ("2027-W01", "2027-W02", "2027-W03")] == [1, 2, 0]
    assert store.kpi("overallocated_people_weeks") == 3 and store.kpi("people_overallocated") == 1


def test_change_kpis_count_per_team_project_and_category():
    project = uuid.uuid4()
    store = Store()
    for outcome in ("successful", "successful_with_issues", "failed", "backed_out"):
        change = ChangeImplemented(id=uuid.uuid4(), type="normal", outcome=outcome, team="Platform",
                                   assignee_id=None, risk="low", affected_cis=[], project_id=project, actual_start=AT,
                                   actual_end=datetime(2026, 12, 3, tzinfo=UTC), incidents_caused=[],
                                   completed_by="bob", state="review")
        store.add(increments(change, AT, Facts(category="Run")))
    for dim in (ORGANISATION, "team:Platform", dimension("project", project), "category:Run"):
        assert store.kpi("change_success_rate", "2026-12", dim) == 0.5
    assert store.kpi("change_success_rate", "2026-W49") == 0.5 and store.kpi("changes_implemented") == 4


def test_disruption_weights_incidents_caused_by_changes_and_go_lives():
    change, project = uuid.uuid4(), uuid.uuid4()
    opened = datetime(2026, 12, 3, 9, tzinfo=UTC)
    store = Store()
    for priority, change_id, project_id, team in (("P1", change, None, "Platform"), ("P3", change, None, "Platform"),
                                                   ("P2", None, project, None), ("P1", None, None, None)):
        counted = incident_counted(priority=priority, opened_at=opened, resolved_at=None, service_id="svc-1",
                                   change_id=change_id, project_id=project_id, team=team, category=None)
        store.add(counted.increments())
    assert store.kpi("implementation_disruption", "2026-12") == 17
    assert store.kpi("implementation_disruption", "2026-12", "team:Platform") == 12
    assert store.kpi("implementation_disruption", "2026-W49", "service:svc-1") == 17
    assert store.kpi("incidents_opened", "2026-12") == 4 and store.kpi("incidents_caused_by_changes") == 2
    assert store.kpi("incidents_caused_by_projects", "2026-12", dimension("project", project)) == 1


def test_an_incident_relinked_moves_its_contribution_and_resolution_counts_in_mttr():
    opened = datetime(2026, 12, 3, 9, tzinfo=UTC)
    before = incident_counted(priority="P2", opened_at=opened, resolved_at=None, service_id="s", change_id=None)
    store = Store().add(before.increments())
    after = incident_counted(priority="P1", opened_at=opened, resolved_at=datetime(2026, 12, 3, 11, tzinfo=UTC),
                             service_id="s", change_id=uuid.uuid4(), team="Net")
    store.add(change_of(Counted.from_json(before.as_json()), after))
    assert store.kpi("implementation_disruption", "2026-12") == 10 and store.kpi("incidents_opened") == 1
    assert store.kpi("implementation_disruption", ALL, "team:Net") == 10
    for hours in (4, 30):
        resolved = incident_counted(priority="P4", opened_at=opened,
                                    resolved_at=opened.replace(hour=9 + hours) if hours < 15 else
                                    datetime(2026, 12, 4, 15, tzinfo=UTC), service_id="s")
        store.add(resolved.increments())
    assert store.kpi("mean_time_to_resolve_hours", "2026-12") == 12  # (2 + 4 + 30) / 3


def test_csat_average_on_the_one_to_five_scale():
    assert to_five(75, "0-100") == 4 and to_five(0, "0-100") == 1 and to_five(3, "1-5") == 3
    store = Store()
    at = datetime(2026, 12, 2, tzinfo=UTC)
    for score, scale in ((5, "1-5"), (4, "1-5"), (2, "1-5"), (75, "0-100")):
        store.add(csat_counted(score_5=to_five(score, scale), service_id="svc", responded_at=at,
                               period=None).increments())
    assert store.kpi("csat_average", "2026-W49", "service:svc") == 3.75
    assert store.kpi("csat_average") == 3.75 and store.kpi("csat_responses", "2026-12") == 4
    monthly = csat_counted(score_5=1, service_id="svc", responded_at=None, period="2026-11")
    assert monthly.periods == (ALL, "2026-11")
    weekly = csat_counted(score_5=1, service_id="svc", responded_at=None, period="2026-W49")
    assert weekly.periods == (ALL, "2026-W49", "2026-12")


def test_docs_catalogue_table_is_the_rendered_one():
    from pathlib import Path

    from tandem_metrics.kpis.docs import render_table

    written = (Path(__file__).resolve().parents[2] / "docs" / "kpis.md").read_text()
    assert render_table() in written, "docs/kpis.md is stale: python -m tandem_metrics.kpis.docs docs/kpis.md"
