"""The capacity outlook projection: the latest snapshot capacity published, one row per pool."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class CapacityOutlook(Base):
    """A pool's latest snapshot: `skills` maps a skill to its weeks' figures (free, supply, booked, requested)."""

    __tablename__ = "capacity_outlook"

    pool: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    sequence: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_week: Mapped[str] = mapped_column(sa.String(8))
    week_count: Mapped[int]
    # {skill: {"free": [h, ...], "supply": [...], "booked": [...], "requested": [...]}}, one entry per week from
    # first_week: a snapshot replaces the previous one whole, so it is read and written whole too.
    skills: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
