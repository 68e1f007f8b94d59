"""Selection runs: the request, the problem built from it, and the solver's result, kept together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base

STATUSES = ("queued", "running", "done", "failed", "infeasible")


class Selection(Base):
    """One selection run (a scenario): what was asked, what was optimised, what came out, and its commit."""

    __tablename__ = "selections"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.Index("ix_selections_created", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the SelectionCreate as given
    # The problem as built when the run was created (candidates with demand profiles, capacity, budget, rules):
    # a background run solves exactly these inputs, whatever changed since.
    problem: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Per candidate id: name, category, stage, planned start index, must; and the run's weeks and currency.
    meta: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    value_kind: Mapped[str] = mapped_column(sa.String(10))
    candidate_count: Mapped[int]
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # SelectionOutcome, once done
    frontier: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    conflicts: Mapped[list[str] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    objective: Mapped[float | None] = mapped_column(sa.Float)
    selected_count: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(sa.String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_by: Mapped[str | None] = mapped_column(sa.String(200))
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
