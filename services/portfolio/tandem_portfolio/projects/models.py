"""The project table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class Project(Base):
    """A project in the portfolio."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20), index=True)
    sponsor: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    go_live_date: Mapped[date | None] = mapped_column(sa.Date)
    budget_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    budget_currency: Mapped[str | None] = mapped_column(sa.String(3))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # The API checks these too; the database keeps them true for every writer.
        sa.CheckConstraint("budget_amount >= 0", name="budget_amount_not_negative"),
        sa.CheckConstraint("budget_amount IS NULL OR budget_currency IS NOT NULL", name="budget_has_currency"),
        sa.CheckConstraint("go_live_date IS NULL OR start_date IS NULL OR go_live_date >= start_date",
                           name="go_live_not_before_start"),
    )
    __mapper_args__ = {"version_id_col": version}
