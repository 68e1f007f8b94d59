"""Tables of stage gates: each portfolio's gate configuration, gate reviews and their votes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class GateConfig(Base):
    """A portfolio's configuration of one gate: the criteria it checks and the board that votes."""

    __tablename__ = "gate_configs"
    __table_args__ = (sa.UniqueConstraint("portfolio", "gate", name="uq_gate_configs_portfolio_gate"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    portfolio: Mapped[str] = mapped_column(sa.String(100))
    gate: Mapped[str] = mapped_column(sa.String(20))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  # [{"name": ..., "params": {...}}]
    members: Mapped[list[str]] = mapped_column(sa.JSON)
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int]
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class GateReview(Base):
    """One review of a project at a gate: criteria as configured when it opened, the voters frozen, the outcome."""

    __tablename__ = "gate_reviews"
    __table_args__ = (
        # One open review per project: two racing openers cannot both succeed.
        sa.Index("ix_gate_reviews_one_open_per_project", "project_id", unique=True,
                 sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    gate: Mapped[str] = mapped_column(sa.String(20))
    portfolio: Mapped[str] = mapped_column(sa.String(100))
    from_stage: Mapped[str] = mapped_column(sa.String(20))
    to_stage: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(20))  # open, passed, held, recycled, killed, canceled
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    results: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  # at opening, then at the decision
    voters: Mapped[list[str]] = mapped_column(sa.JSON)
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    opened_by: Mapped[str] = mapped_column(sa.String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[str | None] = mapped_column(sa.String(10))
    decided_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class GateVote(Base):
    """One board member's vote on a review; one per member."""

    __tablename__ = "gate_votes"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "voter", name="uq_gate_votes_review_id_voter"),
        sa.CheckConstraint("vote IN ('go', 'hold', 'recycle', 'kill')", name="vote"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    review_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("gate_reviews.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(index=True)
    voter: Mapped[str] = mapped_column(sa.String(200))
    vote: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
