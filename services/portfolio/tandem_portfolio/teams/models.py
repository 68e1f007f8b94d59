"""Change's success score per team, as announced by `change.team.success_score_changed.v1`."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_portfolio.base import Base


class TeamScore(Base):
    """A team's cumulative change success score (successful +3, with issues −2, failed −5, incidents −10/−5/−2)."""

    __tablename__ = "team_success_scores"

    team: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    score: Mapped[int]
    previous_score: Mapped[int]
    change_id: Mapped[uuid.UUID]
    outcome: Mapped[str] = mapped_column(sa.String(30))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
