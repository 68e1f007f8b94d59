"""What portfolio keeps of other services' events to judge operational readiness; never written by the API.

- `cmdb_items`: change's configuration items and business services (created, updated, retired);
- `knowledge_articles` and `knowledge_article_links`: knowledge's articles while published, and the CIs and
  services each documents;
- `operations_bookings`: capacity's run work and on-call bookings (source `operations`);
- `project_changes`: change's requests linked to a project, as far as they got (approved, implemented, canceled).

Times are the source events' times: when the fact became true where it is owned.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class KnownCI(Base):
    """A configuration item or business service of change's CMDB."""

    __tablename__ = "cmdb_items"

    ci_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    ci_class: Mapped[str | None] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(20))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KnownArticle(Base):
    """A knowledge article as last announced: published (since when) or retired."""

    __tablename__ = "knowledge_articles"

    article_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(30))
    project_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    version: Mapped[int]
    published: Mapped[bool]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ArticleLink(Base):
    """A CI or business service an article documents (`ref` is the id as knowledge gave it, normalised if a UUID)."""

    __tablename__ = "knowledge_article_links"
    __table_args__ = (sa.CheckConstraint("kind IN ('ci', 'service')", name="kind"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("knowledge_articles.article_id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(100), primary_key=True, index=True)


class OperationsBooking(Base):
    """A run work or on-call booking of capacity's (source `operations`), and whether it was released."""

    __tablename__ = "operations_bookings"

    booking_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source_id: Mapped[str] = mapped_column(sa.String(100))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[float] = mapped_column(sa.Float)
    released: Mapped[bool]
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProjectChange(Base):
    """A change request linked to a project, and how far it got."""

    __tablename__ = "project_changes"
    __table_args__ = (sa.CheckConstraint("state IN ('approved', 'implemented', 'canceled')", name="state"),)

    change_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(sa.String(20))
    outcome: Mapped[str | None] = mapped_column(sa.String(30))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
