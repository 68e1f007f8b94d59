"""Bodies of the stage-gate API: gate configuration, criteria, reviews and votes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from tandem_shared.api import Page
from tandem_shared.quorum import QuorumKind

from tandem_portfolio.gates.rules import ReviewState, Vote
from tandem_portfolio.projects.lifecycle import Gate, ProjectStage

PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
ParamValue = int | float | bool | str


class CriterionConfig(BaseModel):
    """A criterion the gate checks, by its registered name, with its parameters."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    params: dict[str, ParamValue] = Field(default_factory=dict)


class QuorumRule(BaseModel):
    """How many go votes pass the gate: a number of members, or a percentage (1–100) of the eligible ones."""

    model_config = ConfigDict(extra="forbid")

    kind: QuorumKind
    value: int = Field(ge=1)


class GateBoard(BaseModel):
    """Who votes, and the quorum; the project's sponsor and project manager are left out of their own reviews."""

    model_config = ConfigDict(extra="forbid")

    members: list[PersonRef] = Field(max_length=100)
    quorum: QuorumRule

    @field_validator("members")
    @classmethod
    def _once(cls, members: list[str]) -> list[str]:
        if len(members) != len(set(members)):
            raise ValueError("a member is listed twice")
        return members


class GateConfigWrite(BaseModel):
    """A portfolio's whole configuration of one gate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "criteria": [{"name": "sponsor_named", "params": {}}, {"name": "objectives_linked", "params": {"min": 2}}],
        "board": {"members": ["omar", "iris", "theo"], "quorum": {"kind": "number", "value": 2}}}]})

    criteria: list[CriterionConfig] = Field(max_length=30)
    board: GateBoard


class GateConfigRead(BaseModel):
    """The configuration a gate of a portfolio applies, and where it comes from."""

    portfolio: str
    gate: Gate
    from_stage: ProjectStage
    to_stage: ProjectStage
    criteria: list[CriterionConfig]
    board: GateBoard
    source: Literal["portfolio", "default_portfolio", "built_in"] = Field(
        description="This portfolio's own configuration, the `default` portfolio's, or the built-in one.")
    version: int | None = Field(description="Version of the stored configuration (its ETag); null when built in.")
    updated_by: str | None
    updated_at: datetime | None


class CriterionInfo(BaseModel):
    """A criterion a gate can check."""

    name: str
    description: str
    params: dict[str, str] = Field(description="Parameter name -> what it means.")


class CriterionOutcome(BaseModel):
    """One criterion, met or not, and why."""

    name: str
    params: dict[str, Any]
    met: bool
    why: str
    facts: dict[str, Any] = Field(default_factory=dict)


class ReviewOpen(BaseModel):
    """Opening a gate review."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"comment": "Ready for screening."}]})

    comment: Comment | None = None


class VoteCreate(BaseModel):
    """A board member's vote; any vote but go needs a comment (it is the decision's reason)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"vote": "go", "comment": "Clear problem, strong fit."}, {"vote": "recycle", "comment": "Size the CIs."}]})

    vote: Vote
    comment: Comment | None = Field(None, validate_default=True)

    @field_validator("comment")
    @classmethod
    def _why(cls, comment: str | None, info: ValidationInfo) -> str | None:
        vote = info.data.get("vote")
        if comment is None and vote is not None and vote is not Vote.GO:
            raise ValueError(f"is required with a {vote.value} vote")
        return comment


class VoteRead(BaseModel):
    """A vote as cast."""

    model_config = ConfigDict(from_attributes=True)

    voter: str
    vote: Vote
    comment: str | None
    cast_at: datetime


class ReviewRead(BaseModel):
    """A gate review: the criteria (live while open, as decided after), the board, the votes and the outcome."""

    id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    portfolio: str
    from_stage: ProjectStage
    to_stage: ProjectStage
    state: ReviewState
    criteria: list[CriterionOutcome]
    all_met: bool
    unmet: list[str] = Field(description="Names of the criteria not met.")
    voters: list[str] = Field(description="Eligible voters, frozen when the review opened.")
    quorum: QuorumRule
    votes: list[VoteRead]
    tally: dict[str, int]
    waiting_on: list[str] = Field(description="Eligible voters who have not voted (while open).")
    comment: str | None
    opened_by: str
    opened_at: datetime
    decision: Vote | None
    decided_by: str | None = Field(description="Whose vote decided the review.")
    decided_at: datetime | None
    version: int


class ReviewPage(Page[ReviewRead]):
    """A page of gate reviews, newest first."""
