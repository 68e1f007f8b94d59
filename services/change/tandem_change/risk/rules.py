"""The risk engine: ordered risk conditions (first match wins) and a weighted questionnaire; higher wins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RiskLevel(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return RISK_ORDER.index(self)


RISK_ORDER = (RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH)


class ConditionKind(StrEnum):
    LEAD_TIME_BELOW = "lead_time_below"  # params: hours, change_types (default all)
    CRITICAL_SERVICE_IMPACTED = "critical_service_impacted"  # params: min_services (default 1)
    OUTAGE_REQUIRED = "outage_required"
    TEAM_SCORE_BELOW = "team_score_below"  # params: threshold
    AFFECTED_CIS_AT_LEAST = "affected_cis_at_least"  # params: count


# The parameters each kind takes and whether they are required.
CONDITION_PARAMS: dict[ConditionKind, dict[str, bool]] = {
    ConditionKind.LEAD_TIME_BELOW: {"hours": True, "change_types": False},
    ConditionKind.CRITICAL_SERVICE_IMPACTED: {"min_services": False},
    ConditionKind.OUTAGE_REQUIRED: {},
    ConditionKind.TEAM_SCORE_BELOW: {"threshold": True},
    ConditionKind.AFFECTED_CIS_AT_LEAST: {"count": True},
}


@dataclass(frozen=True)
class RiskInputs:
    """What the engine knows about a change; impact figures come from the CMDB's impact analysis."""

    change_type: str
    planned_start: datetime
    now: datetime
    outage_required: bool = False
    affected_ci_count: int = 0
    impacted_critical_services: int = 0
    max_impacted_criticality: int | None = None
    team: str = "unassigned"
    team_success_score: int | None = None  # None: the team has no implemented change yet


@dataclass(frozen=True)
class Condition:
    """One configured condition: when it matches, the change has `risk`."""

    name: str
    kind: ConditionKind
    risk: RiskLevel
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    key: str
    text: str
    weight: float


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answers: Sequence[Answer]


@dataclass(frozen=True)
class Questionnaire:
    """Questions with weighted answers; the sum of the chosen weights maps to a level by thresholds."""

    questions: Sequence[Question]
    moderate_from: float
    high_from: float

    def level(self, score: float) -> RiskLevel:
        if score >= self.high_from:
            return RiskLevel.HIGH
        return RiskLevel.MODERATE if score >= self.moderate_from else RiskLevel.LOW


@dataclass(frozen=True)
class RiskAssessment:
    risk: RiskLevel
    explanation: str
    condition: str | None  # the name of the condition that matched, if any
    questionnaire_score: float | None


def check_params(kind: ConditionKind, params: Mapping[str, Any]) -> None:
    """ValueError naming what is wrong with a condition's parameters."""
    spec = CONDITION_PARAMS[kind]
    unknown = set(params) - set(spec)
    if unknown:
        raise ValueError(f"unknown parameter(s) for {kind.value}: {', '.join(sorted(unknown))}")
    for name, required in spec.items():
        if required and name not in params:
            raise ValueError(f"{kind.value} needs the parameter {name}")
    for name in ("hours", "threshold", "count", "min_services"):
        if name in params and (isinstance(params[name], bool) or not isinstance(params[name], int | float)):
            raise ValueError(f"{name} must be a number")
    types = params.get("change_types")
    if types is not None and (not isinstance(types, list) or not set(types) <= {"standard", "normal", "emergency"}):
        raise ValueError("change_types must be a list of standard, normal, emergency")


def match(condition: Condition, inputs: RiskInputs) -> str | None:
    """Why the condition matches the change, or None when it does not."""
    p = condition.params
    if condition.kind is ConditionKind.LEAD_TIME_BELOW:
        if p.get("change_types") and inputs.change_type not in p["change_types"]:
            return None
        lead = (inputs.planned_start - inputs.now).total_seconds() / 3600
        return f"planned start in {lead:.1f} h, under {p['hours']} h" if lead < p["hours"] else None
    if condition.kind is ConditionKind.CRITICAL_SERVICE_IMPACTED:
        needed = p.get("min_services", 1)
        if inputs.impacted_critical_services >= needed:
            return f"{inputs.impacted_critical_services} critical business service(s) impacted"
        return None
    if condition.kind is ConditionKind.OUTAGE_REQUIRED:
        return "an outage is required" if inputs.outage_required else None
    if condition.kind is ConditionKind.TEAM_SCORE_BELOW:
        score = inputs.team_success_score
        if score is not None and score < p["threshold"]:
            return f"team {inputs.team} has a change success score of {score}, under {p['threshold']}"
        return None
    if condition.kind is ConditionKind.AFFECTED_CIS_AT_LEAST:
        count = inputs.affected_ci_count
        return f"{count} affected CIs, at least {p['count']}" if count >= p["count"] else None
    raise ValueError(f"unknown condition kind {condition.kind}")


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, str]) -> tuple[float, list[str]]:
    """The questionnaire score and the chosen answers; ValueError naming a missing or unknown answer."""
    known = {q.key: q for q in questionnaire.questions}
    unknown = set(answers) - set(known)
    if unknown:
        raise ValueError(f"unknown question(s): {', '.join(sorted(unknown))}")
    missing = [q.key for q in questionnaire.questions if q.key not in answers]
    if missing:
        raise ValueError(f"unanswered question(s): {', '.join(missing)}")
    total, chosen = 0.0, []
    for question in questionnaire.questions:
        answer = next((a for a in question.answers if a.key == answers[question.key]), None)
        if answer is None:
            raise ValueError(f"{answers[question.key]!r} is not an answer of {question.key}")
        total += answer.weight
        chosen.append(f"{question.key}={answer.key} ({answer.weight:g})")
    return total, chosen


def assess(inputs: RiskInputs, conditions: Sequence[Condition], questionnaire: Questionnaire | None = None,
           answers: Mapping[str, str] | None = None) -> RiskAssessment:
    """The change's risk: the first matching condition and the questionnaire, the higher of the two."""
    matched: tuple[Condition, str] | None = None
    for condition in conditions:
        reason = match(condition, inputs)
        if reason is not None:
            matched = (condition, reason)
            break
    parts: list[str] = []
    condition_risk = RiskLevel.LOW
    if matched:
        condition_risk = matched[0].risk
        parts.append(f"condition '{matched[0].name}' matched ({matched[1]}) → {condition_risk.value}")
    else:
        parts.append("no risk condition matched → low")
    score, answer_risk = None, RiskLevel.LOW
    if questionnaire is not None and answers:
        score, chosen = score_answers(questionnaire, answers)
        answer_risk = questionnaire.level(score)
        parts.append(f"questionnaire score {score:g} ({', '.join(chosen)}; moderate from "
                     f"{questionnaire.moderate_from:g}, high from {questionnaire.high_from:g}) → {answer_risk.value}")
    else:
        parts.append("questionnaire not answered")
    risk = max(condition_risk, answer_risk, key=lambda r: r.rank)
    if score is not None and answer_risk.rank > condition_risk.rank:
        decided = "the questionnaire decided"
    elif matched:
        decided = f"condition '{matched[0].name}' decided"
    else:
        decided = "nothing raised it"
    return RiskAssessment(risk=risk, explanation=f"{risk.value}: {decided}; " + "; ".join(parts),
                          condition=matched[0].name if matched else None, questionnaire_score=score)
