"""Request and response bodies of the knowledge API's articles, versions and diffs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from tandem_shared.api import Page
from tandem_shared.bounds import PlanDate

from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus, VersionStatus, WorkflowState
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH, MAX_TAGS, normalise_tags

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
MAX_BODY = 200_000
MAX_CIS = 100
MAX_SERVICES = 50
CI_IDS_DESCRIPTION = (f"Up to {MAX_CIS} configuration items (CMDB ids) the article documents; when one of them is "
                      "updated or retired, a published runbook or handover linked to it is flagged for refresh.")
SERVICE_IDS_DESCRIPTION = f"Up to {MAX_SERVICES} business services (CMDB ids) the article documents."


def _unique(ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    return None if ids is None else list(dict.fromkeys(ids))


class ArticleCreate(BaseModel):
    """A new article, drafted by the caller."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Restart the payment gateway safely", "kind": "runbook",
        "body": "## Steps\n1. Drain traffic\n2. Restart pay-gw-01, then pay-gw-02",
        "tags": ["payments", "gateway"], "change_id": "0b1d5c0e-8f1e-4a3b-9d6f-2c7f3e9a1b42",
        "ci_ids": ["0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"],
    }]})

    title: Title
    kind: ArticleKind
    body: str = Field("", max_length=MAX_BODY, description="Markdown.")
    owner: PersonRef | None = Field(None, description="Who keeps the article current; defaults to the author.")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS,
                            description=f"Up to {MAX_TAGS} tags; stored trimmed, lower case and without duplicates.")
    project_id: uuid.UUID | None = Field(None, description="The portfolio project the article belongs to.")
    change_id: uuid.UUID | None = Field(None, description="The change request the article came from.")
    review_due: PlanDate | None = Field(None, description="When the owner should next review the article (publishing "
                                    "sets it from the kind's review interval).")
    ci_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_CIS, description=CI_IDS_DESCRIPTION)
    service_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_SERVICES,
                                         description=SERVICE_IDS_DESCRIPTION)

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str]) -> list[str]:
        return normalise_tags(tags)

    @field_validator("ci_ids", "service_ids")
    @classmethod
    def _unique_ids(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return _unique(ids) or []


class ArticleUpdate(BaseModel):
    """An edit: the given fields replace the stored ones (see the PATCH route for where they go)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "body": "## Steps\n1. Drain traffic\n2. Restart pay-gw-01, then pay-gw-02\n3. Check the health page",
        "ci_ids": ["0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"],
    }]})

    title: Title | None = None
    body: str | None = Field(None, max_length=MAX_BODY, description="Markdown.")
    kind: ArticleKind | None = None
    owner: PersonRef | None = Field(None, description="Who keeps the article current (applies at once).")
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS,
                                   description=f"Up to {MAX_TAGS} tags; replaces the stored tags.")
    review_due: PlanDate | None = Field(None, description="When the owner should next review the article (applies at "
                                    "once).")
    ci_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_CIS, description=CI_IDS_DESCRIPTION)
    service_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_SERVICES, description=SERVICE_IDS_DESCRIPTION)

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else normalise_tags(tags)

    @field_validator("ci_ids", "service_ids")
    @classmethod
    def _unique_ids(cls, ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return _unique(ids)


class RetireBody(BaseModel):
    """Why an article is retired."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(None, description="Said in the audit trail and in knowledge.article.retired.v1.")


class ReviewComment(BaseModel):
    """A reviewer's vote and comment."""

    voter: str
    decision: Literal["approve", "reject"]
    comment: str | None


class FeedbackSummary(BaseModel):
    """What readers said of the published version."""

    helpful: int
    not_helpful: int
    ratio: float | None = Field(description="helpful / (helpful + not_helpful); null without feedback.")


class RevisionRead(BaseModel):
    """The pending revision of a published article: what its editors see until it is published."""

    model_config = ConfigDict(from_attributes=True)

    number: int = Field(description="The version it becomes when published.")
    status: VersionStatus
    title: str
    body: str
    kind: ArticleKind
    tags: list[str]
    ci_ids: list[uuid.UUID]
    service_ids: list[uuid.UUID]
    contributors: list[str]
    review_comments: list[ReviewComment] | None = Field(
        description="The reviewers' votes and comments when the last review returned it to draft.")
    created_by: str
    created_at: datetime
    updated_at: datetime


class ArticleRead(BaseModel):
    """An article as readers see it (the published version, or the draft of one never published)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    body: str
    kind: ArticleKind
    status: ArticleStatus
    workflow_state: WorkflowState = Field(description="The status refined by a pending revision; transitions are "
                                          "checked against it (a 409 lists the actions allowed in it).")
    author: str
    owner: str
    tags: list[str]
    project_id: uuid.UUID | None
    change_id: uuid.UUID | None
    review_due: date | None
    stale: bool = Field(description="Published and past its review date by more than the grace period.")
    ci_ids: list[uuid.UUID] = Field(description="Configuration items the article documents.")
    service_ids: list[uuid.UUID] = Field(description="Business services the article documents.")
    needs_refresh: bool = Field(description="True when a linked configuration item changed since the last "
                                "published version (or the owner last confirmed it current).")
    refresh_reason: str | None = Field(description="Why the article was flagged for refresh (which CI, what changed).")
    contributors: list[str] = Field(description="Who wrote this text; they never review it.")
    review_comments: list[ReviewComment] | None = Field(
        description="The reviewers' votes and comments when the last review returned the draft to its authors.")
    published_version: int | None = Field(description="The version readers see; null until first published.")
    published_at: datetime | None
    published_by: str | None = Field(description="Whose vote published the version readers see.")
    revision: RevisionRead | None = Field(description="The pending revision of a published article, if any.")
    feedback: FeedbackSummary
    version: int = Field(description="The row version (the ETag): moves with every change of the article or of its "
                         "pending revision.")
    created_at: datetime
    updated_at: datetime


class ArticlePage(Page[ArticleRead]):
    """A page of articles."""


class VersionSummary(BaseModel):
    """A version in the list of an article's versions."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    status: VersionStatus
    title: str
    kind: ArticleKind
    contributors: list[str]
    created_by: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None


class VersionRead(VersionSummary):
    """One version of an article, whole."""

    body: str
    tags: list[str]
    ci_ids: list[uuid.UUID]
    service_ids: list[uuid.UUID]


class DiffLineRead(BaseModel):
    """One line of a hunk: ' ' kept, '-' removed, '+' added, with its line numbers on each side."""

    op: Literal[" ", "-", "+"]
    text: str
    old_line: int | None
    new_line: int | None


class HunkRead(BaseModel):
    """A run of changed lines with context."""

    header: str = Field(description="`@@ -old_start,old_lines +new_start,new_lines @@`")
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLineRead]


class DiffRead(BaseModel):
    """What changed in the body between two versions, and which other fields differ."""

    article_id: uuid.UUID
    from_version: int
    to_version: int
    unified: str = Field(description="The body's unified diff (difflib), `---`/`+++` naming the versions.")
    hunks: list[HunkRead]
    added: int = Field(description="Lines added to the body.")
    removed: int = Field(description="Lines removed from the body.")
    fields: dict[str, dict[str, Any]] = Field(description="Other fields that differ: name -> {from, to}.")
