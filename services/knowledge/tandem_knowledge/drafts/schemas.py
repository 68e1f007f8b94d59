"""Response bodies of lessons offered to a project's intake."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from tandem_knowledge.articles.schemas import FeedbackSummary


class LessonRead(BaseModel):
    """A published lesson learned, and what of the query it matched."""

    id: uuid.UUID
    title: str
    project_id: uuid.UUID | None = Field(description="The project it was learned on.")
    owner: str
    tags: list[str]
    service_ids: list[uuid.UUID]
    ci_ids: list[uuid.UUID]
    published_version: int | None
    published_at: datetime | None
    stale: bool
    feedback: FeedbackSummary
    matched_on: list[str] = Field(description="`service:<id>`, `ci:<id>`, `category:<tag>`: what it matched.")
