"""The known_people table: capacity's people, kept from its events."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_change.db import Base


class KnownPerson(Base):
    """Projection of capacity's people, so assignees can be checked without calling capacity."""

    __tablename__ = "known_people"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    team: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
