"""Request and response bodies of the change API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page
from tandem_shared.bounds import MAX_CHANGE_WINDOW, MAX_EFFORT_HOURS, PlanDatetime, check_window

from tandem_change.record.lifecycle import ChangeState, ChangeType, Outcome
from tandem_change.risk.rules import RiskLevel

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Comment = Annotated[str, StringConstraints(max_length=5_000)]
Answers = Annotated[dict[str, str], Field(max_length=100, description="Risk questionnaire answers: question key → "
                                          "answer key (see GET /change/v1/risk-questionnaire).")]


Effort = Annotated[float, Field(ge=0, le=MAX_EFFORT_HOURS)]
WINDOW_NOTE = (f"Within the planning horizon; the window ends after it starts and lasts at most "
               f"{MAX_CHANGE_WINDOW.days} days.")


class _Window(BaseModel):
    @field_validator("planned_end", check_fields=False)
    @classmethod
    def _ends_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("planned_start")
        if start is not None and end <= start:
            raise ValueError("must be after planned_start")
        if start is not None:
            check_window(start, end, longest=MAX_CHANGE_WINDOW)
        return end


class ChangeCreate(_Window):
    """A new change request; a standard change names an active change model."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Patch the payment gateway cluster", "type": "normal",
        "planned_start": "2026-12-01T22:00:00+00:00", "planned_end": "2026-12-02T02:00:00+00:00",
        "assignee_id": "6f1c1b7e-3f5a-4a59-9a57-1f5d8c0b2c11", "effort_hours": 6,
        "affected_cis": ["0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"], "justification": "CVE-2026-1234",
        "implementation_plan": "Drain, patch and re-enable each node in turn.",
        "backout_plan": "Reinstall the previous package from the local mirror.", "outage_required": False,
    }]})

    title: Title
    type: ChangeType
    planned_start: PlanDatetime = Field(description=WINDOW_NOTE)
    planned_end: PlanDatetime = Field(description=WINDOW_NOTE)
    assignee_id: uuid.UUID | None = Field(None, description="A person id known to capacity.")
    effort_hours: Effort = Field(0, description="Implementer hours, booked on approval; a standard change without it "
                                 f"takes its model's default effort. At most {MAX_EFFORT_HOURS:,.0f}.")
    affected_cis: list[uuid.UUID] = Field(default_factory=list, max_length=500,
                                          description="Ids of active configuration items the change touches.")
    description: LongText | None = None
    justification: LongText | None = Field(None, description="Why the change is needed.")
    implementation_plan: LongText | None = Field(None, description="How it is done (standard: the model's plan "
                                                 "when omitted).")
    backout_plan: LongText | None = Field(None, description="How it is undone if it goes wrong.")
    test_plan: LongText | None = Field(None, description="How success is verified.")
    outage_required: bool = Field(False, description="True when a service is down during the window.")
    project_id: uuid.UUID | None = Field(None, description="The portfolio project this change belongs to.")
    model_id: uuid.UUID | None = Field(None, description="The change model of a standard change (required for "
                                       "standard, refused for normal and emergency).")

    @field_validator("effort_hours")
    @classmethod
    def _effort_needs_assignee(cls, hours: float, info: ValidationInfo) -> float:
        if hours > 0 and info.data.get("assignee_id") is None:
            raise ValueError("needs an assignee_id to book the hours against")
        return hours


class ChangeUpdate(BaseModel):
    """Fields to change (If-Match recommended). What may change depends on the state: everything in new,
    all but type and model in assess, then only description and project (and review_notes in review).
    The window, assignee and effort move with POST .../reschedule."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: title, type, outage_required and affected_cis refuse null; the document does not offer it.
    title: Title | SkipJsonSchema[None] = None
    type: ChangeType | SkipJsonSchema[None] = Field(None, description="Only in state new.")
    model_id: uuid.UUID | None = Field(None, description="Only in state new; null for normal and emergency.")
    description: LongText | None = None
    justification: LongText | None = None
    implementation_plan: LongText | None = None
    backout_plan: LongText | None = None
    test_plan: LongText | None = None
    outage_required: bool | SkipJsonSchema[None] = None
    affected_cis: Annotated[list[uuid.UUID], Field(max_length=500)] | SkipJsonSchema[None] = Field(
        None, description="Ids of active configuration items (replaces the list).")
    project_id: uuid.UUID | None = None
    review_notes: LongText | None = Field(None, description="Only in state review.")

    @model_validator(mode="after")
    def _no_null_for_required(self) -> ChangeUpdate:
        for name in ("title", "type", "outage_required", "affected_cis"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TransitionRequest(BaseModel):
    """An optional comment or reason for a transition."""

    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = None


class AssessRequest(TransitionRequest):
    """The change manager's assessment: the risk questionnaire's answers (optional, all or none)."""

    answers: Answers | None = None


class RiskRequest(BaseModel):
    """Recompute the risk, optionally with (new) questionnaire answers."""

    model_config = ConfigDict(extra="forbid")

    answers: Answers | None = None


class RescheduleRequest(_Window):
    """A new planned window, and optionally a new assignee or effort."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "planned_start": "2027-03-21T22:00:00Z", "planned_end": "2027-03-22T02:00:00Z", "effort_hours": 6}]})

    planned_start: PlanDatetime = Field(description=WINDOW_NOTE)
    planned_end: PlanDatetime = Field(description=WINDOW_NOTE)
    assignee_id: uuid.UUID | None = Field(None, description="A new assignee (a person known to capacity); "
                                          "omitted: unchanged.")
    effort_hours: Effort | None = Field(None, description="New effort; omitted: unchanged.")
    reason: Comment | None = Field(None, description="Why the window moved.")


class StartRequest(TransitionRequest):
    """Begin implementing; actual_start defaults to now."""

    actual_start: PlanDatetime | None = None


class IncidentCaused(BaseModel):
    """An incident the change caused, by priority (1 highest)."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(ge=1, le=3)


class CompleteRequest(TransitionRequest):
    """The implementation's outcome; actual_end defaults to now."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "successful_with_issues", "actual_end": "2027-03-14T23:40:00Z",
        "incidents_caused": [{"priority": 3}],
        "comment": "Failover took 12 minutes instead of 5; one P3 ticket from the service desk."}]})

    outcome: Outcome
    actual_end: PlanDatetime | None = None
    incidents_caused: list[IncidentCaused] = Field(default_factory=list, max_length=100,
                                                   description="P1–P3 incidents the change caused (lower the "
                                                   "team's change success score).")


class CloseRequest(TransitionRequest):
    """Close after review; review notes are required for failed, backed-out and emergency changes."""

    review_notes: LongText | None = Field(None, description="Post-implementation review notes (replace stored ones).")


class ChangeRead(BaseModel):
    """A change request as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    type: ChangeType
    state: ChangeState
    description: str | None
    justification: str | None
    implementation_plan: str | None
    backout_plan: str | None
    test_plan: str | None
    outage_required: bool
    requested_by: str
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    affected_cis: list[str]
    project_id: uuid.UUID | None
    model_id: uuid.UUID | None
    risk: RiskLevel | None = Field(description="Set at assessment (standard: low; emergency: at submit).")
    risk_explanation: str | None = Field(description="Which condition or answers decided the risk.")
    risk_answers: dict[str, str] | None
    approval_policy_id: uuid.UUID | None
    approved_by: str | None
    approved_at: datetime | None
    outcome: Outcome | None
    incidents_caused: list[int] | None
    actual_start: datetime | None
    actual_end: datetime | None
    review_notes: str | None
    closed_at: datetime | None
    booking_status: Literal["booked", "released", "rejected"] | None = Field(
        None, description="Capacity's answer once the change is authorised: booked, released (canceled), or "
        "rejected with `booking_reason` (the assignee's manager is alerted, GET /change/v1/alerts); null before.")
    booking_reason: str | None = Field(None, description="Why capacity could not book the change.")
    version: int
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = Field(default_factory=list, description="Actions possible now.")


class ChangePage(Page[ChangeRead]):
    """A page of change requests."""


SortKey = Literal["created_at", "-created_at", "planned_start", "-planned_start"]
