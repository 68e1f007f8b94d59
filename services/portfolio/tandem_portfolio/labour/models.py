"""What labour cost reads of capacity's events: each person's cost rate, and the weekly hours of project bookings.

Filled by `labour/handlers.py`; the cost itself is written to costs' `actual_labour_cost` (one row per project and
month), which the budget view and its RAG rule already add to the entered costs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class PersonCostRate(Base):
    """A person's hourly cost rate as capacity last announced it (null once cleared)."""

    __tablename__ = "capacity_cost_rates"
    __table_args__ = (sa.CheckConstraint("(rate IS NULL) = (currency IS NULL)", name="rate_has_currency"),)

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    changed_by: Mapped[str] = mapped_column(sa.String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LabourBookingWeek(Base):
    """Hours of one live project booking in one ISO week (a released booking has none)."""

    __tablename__ = "labour_booking_weeks"

    booking_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    hours: Mapped[float] = mapped_column(sa.Float)
