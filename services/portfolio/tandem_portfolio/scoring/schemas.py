"""Bodies of scoring models, a project's scoring inputs and the ranking."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Kind = Literal["weighted", "wsjf", "rice"]
Criterion = Literal["strategic_alignment", "value", "risk", "urgency"]
Weight = Annotated[float, Field(ge=0, le=100)]
Scale10 = Annotated[float, Field(ge=0, le=10)]
Relative = Annotated[float, Field(ge=0, le=100)]


class ScoringModelWrite(BaseModel):
    """A scoring model: weighted criteria, WSJF or RICE."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Strategic value 2027", "kind": "weighted", "description": "Board's weighting for 2027.",
         "weights": {"strategic_alignment": 4, "value": 3, "risk": 2, "urgency": 1}},
        {"name": "SAFe WSJF", "kind": "wsjf"}]})

    name: Name
    kind: Kind
    description: str | None = Field(None, max_length=5000)
    weights: dict[Criterion, Weight] = Field(
        default_factory=dict, description="Weighted models only: a weight (0–100) per criterion; at least one "
        "above 0. Criteria are judged 0–10; risk is inverted (10 − risk).")

    @field_validator("weights")
    @classmethod
    def _weights_fit_kind(cls, weights: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        kind = info.data.get("kind")
        if kind == "weighted" and not any(weight > 0 for weight in weights.values()):
            raise ValueError("a weighted model needs at least one weight above 0")
        if kind in ("wsjf", "rice") and weights:
            raise ValueError(f"a {kind} model takes no weights")
        return weights


class ScoringModelRead(BaseModel):
    """A scoring model as stored, with its formula."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: Kind
    description: str | None
    weights: dict[str, float]
    formula: str
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class ScoringModelPage(Page[ScoringModelRead]):
    """A page of scoring models, by name."""


class ScoringInputsWrite(BaseModel):
    """What a project is judged on; leave out what is not known (models needing it give no score)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "value": 8, "risk": 3, "urgency": 6, "business_value": 13, "time_criticality": 8, "risk_reduction": 5,
        "job_size": 8, "reach": 4000, "impact": 2, "confidence": 80, "effort": 6}]})

    value: Scale10 | None = Field(None, description="Business value, 0–10.")
    risk: Scale10 | None = Field(None, description="Delivery risk, 0–10 (lower scores higher).")
    urgency: Scale10 | None = Field(None, description="0–10.")
    business_value: Relative | None = Field(None, description="WSJF, relative 0–100 (e.g. 1, 2, 3, 5, 8, 13, 20).")
    time_criticality: Relative | None = Field(None, description="WSJF, relative 0–100.")
    risk_reduction: Relative | None = Field(None, description="WSJF risk reduction / opportunity enablement, 0–100.")
    job_size: Annotated[float, Field(gt=0, le=100)] | None = Field(None, description="WSJF, above 0 up to 100.")
    reach: Annotated[float, Field(ge=0, le=1e9)] | None = Field(None, description="RICE: people or events a period.")
    impact: Annotated[float, Field(ge=0, le=3)] | None = Field(
        None, description="RICE: 3 massive, 2 high, 1 medium, 0.5 low, 0.25 minimal.")
    confidence: Relative | None = Field(None, description="RICE: percent, 0–100.")
    effort: Annotated[float, Field(gt=0, le=10_000)] | None = Field(None, description="RICE: person-months, above 0.")


class ProjectScoreRead(BaseModel):
    """A project's stored score under one model, with its explanation."""

    model_id: uuid.UUID
    model_name: str
    kind: Kind
    score: float
    explanation: dict[str, Any]
    computed_at: datetime


class ScoringInputsRead(ScoringInputsWrite):
    """A project's scoring inputs, its computed strategic alignment and its scores."""

    model_config = ConfigDict(extra="ignore")

    project_id: uuid.UUID
    strategic_alignment: float | None = Field(
        description="0–10 from the project's objective contributions; null without active objectives.")
    version: int | None = Field(description="The inputs' version (their ETag); null before the first PUT.")
    updated_by: str | None
    updated_at: datetime | None
    scores: list[ProjectScoreRead]


class RankingItem(BaseModel):
    """One project's place in a model's ranking."""

    rank: int = Field(description="1 + the number of listed projects with a higher score (ties share a rank).")
    project_id: uuid.UUID
    project_name: str
    stage: str
    category: str
    score: float
    explanation: dict[str, Any]


class RankingPage(Page[RankingItem]):
    """Projects by score, highest first (ties by project id); projects without a score are not listed."""

    model_id: uuid.UUID
    model_name: str
    kind: Kind
