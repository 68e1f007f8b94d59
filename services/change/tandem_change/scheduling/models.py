"""Tables of change scheduling: capacity's bookings and portfolio's go-lives as change knows them, and detected
conflicts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base
from tandem_change.record.models import Change


class KnownBooking(Base):
    """Projection of capacity's bookings (created / moved / released events): who is busy when."""

    __tablename__ = "known_bookings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the booking id in capacity
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[str] = mapped_column(sa.String(100))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[float] = mapped_column(sa.Float)
    active: Mapped[bool] = mapped_column(default=True)
    # Time of the latest capacity event applied to the row: an older creation or move replayed after it is skipped.
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_known_bookings_person_id_start", "person_id", "start"),)


class ChangeConflict(Base):
    """A schedule conflict found for a change; replaced on every check."""

    __tablename__ = "change_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    reason: Mapped[str] = mapped_column(sa.Text)
    ci_id: Mapped[uuid.UUID | None] = mapped_column()
    other_change_id: Mapped[uuid.UUID | None] = mapped_column()
    blackout_id: Mapped[uuid.UUID | None] = mapped_column()
    booking_id: Mapped[uuid.UUID | None] = mapped_column()
    project_id: Mapped[uuid.UUID | None] = mapped_column()  # the project whose go-live freeze it falls in
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProjectGoLive(Base):
    """Projection of portfolio's go-live milestones (go_live_scheduled, forecast_changed, completed events)."""

    __tablename__ = "project_go_lives"
    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'completed', 'canceled')", name="status"),
        sa.Index("ix_project_go_lives_window_start", "window_start"),
    )

    milestone_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    forecast_date: Mapped[date | None] = mapped_column(sa.Date)
    # scheduled: its freeze applies; completed (went live) or canceled (project terminated): it no longer does.
    status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())  # time of the latest event applied


class ProjectGoLiveTarget(Base):
    """A business service or CI a go-live touches (`kind` service or ci): what its freeze protects."""

    __tablename__ = "project_go_live_targets"
    __table_args__ = (sa.CheckConstraint("kind IN ('service', 'ci')", name="kind"),)

    milestone_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("project_go_lives.milestone_id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)


# Declared here rather than on Change: the calendar's overlap query bounds planned_end too (migration 0003).
sa.Index("ix_changes_planned_end", Change.planned_end)
