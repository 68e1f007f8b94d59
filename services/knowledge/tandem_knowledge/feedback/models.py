"""The feedback table: one entry per reader and published version of an article, changeable."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_knowledge.base import Base


class ArticleFeedback(Base):
    """Whether a reader found a published version of an article helpful, and why."""

    __tablename__ = "article_feedback"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "version", "reader", name="uq_article_feedback_article_id_version_reader"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    reader: Mapped[str] = mapped_column(sa.String(200))
    helpful: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
