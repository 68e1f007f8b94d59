"""Scoring models, each project's scoring inputs, and the scores stored with their explanations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class ScoringModel(Base):
    """How the PMO ranks projects: weighted criteria, WSJF or RICE."""

    __tablename__ = "scoring_models"
    __table_args__ = (sa.CheckConstraint("kind IN ('weighted', 'wsjf', 'rice')", name="kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    description: Mapped[str | None] = mapped_column(sa.Text)
    weights: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


def _between(column: str, low: float, high: float, *, open_low: bool = False) -> sa.CheckConstraint:
    low_test = f"{column} > {low}" if open_low else f"{column} >= {low}"
    return sa.CheckConstraint(f"{column} IS NULL OR ({low_test} AND {column} <= {high})", name=column)


class ScoringInputs(Base):
    """What a project is judged on (null: not known); strategic alignment comes from its objectives instead."""

    __tablename__ = "project_scoring_inputs"
    __table_args__ = (
        *(_between(name, 0, 10) for name in ("value", "risk", "urgency")),
        *(_between(name, 0, 100) for name in ("business_value", "time_criticality", "risk_reduction",
                                              "confidence")),
        _between("job_size", 0, 100, open_low=True),
        _between("reach", 0, 1_000_000_000),
        _between("impact", 0, 3),
        _between("effort", 0, 10_000, open_low=True),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[float | None] = mapped_column(sa.Float)
    risk: Mapped[float | None] = mapped_column(sa.Float)
    urgency: Mapped[float | None] = mapped_column(sa.Float)
    business_value: Mapped[float | None] = mapped_column(sa.Float)
    time_criticality: Mapped[float | None] = mapped_column(sa.Float)
    risk_reduction: Mapped[float | None] = mapped_column(sa.Float)
    job_size: Mapped[float | None] = mapped_column(sa.Float)
    reach: Mapped[float | None] = mapped_column(sa.Float)
    impact: Mapped[float | None] = mapped_column(sa.Float)
    confidence: Mapped[float | None] = mapped_column(sa.Float)
    effort: Mapped[float | None] = mapped_column(sa.Float)
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


INPUT_FIELDS = ("value", "risk", "urgency", "business_value", "time_criticality", "risk_reduction", "job_size",
                "reach", "impact", "confidence", "effort")


class ProjectScore(Base):
    """A project's score under a model, kept with how it was computed so rankings read it without recomputing."""

    __tablename__ = "project_scores"
    __table_args__ = (
        # The ranking walks a model's scores highest first, ties by project: this index in that order.
        sa.Index("ix_project_scores_model_score", "model_id", "score", "project_id"),
    )

    model_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scoring_models.id", ondelete="CASCADE"),
                                                primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
                                                  index=True)
    score: Mapped[float] = mapped_column(sa.Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
