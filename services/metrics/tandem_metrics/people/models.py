"""The projection of capacity's people, bookings and episodes metrics keeps."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tandem_metrics.base import Base


class PersonFacts(Base):
    """A person's team (the dimension of their bookings) and weekly hours."""

    __tablename__ = "metrics_people"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    team: Mapped[str | None] = mapped_column(sa.String(200))
    weekly_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)


class BookingFacts(Base):
    """The team a booking's hours were counted under, so a release or move takes them off the same team even when
    the person's creation was applied after the booking (a replay across partitions)."""

    __tablename__ = "metrics_bookings"

    booking_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    team: Mapped[str | None] = mapped_column(sa.String(200))


class EpisodeFacts(Base):
    """The weeks an over-allocation episode was counted with, replaced by its final weeks when it clears."""

    __tablename__ = "metrics_episodes"

    episode_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    first_week: Mapped[str] = mapped_column(sa.String(10))
    last_week: Mapped[str] = mapped_column(sa.String(10))
