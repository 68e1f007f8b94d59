"""Portfolio RAG rules at their thresholds (just below, at, just above), overrides, worst-of; risk score; budget
plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tandem_portfolio.costs.plan import budget_months, spread_evenly, to_date
from tandem_portfolio.milestones.slip import slip_of, working_days_late
from tandem_portfolio.risks.rules import allowed_statuses, score
from tandem_portfolio.status import rules
from tandem_portfolio.status.rules import Assessment, MilestoneFacts, OverallocatedPerson, Override, Rag

MONDAY = date(2055, 3, 1)  # 2055 shares 2027's calendar: 1 March is a Monday
TODAY = date(2055, 1, 3)


def _weekday_after(start: date, working_days: int) -> date:
    day, left = start, working_days
    while left:
        day += timedelta(days=1)
        left -= day.weekday() < 5
    return day


@pytest.mark.parametrize(("later", "expected"), [
    (MONDAY, 0), (MONDAY - timedelta(days=3), 0), (MONDAY + timedelta(days=1), 1), (MONDAY + timedelta(days=4), 4),
    (MONDAY + timedelta(days=5), 4), (MONDAY + timedelta(days=6), 4), (MONDAY + timedelta(days=7), 5),
    (MONDAY + timedelta(days=21), 15),
])
def test_working_days_late_skips_weekends(later: date, expected: int) -> None:
    assert working_days_late(MONDAY, later) == expected


def test_working_days_late_from_a_friday() -> None:
    friday = date(2055, 3, 5)
    assert [working_days_late(friday, friday + timedelta(days=n)) for n in range(1, 5)] == [0, 0, 1, 2]
    assert slip_of(None, friday, None) is None
    assert slip_of(friday, friday + timedelta(days=10), friday + timedelta(days=3)) == 1  # the actual date wins


@pytest.mark.parametrize(("slip", "colour"), [
    (0, Rag.GREEN), (4, Rag.GREEN), (5, Rag.GREEN), (6, Rag.AMBER), (14, Rag.AMBER), (15, Rag.AMBER),
    (16, Rag.RED), (40, Rag.RED)])
def test_schedule_thresholds(slip: int, colour: Rag) -> None:
    slipping = MilestoneFacts("Build done", "milestone", MONDAY, _weekday_after(MONDAY, slip))
    on_time = MilestoneFacts("Design done", "milestone", MONDAY, MONDAY)
    result = rules.schedule([on_time, slipping], TODAY)
    assert result.colour == colour
    assert result.facts["worst_slip_working_days"] == slip
    if slip:
        assert result.facts["worst_milestone"] == "Build done" and f"{slip} working day(s)" in result.explanation


def test_schedule_judges_only_open_baselined_milestones() -> None:
    late_but_done = MilestoneFacts("Done late", "milestone", MONDAY, MONDAY + timedelta(days=60), completed=True)
    unbaselined = MilestoneFacts("Unplanned", "milestone", None, MONDAY + timedelta(days=60))
    result = rules.schedule([late_but_done, unbaselined], TODAY)
    assert result.colour == Rag.GREEN and result.facts["baselined_open"] == 0
    assert "no open baselined milestone" in result.explanation and "1 open milestone(s) without a baseline" in \
        result.explanation
    assert rules.schedule([], TODAY).colour == Rag.GREEN


def test_an_overdue_open_milestone_slips_until_today() -> None:
    # Forecast on its baseline, but today is 6 working days later and it is not completed.
    overdue = MilestoneFacts("Pilot", "milestone", MONDAY, MONDAY)
    assert rules.schedule([overdue], MONDAY + timedelta(days=7)).colour == Rag.GREEN  # 5 working days
    assert rules.schedule([overdue], MONDAY + timedelta(days=8)).colour == Rag.AMBER  # 6


def test_a_missed_go_live_is_red() -> None:
    go_live = MilestoneFacts("Portal live", "go_live", MONDAY, MONDAY)
    assert rules.schedule([go_live], MONDAY).colour == Rag.GREEN  # due today: not missed yet
    missed = rules.schedule([go_live], MONDAY + timedelta(days=1))
    assert missed.colour == Rag.RED and missed.facts["missed_go_lives"] == ["Portal live"]
    assert "missed go-live" in missed.explanation
    unbaselined = MilestoneFacts("Portal live", "go_live", None, MONDAY)
    assert rules.schedule([unbaselined], MONDAY + timedelta(days=1)).colour == Rag.RED
    done = MilestoneFacts("Portal live", "go_live", MONDAY, MONDAY, completed=True)
    assert rules.schedule([done], MONDAY + timedelta(days=30)).colour == Rag.GREEN


@pytest.mark.parametrize(("actual", "colour"), [
    ("90000", Rag.GREEN), ("104999.99", Rag.GREEN), ("105000.00", Rag.GREEN), ("105000.01", Rag.AMBER),
    ("115000.00", Rag.AMBER), ("115000.01", Rag.RED)])
def test_budget_thresholds(actual: str, colour: Rag) -> None:
    result = rules.budget(Decimal("100000.00"), Decimal(actual), "EUR")
    assert result.colour == colour
    assert result.facts["planned_to_date"] == "100000.00" and result.facts["actual_to_date"] == actual
    assert "EUR" in result.explanation


def test_budget_with_nothing_planned_to_date() -> None:
    assert rules.budget(Decimal(0), Decimal(0), None).colour == Rag.GREEN
    spent = rules.budget(Decimal(0), Decimal("10.00"), "EUR")
    assert spent.colour == Rag.RED and "nothing planned" in spent.explanation


@pytest.mark.parametrize(("count", "colour"), [(0, Rag.GREEN), (2, Rag.GREEN), (3, Rag.AMBER), (5, Rag.AMBER),
                                               (6, Rag.RED)])
def test_scope_thresholds_by_count(count: int, colour: Rag) -> None:
    assert rules.scope(count, Decimal(0), Decimal(1000000), "EUR").colour == colour


@pytest.mark.parametrize(("impact", "colour"), [
    ("49999.99", Rag.GREEN), ("50000.00", Rag.GREEN), ("50000.01", Rag.AMBER), ("150000.00", Rag.AMBER),
    ("150000.01", Rag.RED)])
def test_scope_thresholds_by_cost_share(impact: str, colour: Rag) -> None:
    result = rules.scope(1, Decimal(impact), Decimal("1000000.00"), "EUR")
    assert result.colour == colour and result.facts["cost_impact"] == impact


def test_scope_is_the_worse_of_count_and_cost_and_skips_cost_without_budget() -> None:
    assert rules.scope(3, Decimal(200000), Decimal(1000000), "EUR").colour == Rag.RED
    assert rules.scope(6, Decimal(1), Decimal(1000000), "EUR").colour == Rag.RED
    no_budget = rules.scope(1, Decimal(999999), None, None)
    assert no_budget.colour == Rag.GREEN and "not judged without a budget" in no_budget.explanation


def _person(name: str) -> OverallocatedPerson:
    return OverallocatedPerson(name=name, team="Platform", first_week="2055-W10", peak_utilisation=1.25)


@pytest.mark.parametrize(("people", "colour"), [(0, Rag.GREEN), (1, Rag.AMBER), (2, Rag.RED), (3, Rag.RED)])
def test_resources_thresholds_by_overallocated_people(people: int, colour: Rag) -> None:
    result = rules.resources([_person(f"P{n}") for n in range(people)])
    assert result.colour == colour
    if people:
        assert "P0 (Platform, from 2055-W10, peak 125 %)" in result.explanation


@pytest.mark.parametrize(("unfilled", "colour"), [(0, Rag.GREEN), (1, Rag.AMBER), (2, Rag.AMBER), (3, Rag.RED)])
def test_resources_thresholds_by_unfilled_role_requests(unfilled: int, colour: Rag) -> None:
    result = rules.resources([], unfilled)
    assert result.colour == colour and result.facts["unfilled_role_requests"] == unfilled


NOW = datetime(2055, 3, 1, 12, tzinfo=UTC)


def _override(colour: Rag, expires: datetime) -> Override:
    return Override(colour=colour, reason="vendor confirmed", expires_at=expires, set_by="sam", set_at=NOW)


def test_an_override_counts_until_it_expires() -> None:
    computed = Assessment(Rag.RED, "late")
    override = _override(Rag.AMBER, NOW + timedelta(days=7))
    before = rules.dimension_status("schedule", computed, override, NOW + timedelta(days=7) - timedelta(seconds=1))
    assert before.colour == Rag.AMBER and before.override == override and before.computed.colour == Rag.RED
    at = rules.dimension_status("schedule", computed, override, NOW + timedelta(days=7))
    assert at.colour == Rag.RED and at.override is None
    assert rules.dimension_status("schedule", computed, None, NOW).colour == Rag.RED


def test_an_override_expires_within_thirty_days() -> None:
    rules.check_override_expiry(NOW + timedelta(days=30), NOW)
    rules.check_override_expiry(NOW + timedelta(seconds=1), NOW)
    with pytest.raises(ValueError, match="at most 30 days"):
        rules.check_override_expiry(NOW + timedelta(days=30, seconds=1), NOW)
    for past in (NOW, NOW - timedelta(days=1)):
        with pytest.raises(ValueError, match="future"):
            rules.check_override_expiry(past, NOW)


def test_overall_is_the_worst_colour_shown() -> None:
    def status(colour: Rag, override: Rag | None = None) -> rules.DimensionStatus:
        shown = _override(override, NOW + timedelta(days=1)) if override else None
        return rules.dimension_status("scope", Assessment(colour, ""), shown, NOW)

    assert rules.overall([status(Rag.GREEN), status(Rag.GREEN)]) == Rag.GREEN
    assert rules.overall([status(Rag.GREEN), status(Rag.AMBER), status(Rag.GREEN)]) == Rag.AMBER
    assert rules.overall([status(Rag.AMBER), status(Rag.RED)]) == Rag.RED
    assert rules.overall([status(Rag.RED, override=Rag.GREEN), status(Rag.AMBER)]) == Rag.AMBER
    assert rules.overall([]) == Rag.GREEN


def test_risk_score_is_probability_times_impact() -> None:
    assert [score(p, i) for p, i in ((1, 1), (3, 4), (5, 5))] == [1, 12, 25]
    for bad in ((0, 3), (3, 6)):
        with pytest.raises(ValueError):
            score(*bad)
    assert allowed_statuses("open") == ["closed", "mitigating", "occurred"]
    assert allowed_statuses("closed") == ["open"]


def test_a_budget_spreads_evenly_over_its_days_to_the_cent() -> None:
    # 2026-01-16 … 2026-03-31: 16 + 28 + 31 = 75 days.
    shares = spread_evenly(Decimal("7500.00"), date(2026, 1, 16), date(2026, 3, 31))
    assert shares == {2026 * 12: Decimal("1600.00"), 2026 * 12 + 1: Decimal("2800.00"),
                      2026 * 12 + 2: Decimal("3100.00")}
    odd = spread_evenly(Decimal("100.00"), date(2026, 1, 1), date(2026, 3, 31))  # 31/90, 28/90, 31/90
    assert sum(odd.values()) == Decimal("100.00") and odd[2026 * 12] == Decimal("34.44")


def test_budget_months_run_from_first_to_last_with_cumulative_totals() -> None:
    jan = 2026 * 12
    rows = budget_months({jan: Decimal(100), jan + 2: Decimal(100)}, {jan: Decimal(90), jan + 1: Decimal(30)},
                         {jan + 2: Decimal(50)})
    assert [(r.month, r.planned, r.actual, r.variance, r.cumulative_variance) for r in rows] == [
        (jan, 100, 90, -10, -10), (jan + 1, 0, 30, 30, 20), (jan + 2, 100, 50, -50, -30)]
    assert rows[2].actual_labour == 50 and rows[2].actual_costs == 0
    assert to_date(rows, jan + 1) == (Decimal(100), Decimal(120))
    assert to_date(rows, jan - 1) == (0, 0) and budget_months({}, {}, {}) == []
