"""The changes table: one row per change request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class Change(Base):
    """A change request."""

    __tablename__ = "changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    justification: Mapped[str | None] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(sa.String(20), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(200), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    effort_hours: Mapped[float] = mapped_column(sa.Float)
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime())
    affected_cis: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(sa.String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    implementation_plan: Mapped[str | None] = mapped_column(sa.Text)
    backout_plan: Mapped[str | None] = mapped_column(sa.Text)
    test_plan: Mapped[str | None] = mapped_column(sa.Text)
    outage_required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    model_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    risk: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    risk_explanation: Mapped[str | None] = mapped_column(sa.Text)
    risk_answers: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    approval_policy_id: Mapped[uuid.UUID | None] = mapped_column()
    approval_round: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(sa.String(30))
    incidents_caused: Mapped[list[int] | None] = mapped_column(sa.JSON)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_notes: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Capacity's answer to the approval (booked, released, rejected), kept from its events; not part of the version.
    booking_status: Mapped[str | None] = mapped_column(sa.String(20))
    booking_reason: Mapped[str | None] = mapped_column(sa.Text)
    booking_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

