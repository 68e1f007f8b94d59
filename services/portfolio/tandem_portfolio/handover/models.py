"""The service owner's acceptance of a project's handover, and the transition time it measured."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class HandoverAcceptance(Base):
    """Operations took the project's result over: who, when, and how long after the go-live change."""

    __tablename__ = "handover_acceptances"

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    accepted_by: Mapped[str] = mapped_column(sa.String(200))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    go_live_change_id: Mapped[uuid.UUID | None]
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transition_hours: Mapped[float | None] = mapped_column(sa.Float)
    comment: Mapped[str | None] = mapped_column(sa.Text)
