"""KPI values by period and dimension, the PMO's targets and thresholds, and the last status of each KPI series."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class KpiValue(Base):
    """One stored value (a KPI or a component of one) for one period ('all', an ISO week or a month YYYY-MM) and
    dimension ('' is the whole organisation, else kind:value such as team:Platform)."""

    __tablename__ = "kpi_values"
    __table_args__ = (sa.Index("ix_kpi_values_series", "kpi", "dimension", "period"),)

    kpi: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(200), primary_key=True, default="")
    value: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # The time of the latest event that changed the value: replays give the same (no wall clock).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KpiTarget(Base):
    """The PMO's target, thresholds and owner of a KPI for one dimension ('' the organisation, `team:Platform`) or
    every dimension of a kind (`team:*`); a null field falls back to the kind's row, then to the catalogue."""

    __tablename__ = "kpi_targets"

    kpi: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    target: Mapped[float | None] = mapped_column(sa.Float)
    green: Mapped[float | None] = mapped_column(sa.Float)
    amber: Mapped[float | None] = mapped_column(sa.Float)
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KpiStatus(Base):
    """The last status of a KPI for one dimension and kind of period (week, month or all), and the period it was of:
    a threshold-crossed event is published only when a newer value changes it."""

    __tablename__ = "kpi_statuses"

    kpi: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    granularity: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
