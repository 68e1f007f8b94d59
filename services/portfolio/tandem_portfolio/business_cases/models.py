"""Business cases, their monthly lines, and benefits realised after delivery.

Months are stored as one integer, year × 12 + month − 1 (2027-03 is 24326; see `tandem_portfolio/months.py`):
months subtract, sort and group by quarter (month / 3) with the same integer arithmetic on SQLite and PostgreSQL.
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


class BusinessCase(Base):
    """A project's business case: currency, annual discount rate and the month its horizon starts."""

    __tablename__ = "business_cases"
    __table_args__ = (
        sa.CheckConstraint("currency = upper(currency) AND length(currency) = 3", name="currency"),
        sa.CheckConstraint("discount_rate >= 0 AND discount_rate <= 1", name="discount_rate"),
        sa.CheckConstraint(f"horizon_start {MONTH_RANGE}", name="horizon_start"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    discount_rate: Mapped[float] = mapped_column(sa.Float)
    horizon_start: Mapped[int]
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class BusinessCaseLine(Base):
    """An amount of one kind (capex, opex or benefit) planned in one month."""

    __tablename__ = "business_case_lines"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('capex', 'opex', 'benefit')", name="kind"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint(f"month {MONTH_RANGE}", name="month"),
        sa.Index("ix_business_case_lines_project_month", "project_id", "month"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("business_cases.project_id", ondelete="CASCADE"))
    position: Mapped[int]
    month: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    description: Mapped[str | None] = mapped_column(sa.String(200))


# A case's lines summed per month, one row per calendar year with a column per kind and month (capex_01 … benefit_12,
# whole cents), written with the lines: what the portfolio cash flow adds up. A row per year instead of per month is
# a twelfth of the rows to read and group (the way ledger totals tables keep a column per period); cents because both
# databases add integers exactly (SQLite keeps NUMERIC as binary floating point). Core only: nothing loads it as
# objects.
YEAR_COLUMNS = tuple(f"{kind}_{month:02d}" for kind in ("capex", "opex", "benefit") for month in range(1, 13))
business_case_years = sa.Table(
    "business_case_years", Base.metadata,
    sa.Column("project_id", sa.Uuid(), sa.ForeignKey("business_cases.project_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("year", sa.Integer(), primary_key=True),
    *(sa.Column(name, sa.BigInteger(), nullable=False, default=0) for name in YEAR_COLUMNS),
    sa.CheckConstraint("year BETWEEN 1900 AND 2199", name="year"),
    sqlite_with_rowid=False,  # rows kept in key order: a project's years are read from the key alone
)


# Realised benefits hang off the case (its key, its currency, deleted with it), so their table is the case's; the
# `benefits` package records them and reports them against the plan and the actual costs.
class BenefitRealisation(Base):
    """A benefit measured after delivery: how much, in which month, noted by whom."""

    __tablename__ = "benefit_realisations"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint(f"month {MONTH_RANGE}", name="month"),
        sa.Index("ix_benefit_realisations_project_month", "project_id", "month"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("business_cases.project_id", ondelete="CASCADE"))
    month: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
