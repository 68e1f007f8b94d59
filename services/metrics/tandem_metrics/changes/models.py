"""The projection of implemented changes the incident linking rule reads."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class ChangeFacts(Base):
    """A change's affected CIs and impacted business services, its team and project, and when its implementation
    ended (null until change.request.implemented.v1)."""

    __tablename__ = "metrics_changes"
    __table_args__ = (sa.Index("ix_metrics_changes_implemented_at", "implemented_at"),)

    change_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    team: Mapped[str | None] = mapped_column(sa.String(200))
    project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    affected_cis: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
