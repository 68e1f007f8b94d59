"""The article table."""

from __future__ import annotations

import uuid
from datetime import date, datetime

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
    review_due: Mapped[date | None] = mapped_column(sa.Date)
    # Configuration items (ids as strings) the article documents; a change to one flags the article for refresh.
    ci_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    needs_refresh: Mapped[bool] = mapped_column(default=False, index=True)
    refresh_reason: Mapped[str | None] = mapped_column(sa.String(500))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
