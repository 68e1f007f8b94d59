"""Actual costs entered per month, and the labour cost per month (a projection filled from capacity later).

Months are one integer, year × 12 + month − 1, as business cases store them (`tandem_portfolio/months.py`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base
from tandem_portfolio.months import MONTH_RANGE


class ActualCost(Base):
    """An amount the project spent in a month (entered by its manager): category, currency and a note."""

    __tablename__ = "actual_costs"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.CheckConstraint(f"month {MONTH_RANGE}", name="month"),
        sa.Index("ix_actual_costs_project_id_month", "project_id", "month"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    month: Mapped[int]
    category: Mapped[str] = mapped_column(sa.String(50))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    note: Mapped[str | None] = mapped_column(sa.Text)
    entered_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ActualLabourCost(Base):
    """Labour cost of a project in a month: the seam for capacity's bookings × cost rate.

    Nothing writes it yet. A handler of capacity's booking events will keep one row per project and month
    (hours booked on the project × the person's cost rate); the budget and its RAG rule already add it to the
    entered costs.
    """

    __tablename__ = "actual_labour_cost"
    __table_args__ = (sa.CheckConstraint(f"month {MONTH_RANGE}", name="month"),)

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
