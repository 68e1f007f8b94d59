"""Request and response bodies of review intervals and the review queue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page

from tandem_knowledge.articles.evergreen import MAX_INTERVAL_DAYS
from tandem_knowledge.articles.lifecycle import ArticleKind
from tandem_knowledge.articles.schemas import FeedbackSummary


class IntervalWrite(BaseModel):
    """How long a published article of the kind stays current."""

    # No {"days": null} example: FastAPI drops nulls from the document, which would show an invalid {}.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 60}]})

    days: int | None = Field(ge=1, le=MAX_INTERVAL_DAYS, strict=True,  # strict: `true` is not 1 day
                             description="Days from publication to the next review; null: never due.")


class IntervalRead(BaseModel):
    """A kind's review interval as it applies, and where it comes from."""

    kind: ArticleKind
    days: int | None
    source: Literal["built_in", "configured"]
    updated_by: str | None
    updated_at: datetime | None


class QueueItem(BaseModel):
    """A published article its owner should review: why, how late, and how helpful readers found it."""

    id: uuid.UUID
    title: str
    kind: ArticleKind
    owner: str
    review_due: date | None
    days_overdue: int | None = Field(description="Days past the review date (0 on the date); null when not due.")
    stale: bool
    needs_refresh: bool
    refresh_reason: str | None
    reasons: list[Literal["due", "stale", "needs_refresh"]]
    published_version: int | None
    feedback: FeedbackSummary


class QueuePage(Page[QueueItem]):
    """A page of the review queue: lowest helpful ratio first (unrated last), then the oldest review date."""
