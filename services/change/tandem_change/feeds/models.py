"""Table of calendar feeds: one per user, holding only the SHA-256 of its secret."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class CalendarFeed(Base):
    """A user's subscribable calendar URL; rotating replaces the secret's hash, revoking deletes the row."""

    __tablename__ = "calendar_feeds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner: Mapped[str] = mapped_column(sa.String(200), unique=True)  # the token subject that made it
    owner_name: Mapped[str] = mapped_column(sa.String(200))
    # The secret is 256 random bits: a plain SHA-256 cannot be reversed, and a lookup by it is constant time in effect.
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
