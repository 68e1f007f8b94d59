"""The risk engine, without I/O: ordered conditions (first match wins), the questionnaire, the higher wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tandem_change.risk.rules import (
    Answer,
    Condition,
    ConditionKind,
    Question,
    Questionnaire,
    RiskInputs,
    RiskLevel,
    assess,
    check_params,
    match,
)

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
K, L = ConditionKind, RiskLevel
DEFAULTS = [
    Condition("Critical business service impacted", K.CRITICAL_SERVICE_IMPACTED, L.HIGH, {"min_services": 1}),
    Condition("Insufficient lead time", K.LEAD_TIME_BELOW, L.HIGH, {"hours": 48, "change_types": ["normal"]}),
    Condition("Outage required", K.OUTAGE_REQUIRED, L.MODERATE),
    Condition("Team's change success score is low", K.TEAM_SCORE_BELOW, L.MODERATE, {"threshold": -10}),
]
QUESTIONS = Questionnaire(questions=[
    Question("backout", "Can it be backed out?", [Answer("yes", "Yes", 0), Answer("no", "No", 5)]),
    Question("users", "Who is affected?", [Answer("none", "Nobody", 0), Answer("all", "All", 4)]),
], moderate_from=4, high_from=8)


def inputs(**overrides) -> RiskInputs:
    base = {"change_type": "normal", "planned_start": NOW + timedelta(days=10), "now": NOW}
    return RiskInputs(**{**base, **overrides})


def test_nothing_matches_and_nothing_answered_is_low():
    result = assess(inputs(), DEFAULTS, QUESTIONS, None)
    assert result.risk is L.LOW and result.condition is None and result.questionnaire_score is None
    assert "no risk condition matched" in result.explanation and "not answered" in result.explanation


@pytest.mark.parametrize(("overrides", "expected", "condition"), [
    ({"impacted_critical_services": 2}, L.HIGH, "Critical business service impacted"),
    ({"planned_start": NOW + timedelta(hours=47)}, L.HIGH, "Insufficient lead time"),
    ({"outage_required": True}, L.MODERATE, "Outage required"),
    ({"team_success_score": -11, "team": "Network"}, L.MODERATE, "Team's change success score is low"),
])
def test_each_default_condition(overrides, expected, condition):
    result = assess(inputs(**overrides), DEFAULTS)
    assert (result.risk, result.condition) == (expected, condition)
    assert f"condition '{condition}' decided" in result.explanation


def test_first_match_wins_even_when_a_later_one_is_higher():
    ordered = [Condition("Outage", K.OUTAGE_REQUIRED, L.MODERATE), DEFAULTS[1]]
    result = assess(inputs(outage_required=True, planned_start=NOW + timedelta(hours=1)), ordered)
    assert (result.risk, result.condition) == (L.MODERATE, "Outage")


def test_lead_time_applies_only_to_the_listed_types_and_scores_only_when_known():
    soon = NOW + timedelta(hours=2)
    assert match(DEFAULTS[1], inputs(change_type="emergency", planned_start=soon)) is None
    assert match(DEFAULTS[1], inputs(planned_start=NOW + timedelta(hours=48))) is None
    assert "2.0 h" in match(DEFAULTS[1], inputs(planned_start=soon))
    assert match(DEFAULTS[3], inputs(team_success_score=None)) is None
    assert match(DEFAULTS[3], inputs(team_success_score=-10)) is None
    assert match(Condition("Wide", K.AFFECTED_CIS_AT_LEAST, L.HIGH, {"count": 3}), inputs(affected_ci_count=3))


def test_questionnaire_thresholds_and_higher_risk_wins():
    assert assess(inputs(), DEFAULTS, QUESTIONS, {"backout": "yes", "users": "none"}).risk is L.LOW
    moderate = assess(inputs(), DEFAULTS, QUESTIONS, {"backout": "yes", "users": "all"})
    assert (moderate.risk, moderate.questionnaire_score) == (L.MODERATE, 4)
    assert "the questionnaire decided" in moderate.explanation and "users=all (4)" in moderate.explanation
    high = assess(inputs(outage_required=True), DEFAULTS, QUESTIONS, {"backout": "no", "users": "all"})
    assert high.risk is L.HIGH and "questionnaire decided" in high.explanation
    condition_wins = assess(inputs(impacted_critical_services=1), DEFAULTS, QUESTIONS,
                            {"backout": "no", "users": "none"})
    assert condition_wins.risk is L.HIGH and "condition 'Critical business service impacted' decided" in \
        condition_wins.explanation
    tie = assess(inputs(outage_required=True), DEFAULTS, QUESTIONS, {"backout": "no", "users": "none"})
    assert tie.risk is L.MODERATE and "condition 'Outage required' decided" in tie.explanation


@pytest.mark.parametrize(("answers", "message"), [
    ({"backout": "no"}, "unanswered question(s): users"),
    ({"backout": "no", "users": "all", "extra": "x"}, "unknown question(s): extra"),
    ({"backout": "maybe", "users": "all"}, "'maybe' is not an answer of backout"),
])
def test_bad_answers_say_what_is_wrong(answers, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assess(inputs(), DEFAULTS, QUESTIONS, answers)


@pytest.mark.parametrize(("kind", "params"), [
    (K.LEAD_TIME_BELOW, {}), (K.LEAD_TIME_BELOW, {"hours": "soon"}), (K.OUTAGE_REQUIRED, {"x": 1}),
    (K.TEAM_SCORE_BELOW, {"threshold": True}), (K.LEAD_TIME_BELOW, {"hours": 4, "change_types": ["odd"]}),
])
def test_condition_parameters_are_checked(kind, params):
    with pytest.raises(ValueError):
        check_params(kind, params)


def test_valid_parameters_pass():
    for condition in DEFAULTS:
        check_params(condition.kind, condition.params)
