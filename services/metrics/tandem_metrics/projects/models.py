"""The projection of portfolio's projects metrics keeps."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class ProjectFacts(Base):
    """A project's category (its KPI dimension), and what its latest business case and status report said, so a new
    one replaces the old one's numbers rather than adding to them."""

    __tablename__ = "metrics_projects"

    project_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(300))
    category: Mapped[str | None] = mapped_column(sa.String(200))
    case_costs: Mapped[float | None] = mapped_column(sa.Float)
    case_benefits: Mapped[float | None] = mapped_column(sa.Float)
    case_monthly_benefits: Mapped[dict[str, float] | None] = mapped_column(sa.JSON)
    report_week: Mapped[str | None] = mapped_column(sa.String(10))
    report_planned: Mapped[float | None] = mapped_column(sa.Float)
    report_actual: Mapped[float | None] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
