"""Request and response bodies of readers' feedback."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import Page

from tandem_knowledge.articles.schemas import FeedbackSummary

MAX_COMMENT = 2000


class FeedbackWrite(BaseModel):
    """Was the published version helpful? One answer per reader and version; sending again changes it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"helpful": False, "comment": "Step 3 names a host that no longer exists."}]})

    helpful: bool
    comment: str | None = Field(None, max_length=MAX_COMMENT, description="What helped or what was missing.")


class FeedbackRead(BaseModel):
    """A reader's feedback on a published version."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    article_id: uuid.UUID
    version: int
    reader: str
    helpful: bool
    comment: str | None
    created_at: datetime
    updated_at: datetime


class FeedbackGiven(FeedbackRead):
    """The feedback as stored, and the published version's ratio with it counted."""

    summary: FeedbackSummary


class FeedbackPage(Page[FeedbackRead]):
    """A page of an article's feedback, newest first."""
