"""The article table and its versions.

The `articles` row always holds the text readers see: the last published version, or the working draft of an article
never published. A revision of a published article lives in an `article_versions` row (draft, then in_review) until
it is published, when it is copied onto the article row; every published version stays in `article_versions`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_knowledge.base import Base


class Article(Base):
    """A knowledge article."""

    __tablename__ = "articles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    author: Mapped[str] = mapped_column(sa.String(200), index=True)
    owner: Mapped[str] = mapped_column(sa.String(200), index=True)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    project_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    change_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    review_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # Configuration items and business services (ids as strings) the article documents; a change to a CI flags the
    # published runbooks and handovers documenting it for refresh.
    ci_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    service_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    needs_refresh: Mapped[bool] = mapped_column(default=False, index=True)
    refresh_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Who wrote the text on this row (the working draft, or the published version): never its reviewers.
    contributors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The reviewers' votes and comments when the last review of the working draft returned it to draft.
    review_comments: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    published_version: Mapped[int | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(sa.String(200))
    # Readers' feedback on the published version (reset when a new version is published); kept here so the review
    # queue orders by it without aggregating, and written with one UPDATE ... SET n = n + 1 (no lost updates).
    helpful_count: Mapped[int] = mapped_column(default=0)
    not_helpful_count: Mapped[int] = mapped_column(default=0)
    # The row version: the ETag, bumped by every change of the row or of its pending revision.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ArticleVersion(Base):
    """A numbered version of an article: published (or superseded by a later one), or a pending revision."""

    __tablename__ = "article_versions"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "number", name="uq_article_versions_article_id_number"),
        # One pending revision per article: two editors starting one at once cannot both succeed.
        sa.Index("ix_article_versions_one_pending", "article_id", unique=True,
                 sqlite_where=sa.text("status IN ('draft', 'in_review')"),
                 postgresql_where=sa.text("status IN ('draft', 'in_review')")),
        sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'superseded')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20))
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    ci_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    service_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    contributors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    review_comments: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(sa.String(200))


# The fields a version carries: what readers read. Metadata (owner, review date, links to a project or change) is
# the article's, edited at once.
CONTENT = ("title", "body", "kind", "tags", "ci_ids", "service_ids")
