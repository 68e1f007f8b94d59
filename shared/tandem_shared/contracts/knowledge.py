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
