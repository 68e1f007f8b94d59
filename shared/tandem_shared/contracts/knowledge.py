"""Events published by the knowledge service on `tandem.knowledge`."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from tandem_shared.events import EventData, event_type


@event_type("knowledge.article.created.v1")
class ArticleCreated(EventData):
    """An article was drafted."""

    id: uuid.UUID
    title: str
    kind: str
    status: str
    author: str
    project_id: uuid.UUID | None
    change_id: uuid.UUID | None


@event_type("knowledge.article.published.v1")
class ArticlePublished(EventData):
    """A version of an article was published after review; links say what it documents."""

    id: uuid.UUID
    version: int = Field(description="The published version number (1, 2, …).")
    title: str
    kind: str = Field(description="how_to, runbook, known_error, lessons_learned, handover, faq, change_review …")
    tags: list[str] = Field(default_factory=list)
    author: str
    owner: str
    published_by: str
    project_id: uuid.UUID | None = None
    change_id: uuid.UUID | None = None
    ci_ids: list[str] = Field(default_factory=list, description="Configuration items the article documents.")
    service_ids: list[str] = Field(default_factory=list, description="Business services the article documents.")


@event_type("knowledge.article.retired.v1")
class ArticleRetired(EventData):
    """An article was retired: it no longer counts as documentation of its links."""

    id: uuid.UUID
    title: str
    kind: str
    retired_by: str
    reason: str | None = None
    project_id: uuid.UUID | None = None
    change_id: uuid.UUID | None = None
    ci_ids: list[str] = Field(default_factory=list)
    service_ids: list[str] = Field(default_factory=list)


@event_type("knowledge.article.review_due.v1")
class ArticleReviewDue(EventData):
    """A published article reached its review date (published once per due date)."""

    id: uuid.UUID
    title: str
    kind: str
    owner: str
    review_due: date
    project_id: uuid.UUID | None = None
    ci_ids: list[str] = Field(default_factory=list)
    service_ids: list[str] = Field(default_factory=list)
    # Added after the first release (optional, so events recorded before carry none).
    change_id: uuid.UUID | None = None
    days_overdue: int = Field(0, description="Days past review_due when the sweep saw it (0 on the due date).")
    helpful_ratio: float | None = Field(None, description="Share of readers who found the published version "
                                        "helpful (0..1); null without feedback.")


# The review workflow: submission, votes, return to draft, revisions of published articles. Keyed by the article, so
# its lifecycle events stay in order. Imported here so this appended section leaves the header alone.
from typing import Literal  # noqa: E402

from pydantic import BaseModel  # noqa: E402


class ReviewComment(BaseModel):
    """One reviewer's vote on a version of an article, with the comment they gave."""

    voter: str
    decision: Literal["approve", "reject"]
    comment: str | None


@event_type("knowledge.article.submitted.v1")
class ArticleSubmitted(EventData):
    """A version of an article was sent for review: who may vote and the quorum it needs."""

    id: uuid.UUID
    version: int = Field(description="The version under review (1 for an article never published).")
    title: str
    kind: str
    review_id: uuid.UUID
    submitted_by: str
    reviewers: list[str] = Field(description="Eligible reviewers; empty: any knowledge editor but the authors.")
    quorum_kind: Literal["number", "percentage"]
    quorum_value: int
    revision: bool = Field(description="True for a revision of a published article (which stays published).")


@event_type("knowledge.article.vote_cast.v1")
class ArticleVoteCast(EventData):
    """A reviewer approved or rejected the version under review; the counts cover every vote so far."""

    id: uuid.UUID
    version: int
    review_id: uuid.UUID
    voter: str
    decision: Literal["approve", "reject"]
    comment: str | None
    approvals: int
    rejections: int


@event_type("knowledge.article.returned_to_draft.v1")
class ArticleReturnedToDraft(EventData):
    """The version under review went back to draft: rejected by its reviewers (with their comments) or withdrawn."""

    id: uuid.UUID
    version: int
    review_id: uuid.UUID
    reason: Literal["rejected", "withdrawn"]
    by: str
    comments: list[ReviewComment] = Field(default_factory=list)


@event_type("knowledge.article.revision_started.v1")
class ArticleRevisionStarted(EventData):
    """A published article is being revised; readers keep its published version until the revision is published."""

    id: uuid.UUID
    version: int = Field(description="The revision's number (the published version + 1).")
    published_version: int
    started_by: str
