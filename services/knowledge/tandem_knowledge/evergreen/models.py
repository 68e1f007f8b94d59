"""Tables of evergreen articles: review intervals configured per kind, and the review-due notices already sent."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_knowledge.base import Base


class ReviewInterval(Base):
    """A knowledge editor's review interval for a kind of article (kinds without a row use the built-in one)."""

    __tablename__ = "review_intervals"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    days: Mapped[int | None] = mapped_column()  # None: articles of this kind are never due
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReviewDueNotice(Base):
    """knowledge.article.review_due.v1 was published for this article and review date: never again for the pair."""

    __tablename__ = "review_due_notices"

    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"),
                                                  primary_key=True)
    review_due: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
