"""The risk register table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class Risk(Base):
    """A risk (might happen) or issue (has happened) of a project, scored probability × impact."""

    __tablename__ = "risks"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('risk', 'issue')", name="kind"),
        sa.CheckConstraint("status IN ('open', 'mitigating', 'closed', 'occurred')", name="status"),
        sa.CheckConstraint("source IN ('manual', 'automatic')", name="source"),
        sa.CheckConstraint("probability BETWEEN 1 AND 5", name="probability"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="impact"),
        sa.CheckConstraint("score = probability * impact", name="score"),
        sa.CheckConstraint("source = 'manual' OR source_explanation IS NOT NULL", name="automatic_explained"),
        sa.Index("ix_risks_project_id_score", "project_id", "score"),
        # An automatic entry names what raised it, so its producer updates that entry instead of adding another.
        sa.Index("uq_risks_project_id_source_key", "project_id", "source_key", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    probability: Mapped[int]
    impact: Mapped[int]
    score: Mapped[int]
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    mitigation: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(20))
    source_explanation: Mapped[str | None] = mapped_column(sa.Text)
    source_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
