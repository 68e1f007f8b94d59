"""Over-allocation and burnout-risk episodes as stored."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class Episode(Base):
    """A run of consecutive weeks in which a person is over-allocated or at risk of burnout."""

    __tablename__ = "capacity_episodes"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('overallocated', 'burnout_risk')", name="kind"),
        sa.CheckConstraint("status IN ('open', 'cleared')", name="status"),
        sa.Index("ix_capacity_episodes_person_id_status", "person_id", "status"),
        # A person's open episodes of a kind are disjoint runs of weeks, so no two start in the same week: a second
        # open row for the same run is a duplicate raise (migration 0006).
        sa.Index("ix_capacity_episodes_one_open_per_run", "person_id", "kind", "first_week", unique=True,
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    first_week: Mapped[str] = mapped_column(sa.String(8))
    last_week: Mapped[str] = mapped_column(sa.String(8))
    peak_utilisation: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
