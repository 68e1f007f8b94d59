"""Request and response bodies of review policies, reviews and votes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tandem_shared.api import Page
from tandem_shared.quorum import QuorumKind

from tandem_knowledge.articles.lifecycle import ArticleKind, WorkflowState
from tandem_knowledge.reviews.rules import Decision, ReviewState

Member = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
MAX_MEMBERS = 100


class QuorumRule(BaseModel):
    """A number of approvals, or a percentage of the eligible reviewers (GLPI's rule, shared with the CAB)."""

    kind: QuorumKind
    value: int = Field(ge=1)


class PolicyWrite(BaseModel):
    """Who reviews articles of a kind, and how many approvals publish one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"members": ["kim", "lee", "ola"], "quorum": {"kind": "number", "value": 2}},
        {"members": [], "quorum": {"kind": "number", "value": 1}},
    ]})

    members: list[Member] = Field(max_length=MAX_MEMBERS, description="Token subjects of the reviewers; empty: any "
                                  "knowledge editor (then the quorum is a number).")
    quorum: QuorumRule


class PolicyRead(BaseModel):
    """A kind's review policy as it applies, and where it comes from."""

    kind: str = Field(description="An article kind, or `default` (kinds without their own).")
    members: list[str]
    quorum: QuorumRule
    source: Literal["kind", "default", "built_in"]
    version: int | None = Field(description="The stored row's version (ETag); null when not stored.")
    updated_by: str | None
    updated_at: datetime | None


class SubmitBody(BaseModel):
    """A note to the reviewers."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "comment": "Rewrote the rollback section after the March incident; please check the commands."}]})

    comment: Comment | None = None


class VoteCreate(BaseModel):
    """Approve the version under review, or reject it saying what to change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve"}, {"decision": "reject", "comment": "Add the rollback steps."}]})

    decision: Decision
    comment: Comment | None = Field(None, description="Required with reject: the authors get it with the draft.")


class VoteRead(BaseModel):
    """A reviewer's vote."""

    model_config = ConfigDict(from_attributes=True)

    voter: str
    decision: Decision
    comment: str | None
    cast_at: datetime


class ReviewRead(BaseModel):
    """A review of a version of an article: reviewers, quorum, votes and outcome."""

    id: uuid.UUID
    article_id: uuid.UUID
    version: int = Field(description="The version under review (the number it gets when published).")
    revision: bool
    kind: ArticleKind
    state: ReviewState
    policy: str
    open_group: bool = Field(description="Any knowledge editor but the authors reviews (no members configured).")
    reviewers: list[str]
    authors: list[str] = Field(description="Who wrote the version; they never vote on it.")
    quorum: QuorumRule
    votes: list[VoteRead]
    approvals: int
    rejections: int
    waiting_on: list[str] | None = Field(description="Reviewers yet to vote while open; null for an open group.")
    comment: str | None
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    article_state: WorkflowState = Field(description="The article's workflow state now.")


class ReviewPage(Page[ReviewRead]):
    """A page of reviews, newest first."""
