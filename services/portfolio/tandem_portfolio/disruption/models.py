"""Incidents caused by a project's go-live, as metrics links them (`metrics.incident.linked.v1` / `unlinked.v1`)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class CausedIncident(Base):
    """An incident's current link to the change or project that caused it (one row per incident; unlinked: gone).

    `project_id` is the project the link names, else the linked change's project as portfolio knew it; a change
    portfolio learns of later still counts, through `project_changes`, when the status is read.
    """

    __tablename__ = "caused_incidents"
    __table_args__ = (sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="priority"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200))
    change_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    priority: Mapped[str] = mapped_column(sa.String(2))
    explanation: Mapped[str] = mapped_column(sa.Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
