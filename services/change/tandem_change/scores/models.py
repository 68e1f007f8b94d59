"""The change success score table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_change.db import Base


class TeamSuccessScore(Base):
    """A team's running change success score and the outcomes behind it."""

    __tablename__ = "team_success_scores"

    team: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    score: Mapped[int] = mapped_column(default=0)
    successful: Mapped[int] = mapped_column(default=0)
    successful_with_issues: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    incidents_caused: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
