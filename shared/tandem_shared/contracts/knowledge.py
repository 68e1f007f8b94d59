"""Events published by the knowledge service on `tandem.knowledge`."""

from __future__ import annotations

import uuid

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
