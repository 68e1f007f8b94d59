"""Scoring arithmetic: weighted criteria normalised to 0–100 with risk inverted, WSJF, RICE, explanations, inputs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tandem_portfolio.scoring import rules
from tandem_portfolio.scoring.schemas import ScoringInputsWrite, ScoringModelWrite


def test_weighted_is_the_weighted_mean_on_a_0_to_100_scale() -> None:
    weights = {"strategic_alignment": 4, "value": 3, "risk": 2, "urgency": 1}
    inputs = {"strategic_alignment": 5.0, "value": 8.0, "risk": 3.0, "urgency": 6.0}
    result = rules.weighted(weights, inputs)
    # 100 × (4·5 + 3·8 + 2·(10 − 3) + 1·6) / (10 · 10) = 100 × 64 / 100
    assert result.score == pytest.approx(64.0)
    assert [(t.name, t.share, t.normalised, t.contribution) for t in result.terms] == [
        ("strategic_alignment", 0.4, 0.5, 20.0), ("value", 0.3, 0.8, 24.0), ("risk", 0.2, 0.7, 14.0),
        ("urgency", 0.1, 0.6, 6.0)]
    assert sum(t.contribution for t in result.terms) == pytest.approx(result.score)
    assert "risk is inverted: s = 10 − risk" in result.notes


def test_weights_are_normalised_so_their_scale_does_not_matter() -> None:
    inputs = {"value": 7.0, "urgency": 2.0}
    assert rules.weighted({"value": 1, "urgency": 1}, inputs).score == pytest.approx(45.0)
    assert rules.weighted({"value": 50, "urgency": 50}, inputs).score == pytest.approx(45.0)
    # A criterion weighted 0 is left out, and its input is not needed.
    only_value = rules.weighted({"value": 2, "urgency": 0, "risk": 0}, {"value": 7.0})
    assert only_value.score == pytest.approx(70.0) and [t.name for t in only_value.terms] == ["value"]


def test_risk_is_inverted_lower_risk_scores_higher() -> None:
    weights = {"risk": 1}
    assert rules.weighted(weights, {"risk": 0.0}).score == 100.0
    assert rules.weighted(weights, {"risk": 10.0}).score == 0.0
    assert rules.weighted(weights, {"risk": 2.5}).score == pytest.approx(75.0)
    assert rules.weighted(weights, {"risk": 2.0}).score > rules.weighted(weights, {"risk": 8.0}).score


def test_weighted_extremes_span_0_to_100() -> None:
    weights = {"strategic_alignment": 1, "value": 1, "risk": 1, "urgency": 1}
    best = {"strategic_alignment": 10.0, "value": 10.0, "risk": 0.0, "urgency": 10.0}
    worst = {"strategic_alignment": 0.0, "value": 0.0, "risk": 10.0, "urgency": 0.0}
    assert rules.weighted(weights, best).score == 100.0 and rules.weighted(weights, worst).score == 0.0


def test_missing_inputs_give_no_score_and_name_what_is_missing() -> None:
    result = rules.weighted({"value": 1, "risk": 1}, {"value": 5.0, "risk": None})
    assert result.score is None and result.missing == ("risk",)
    assert rules.wsjf({"business_value": 8}).missing == ("time_criticality", "risk_reduction", "job_size")
    assert rules.rice({"reach": 10, "impact": 1, "confidence": 50}).missing == ("effort",)


def test_wsjf_is_cost_of_delay_over_job_size() -> None:
    result = rules.wsjf({"business_value": 13, "time_criticality": 8, "risk_reduction": 5, "job_size": 8})
    assert result.score == pytest.approx((13 + 8 + 5) / 8)
    assert [(t.name, t.contribution, t.role) for t in result.terms] == [
        ("business_value", 13 / 8, "adds"), ("time_criticality", 1.0, "adds"), ("risk_reduction", 5 / 8, "adds"),
        ("job_size", None, "divides")]
    assert result.notes == ("cost of delay = 26.0",) and result.formula == rules.WSJF_FORMULA
    with pytest.raises(ValueError, match="job_size"):
        rules.wsjf({"business_value": 1, "time_criticality": 1, "risk_reduction": 1, "job_size": 0})


def test_rice_is_reach_impact_confidence_over_effort() -> None:
    result = rules.rice({"reach": 4000, "impact": 2, "confidence": 80, "effort": 6})
    assert result.score == pytest.approx(4000 * 2 * 0.8 / 6)
    assert [t.name for t in result.terms] == ["reach", "impact", "confidence", "effort"]
    assert result.terms[2].normalised == 0.8
    with pytest.raises(ValueError, match="effort"):
        rules.rice({"reach": 1, "impact": 1, "confidence": 100, "effort": 0})


def test_scores_keep_float_noise_out_of_ties() -> None:
    result = rules.wsjf({"business_value": 0.1, "time_criticality": 0.2, "risk_reduction": 0, "job_size": 1})
    assert result.score == 0.3


def test_strategic_alignment_from_objective_contributions() -> None:
    # Objectives weighing 3 and 1 (and another of 1 not served), contributions 5 and 2 of 5: 10 × (15 + 2) / (5 × 5).
    assert rules.alignment([(3, 5), (1, 2)], 5) == pytest.approx(10 * 17 / 25)
    assert rules.alignment([], 5) == 0.0
    assert rules.alignment([], 0) is None


def test_explanation_lists_formula_terms_and_missing() -> None:
    explained = rules.score("wsjf", {}, {"business_value": 3, "time_criticality": 2, "risk_reduction": 1,
                                         "job_size": 2}).explanation()
    assert explained["formula"] == rules.WSJF_FORMULA and explained["score"] == 3.0 and explained["missing"] == []
    assert explained["terms"][0] == {"name": "business_value", "input": 3.0, "contribution": 1.5, "role": "adds"}
    with pytest.raises(ValueError, match="unknown scoring kind"):
        rules.score("magic", {}, {})


def test_inputs_are_validated_at_input_time() -> None:
    for bad in ({"job_size": 0}, {"effort": 0}, {"value": 11}, {"risk": -1}, {"impact": 4}, {"confidence": 101},
                {"reach": -5}, {"business_value": 101}, {"unknown": 1}):
        with pytest.raises(ValidationError) as error:
            ScoringInputsWrite(**bad)
        assert error.value.errors()[0]["loc"][0] == next(iter(bad))
    assert ScoringInputsWrite(job_size=0.5, effort=0.1).job_size == 0.5


def test_model_weights_fit_the_kind() -> None:
    assert ScoringModelWrite(name="Value first", kind="weighted", weights={"value": 1}).weights == {"value": 1}
    for bad in ({"kind": "weighted", "weights": {}}, {"kind": "weighted", "weights": {"value": 0}},
                {"kind": "wsjf", "weights": {"value": 1}}, {"kind": "weighted", "weights": {"luck": 1}},
                {"kind": "weighted", "weights": {"value": -1}}):
        with pytest.raises(ValidationError) as error:
            ScoringModelWrite(name="A model", **bad)
        assert error.value.errors()[0]["loc"][0] == "weights"
