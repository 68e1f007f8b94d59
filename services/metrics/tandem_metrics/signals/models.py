"""Signals as received: one row per (source system, external id), updated when the source sends it again changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class _Signal:
    """Columns every signal has."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    source_system: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(sa.String(200))


class Incident(_Signal, Base):
    """An incident from an ITSM tool; `counted` is what it added to the KPI values (undone when it changes)."""

    __tablename__ = "metrics_incidents"
    __table_args__ = (sa.UniqueConstraint("source_system", "external_id"),
                      sa.Index("ix_metrics_incidents_opened_at", "opened_at"),
                      sa.Index("ix_metrics_incidents_caused_by_change_id", "caused_by_change_id"))

    service_id: Mapped[str | None] = mapped_column(sa.String(200))
    ci_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    priority: Mapped[str] = mapped_column(sa.String(2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    caused_by_change_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    caused_by_project_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    counted: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class Outage(_Signal, Base):
    """An outage of a service from a monitoring tool (counted through its service's recomputed downtime)."""

    __tablename__ = "metrics_outages"
    __table_args__ = (sa.UniqueConstraint("source_system", "external_id"),
                      sa.Index("ix_metrics_outages_service_id", "service_id", "start"))

    service_id: Mapped[str] = mapped_column(sa.String(200))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    planned: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class CsatResponse(_Signal, Base):
    """A satisfaction response (score as sent, on its scale, and on the 1-5 scale); `counted` as for incidents."""

    __tablename__ = "metrics_csat"
    __table_args__ = (sa.UniqueConstraint("source_system", "external_id"),)

    service_id: Mapped[str] = mapped_column(sa.String(200))
    score: Mapped[float] = mapped_column(sa.Float)
    scale: Mapped[str] = mapped_column(sa.String(10))
    score_5: Mapped[float] = mapped_column(sa.Float)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period: Mapped[str | None] = mapped_column(sa.String(10))
    counted: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
