"""Portfolio governance rules without I/O: operational readiness facts, transition time, labour cost per month, and
delivery risk from the delivering team's change success score (the register entry and the resources colour)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tandem_portfolio.handover import rules
from tandem_portfolio.handover.rules import Article, CmdbItem, LinkedChange, OperationsBooking, Touch
from tandem_portfolio.labour.rules import LabourLine, labour_by_month, labour_currency, month_of_week
from tandem_portfolio.status import rules as status
from tandem_portfolio.status.rules import DeliveryTeamScore, Rag
from tandem_portfolio.teams.rules import at_risk, delivery_risk

T = datetime(2055, 5, 2, 9, tzinfo=UTC)
PROJECT = uuid.uuid4()
PORTAL, APP = uuid.uuid4(), uuid.uuid4()
TOUCHES = [Touch(PORTAL, "service", "Customer portal"), Touch(APP, "ci", "portal-app")]


def _item(ci: uuid.UUID, name: str, at: datetime, status: str = "active") -> CmdbItem:
    return CmdbItem(ci, name, status, at)


def test_cis_registered_names_what_is_missing_or_retired_and_dates_the_last_registration():
    assert not rules.cis_registered([], {}).met
    missing = rules.cis_registered(TOUCHES, {PORTAL: _item(PORTAL, "Customer portal", T)})
    assert not missing.met and missing.why == "not in the CMDB: CI portal-app" and missing.since is None
    assert missing.details["missing"] == [str(APP)]
    retired = rules.cis_registered(TOUCHES, {PORTAL: _item(PORTAL, "Customer portal", T),
                                             APP: _item(APP, "portal-app-v2", T, "retired")})
    assert not retired.met and retired.why == "retired in the CMDB: CI portal-app-v2"
    met = rules.cis_registered(TOUCHES, {PORTAL: _item(PORTAL, "Customer portal", T),
                                         APP: _item(APP, "portal-app", T + timedelta(hours=3))})
    assert met.met and met.since == T + timedelta(hours=3)
    assert met.why.endswith("service Customer portal, CI portal-app")


def _article(kind: str = "runbook", project: uuid.UUID | None = None, documents: tuple[uuid.UUID, ...] = (),
             at: datetime = T) -> Article:
    return Article(uuid.uuid4(), f"{kind} article", kind, project, at, frozenset(str(d) for d in documents))


def test_runbooks_published_for_the_project_or_for_every_touched_service_and_ci():
    none = rules.runbooks_published(PROJECT, TOUCHES, [_article("how_to", PROJECT)])
    assert not none.met
    assert none.why == ("no runbook, handover or known-error article is published for the project; not "
                        "documented by one either: service Customer portal, CI portal-app")
    own = rules.runbooks_published(PROJECT, TOUCHES, [_article(project=PROJECT, at=T + timedelta(days=1)),
                                                      _article("known_error", PROJECT, at=T)])
    assert own.met and own.since == T and own.why == "known error 'known_error article' is published for the " \
        "project (and 1 more)"
    half = rules.runbooks_published(PROJECT, TOUCHES, [_article(documents=(PORTAL,))])
    assert not half.met and half.why.endswith("not documented by one either: CI portal-app")
    covered = rules.runbooks_published(PROJECT, TOUCHES, [
        _article(documents=(PORTAL,), at=T), _article("known_error", documents=(APP,), at=T + timedelta(hours=2))])
    assert covered.met and covered.since == T + timedelta(hours=2) and "CI portal-app by 'known_error" in covered.why
    assert not rules.runbooks_published(PROJECT, [], []).met


def _ops(team: str | None, start: date, end: date, at: datetime = T) -> OperationsBooking:
    return OperationsBooking(uuid.uuid4(), "Dana", team, datetime(start.year, start.month, start.day, tzinfo=UTC),
                             datetime(end.year, end.month, end.day, tzinfo=UTC), 8, at)


def test_support_capacity_must_reach_the_go_live_date_for_the_support_team():
    go_live = date(2055, 6, 30)
    assert rules.support_capacity_booked(None, go_live, []).why == "no support team is named"
    assert "no go-live date" in rules.support_capacity_booked("Service desk", None, []).why
    early = rules.support_capacity_booked("Service desk", go_live, [_ops("Service desk", date(2055, 6, 1),
                                                                          date(2055, 6, 30))])
    assert not early.met and early.why.endswith("; 1 booking(s) of the team end before it")
    other_team = rules.support_capacity_booked("Service desk", go_live, [_ops("Platform", date(2055, 6, 1),
                                                                               date(2055, 7, 31))])
    assert not other_team.met
    met = rules.support_capacity_booked("service desk ", go_live, [_ops("Service desk", date(2055, 6, 23),
                                                                         date(2055, 7, 1), T)])
    assert met.met and met.since == T and "Dana 8 h (2055-06-23–2055-07-01)" in met.why


def test_go_live_change_approved_until_canceled_or_failed_and_the_latest_success_measures_transition():
    approved = LinkedChange(uuid.uuid4(), "approved", approved_at=T)
    assert rules.go_live_change_approved([approved]).since == T
    failed = LinkedChange(uuid.uuid4(), "implemented", "failed", implemented_at=T)
    canceled = LinkedChange(uuid.uuid4(), "canceled", canceled_at=T)
    unmet = rules.go_live_change_approved([failed, canceled])
    assert not unmet.met and f"{failed.id} was implemented (failed)" in unmet.why and "was canceled" in unmet.why
    assert "link the go-live change" in rules.go_live_change_approved([]).why
    early = LinkedChange(uuid.uuid4(), "implemented", "successful", T, T + timedelta(hours=1))
    late = LinkedChange(uuid.uuid4(), "implemented", "successful_with_issues", T, T + timedelta(hours=5))
    assert rules.go_live_change([failed, early, late, approved]) == late
    assert rules.go_live_change([failed, approved]) is None
    assert rules.transition_hours(T, T + timedelta(hours=26, minutes=15)) == 26.25
    assert rules.transition_hours(None, T) is None


@pytest.mark.parametrize(("week", "month"), [
    ("2055-W01", 2055 * 12), ("2027-W05", 2027 * 12 + 1), ("2027-W09", 2027 * 12 + 2),
    ("2026-W53", 2026 * 12 + 11),  # Monday 28 December 2026 to Sunday 3 January 2027: Thursday the 31st
    ("2027-W13", 2027 * 12 + 3)])  # Monday 29 March to Sunday 4 April: Thursday 1 April
def test_a_week_counts_in_the_month_of_its_thursday(week: str, month: int) -> None:
    assert month_of_week(week) == month


def test_labour_cost_per_month_in_the_projects_currency_rounded_once():
    lines = [LabourLine("2027-W09", 10.5, Decimal("85.55"), "EUR"), LabourLine("2027-W10", 8, Decimal("85.55"), "EUR"),
             LabourLine("2027-W10", 4, None, None), LabourLine("2027-W10", 3, Decimal("100.00"), "USD"),
             LabourLine("2027-W14", 1.333, Decimal("10.01"), "EUR")]
    months = labour_by_month(lines, "EUR")
    # March 2027: (10.5 + 8) h × 85.55 = 1,582.675 → 1,582.68; W14's Thursday is 8 April: 13.343… → 13.34.
    assert [(m.month, m.amount, m.hours) for m in months] == [(2027 * 12 + 2, Decimal("1582.68"), 18.5),
                                                              (2027 * 12 + 3, Decimal("13.34"), 1.333)]
    assert labour_currency("CHF", lines) == "CHF"
    assert labour_currency(None, lines) == "EUR"  # most costed hours
    assert labour_currency(None, [LabourLine("2027-W09", 1, None, None)]) is None


@pytest.mark.parametrize(("score", "probability"), [(1, None), (0, None), (-1, 3), (-9, 3), (-10, 4), (-19, 4),
                                                    (-20, 5)])
def test_delivery_risk_below_the_threshold(score: int, probability: int | None) -> None:
    risk = delivery_risk("Platform", score, 0)
    assert (risk.probability if risk else None) == probability and at_risk(score, 0) == (probability is not None)
    if risk:
        assert risk.title == f"Delivery team Platform: change success score {score}" and risk.impact == 3
        assert "below the threshold 0" in risk.explanation


@pytest.mark.parametrize(("score", "colour"), [(6, Rag.GREEN), (5, Rag.GREEN), (4, Rag.AMBER)])
def test_resources_turn_amber_when_the_delivery_teams_score_is_below_the_threshold(score: int, colour: Rag) -> None:
    result = status.resources([], 0, DeliveryTeamScore("Platform", score, 5))
    assert result.colour == colour and result.facts["delivery_team"]["at_risk"] == (colour is Rag.AMBER)
    assert f"delivery team Platform's change success score is {score}" in result.explanation
    assert status.resources([]).facts["delivery_team"] is None
    # Over-allocation still decides red: the team's score only ever adds amber.
    people = [status.OverallocatedPerson(name=n, team="Platform", first_week="2055-W10", peak_utilisation=1.2)
              for n in ("A", "B")]
    assert status.resources(people, 0, DeliveryTeamScore("Platform", -50, 0)).colour == Rag.RED
