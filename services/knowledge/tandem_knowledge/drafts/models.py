"""The drafts events wrote, one per trigger: a re-sent event (even with a new id) finds its trigger taken."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_knowledge.base import Base


class EventDraft(Base):
    """The article drafted for a trigger, e.g. `handover:<project>:<service or CI>` or `lessons:<project>`."""

    __tablename__ = "event_drafts"

    trigger: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
