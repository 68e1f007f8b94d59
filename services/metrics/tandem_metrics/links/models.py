"""Incident links."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class IncidentLink(Base):
    """An incident's cause (a change, a project, or both) with the rule and explanation, and the priority the last
    published link carried (a later link or unlink names it, so a consumer can undo it)."""

    __tablename__ = "metrics_incident_links"
    __table_args__ = (sa.Index("ix_metrics_incident_links_change_id", "change_id"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    change_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    rule: Mapped[str] = mapped_column(sa.String(20))
    explanation: Mapped[str] = mapped_column(sa.Text)
    ci_ids_in_common: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    hours_between: Mapped[float | None] = mapped_column(sa.Float)
    window_days: Mapped[int | None] = mapped_column(sa.Integer)
    priority: Mapped[str] = mapped_column(sa.String(2))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
