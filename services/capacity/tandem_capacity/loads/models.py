"""Tables kept by every booking change: weekly loads per person, and the people whose episodes must follow."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_capacity.base import Base


class PersonLoad(Base):
    """Hours of a person's active bookings per ISO week ({week: hours}), kept with every booking change.

    The heatmap reads one row per person instead of summing booking weeks: the sum over thousands of people
    costs seconds, this read tens of milliseconds.
    """

    __tablename__ = "person_loads"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    weeks: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class EpisodeCheck(Base):
    """A person whose bookings changed and whose episodes are yet to be brought in line (one row per person).

    Written in the booking's transaction and worked off just after it by `episodes.checks`, so the booking's
    transaction does not pay for the availability lookups the check needs; a crash in between loses nothing.
    """

    __tablename__ = "capacity_episode_checks"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
