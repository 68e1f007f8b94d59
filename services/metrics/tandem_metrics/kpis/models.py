"""KPI values by period and dimension."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class KpiValue(Base):
    """One KPI value for one period ('all' or an ISO week) and dimension ('' is the whole organisation)."""

    __tablename__ = "kpi_values"

    kpi: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(200), primary_key=True, default="")
    value: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # The time of the latest event that changed the value: replays give the same (no wall clock).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
