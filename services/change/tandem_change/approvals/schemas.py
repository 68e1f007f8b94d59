"""Bodies of the approver group, approval policy, vote and CAB agenda API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema
from tandem_shared.api import Page
from tandem_shared.quorum import QuorumKind, StepState, check_quorum

from tandem_change.record.lifecycle import ChangeState, ChangeType
from tandem_change.risk.rules import RiskLevel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Sub = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ApproverGroupCreate(BaseModel):
    """A new approver group with its first members (user subjects as in their tokens)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Network CAB", "description": "Reviews firewall and routing changes", "members": ["carol", "dan"]}]})

    name: Name
    description: str | None = Field(None, max_length=5_000)
    members: list[Sub] = Field(default_factory=list, max_length=500)


class ApproverGroupUpdate(BaseModel):
    """Rename or describe a group, or replace its members."""

    model_config = ConfigDict(extra="forbid")

    name: Name | SkipJsonSchema[None] = None  # refused as null: the document does not offer it
    description: str | None = Field(None, max_length=5_000)
    members: list[Sub] | None = Field(None, max_length=500, description="Replaces the member list when given.")


class MemberAdd(BaseModel):
    """A member to add."""

    model_config = ConfigDict(extra="forbid")

    member: Sub


class ApproverGroupRead(BaseModel):
    """An approver group and its members."""

    id: uuid.UUID
    name: str
    description: str | None
    members: list[str]
    version: int
    created_at: datetime


class ApproverGroupPage(Page[ApproverGroupRead]):
    """A page of approver groups."""


class PolicyStepIn(BaseModel):
    """One step: a group and its quorum (a number of approvals, or a percentage of the eligible members)."""

    model_config = ConfigDict(extra="forbid")

    group_id: uuid.UUID
    quorum_kind: QuorumKind
    quorum_value: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _quorum_fits_kind(self) -> PolicyStepIn:
        check_quorum(self.quorum_kind, self.quorum_value)
        return self


class ApprovalPolicyCreate(BaseModel):
    """A policy: changes of this type (and risk, or any risk when null) need these steps, in order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Normal change, high risk", "change_type": "normal", "risk": "high", "position": 30,
        "steps": [{"group_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "quorum_kind": "percentage",
                   "quorum_value": 50}]}]})

    name: Name
    change_type: Literal[ChangeType.NORMAL, ChangeType.EMERGENCY]
    risk: RiskLevel | None = Field(None, description="null: any risk.")
    position: int = Field(100, ge=0, le=1_000_000, description="Lower first; the first active match wins.")
    active: bool = True
    steps: list[PolicyStepIn] = Field(min_length=1, max_length=20)


class ApprovalPolicyUpdate(BaseModel):
    """Fields to change; `steps` replaces all steps (changes already in approval keep theirs)."""

    model_config = ConfigDict(extra="forbid")

    # SkipJsonSchema: name, change_type, position and active refuse null; the document does not offer it.
    name: Name | SkipJsonSchema[None] = None
    change_type: Literal[ChangeType.NORMAL, ChangeType.EMERGENCY] | SkipJsonSchema[None] = None
    risk: RiskLevel | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None
    steps: list[PolicyStepIn] | None = Field(None, min_length=1, max_length=20)


class PolicyStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    group_id: uuid.UUID
    quorum_kind: QuorumKind
    quorum_value: int


class ApprovalPolicyRead(BaseModel):
    """An approval policy with its ordered steps."""

    id: uuid.UUID
    name: str
    change_type: ChangeType
    risk: RiskLevel | None
    position: int
    active: bool
    steps: list[PolicyStepRead]
    version: int


class ApprovalPolicyPage(Page[ApprovalPolicyRead]):
    """A page of approval policies."""


class VoteRequest(BaseModel):
    """A vote on the change's current approval step."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "comment": "Backout tested in staging"}]})

    decision: Literal["approve", "reject"]
    comment: str | None = Field(None, max_length=5_000)


class VoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    voter: str
    decision: Literal["approve", "reject"]
    comment: str | None
    cast_at: datetime


class StepRead(BaseModel):
    """One approval step of a change, with the votes cast on it."""

    id: uuid.UUID
    round: int
    position: int
    group_id: uuid.UUID
    approver_group: str
    quorum_kind: QuorumKind
    quorum_value: int
    voters: list[str] = Field(description="Members eligible to vote (frozen when the step was opened; never "
                              "the requester or the assignee).")
    state: StepState
    approvals: int
    rejections: int
    opened_at: datetime | None
    decided_at: datetime | None
    votes: list[VoteRead]


class ApprovalsRead(BaseModel):
    """A change's approval steps (every round, oldest first) and where it stands."""

    change_id: uuid.UUID
    change_state: ChangeState
    risk: RiskLevel | None
    approval_policy_id: uuid.UUID | None
    round: int
    state: Literal["not_started", "waiting", "accepted", "refused", "canceled", "pre_authorised"]
    current_step: StepRead | None
    steps: list[StepRead]


class AgendaItem(BaseModel):
    """A change awaiting authorisation, as the CAB sees it."""

    change_id: uuid.UUID
    title: str
    type: ChangeType
    requested_by: str
    planned_start: datetime
    planned_end: datetime
    risk: RiskLevel | None
    risk_explanation: str | None
    current_step: StepRead | None


class Agenda(BaseModel):
    """Changes in authorize whose planned start falls in [from, to), earliest first."""

    from_: datetime = Field(alias="from")
    to: datetime
    items: list[AgendaItem]

    model_config = ConfigDict(populate_by_name=True)
