"""Bodies of the risk condition and questionnaire API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page

from tandem_change.risk.rules import ConditionKind, RiskLevel, check_params

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_-]{1,50}$")]
PARAMS_DOC = ("lead_time_below: {hours, change_types?}; critical_service_impacted: {min_services?}; "
              "outage_required: {}; team_score_below: {threshold}; affected_cis_at_least: {count}.")


class RiskConditionCreate(BaseModel):
    """A risk condition: when it is the first active one to match a change, the change has `risk`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Insufficient lead time", "kind": "lead_time_below",
        "params": {"hours": 48, "change_types": ["normal"]}, "risk": "high", "position": 20}]})

    name: Name
    kind: ConditionKind
    params: dict[str, Any] = Field(default_factory=dict, description=PARAMS_DOC)
    risk: RiskLevel
    position: int = Field(100, ge=0, le=1_000_000, description="Lower is checked first.")
    active: bool = True

    @model_validator(mode="after")
    def _params_fit_kind(self) -> RiskConditionCreate:
        check_params(self.kind, self.params)
        return self


class RiskConditionUpdate(BaseModel):
    """Fields to change; `params` is checked against the (new) kind."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: each refuses null (risk.service.update_condition), so the document does not offer it.
    name: Name | SkipJsonSchema[None] = None
    kind: ConditionKind | SkipJsonSchema[None] = None
    params: dict[str, Any] | SkipJsonSchema[None] = Field(None, description=PARAMS_DOC)
    risk: RiskLevel | SkipJsonSchema[None] = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None


class RiskConditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: ConditionKind
    params: dict[str, Any]
    risk: RiskLevel
    position: int
    active: bool
    version: int
    created_at: datetime


class RiskConditionPage(Page[RiskConditionRead]):
    """Risk conditions in the order they are checked."""


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    key: Key
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    weight: float = Field(ge=0, le=1000, strict=True)  # strict: `true` is not a weight


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    key: Key
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    answers: list[AnswerIn] = Field(min_length=2, max_length=20)

    @model_validator(mode="after")
    def _unique_answers(self) -> QuestionIn:
        if len({a.key for a in self.answers}) != len(self.answers):
            raise ValueError(f"answer keys of {self.key} must be unique")
        return self


class Questionnaire(BaseModel):
    """The risk questionnaire: the chosen answers' weights add up; the sum maps to low, moderate (from
    `moderate_from`) or high (from `high_from`)."""

    model_config = ConfigDict(extra="forbid")

    questions: list[QuestionIn] = Field(max_length=50)
    moderate_from: float = Field(ge=0, strict=True)  # strict: `false` is not a threshold of 0
    high_from: float = Field(ge=0, strict=True)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        if len({q.key for q in self.questions}) != len(self.questions):
            raise ValueError("question keys must be unique")
        if self.high_from < self.moderate_from:
            raise ValueError("high_from must be at least moderate_from")
        return self


class QuestionnaireRead(Questionnaire):
    model_config = ConfigDict(extra="ignore")

    version: int
    updated_at: datetime
