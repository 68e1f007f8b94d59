"""The project table and its links: services and CIs touched, stakeholders (and objectives, declared beside them)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base
from tandem_portfolio.objectives.models import ProjectObjective

__all__ = ["DEFAULT_PORTFOLIO", "Project", "ProjectObjective", "ProjectStakeholder", "ProjectTouch"]

DEFAULT_PORTFOLIO = "default"


class Project(Base):
    """A project in the portfolio, from idea to closure."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    problem_statement: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20), index=True)
    held_from_stage: Mapped[str | None] = mapped_column(sa.String(20))  # where a project on hold resumes
    portfolio: Mapped[str] = mapped_column(sa.String(100), index=True, default=DEFAULT_PORTFOLIO)
    sponsor: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    project_manager: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    service_owner: Mapped[str | None] = mapped_column(sa.String(200))
    support_team: Mapped[str | None] = mapped_column(sa.String(200))
    # The team delivering the project, as capacity and change name it: its change success score is a delivery risk.
    delivery_team: Mapped[str | None] = mapped_column(sa.String(100), index=True)
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
        sa.CheckConstraint("stage IN ('idea', 'proposed', 'approved', 'planning', 'executing', 'transition', "
                           "'closed', 'on_hold', 'terminated')", name="stage"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ProjectTouch(Base):
    """A business service or CI the project will touch, as given (change's CMDB owns them)."""

    __tablename__ = "project_touches"
    __table_args__ = (sa.CheckConstraint("kind IN ('service', 'ci')", name="kind"),)

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    ref_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int]


class ProjectStakeholder(Base):
    """Someone with a stake in the project: sponsor, project manager, receiving service owner, or other."""

    __tablename__ = "project_stakeholders"

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    sub: Mapped[str] = mapped_column(sa.String(200), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
