"""The change success score tables: the score per team, what each change put in it, and incidents linked."""

from __future__ import annotations

import uuid
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


class ChangeScoreEntry(Base):
    """What one implemented change put in its team's score, so a later incident link moves exactly that."""

    __tablename__ = "change_score_entries"

    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True)
    # The team scored at completion: a later link re-scores that team even if the assignee changed team since.
    team: Mapped[str] = mapped_column(sa.String(100), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(30))
    outcome_points: Mapped[int] = mapped_column()
    incident_points: Mapped[int] = mapped_column()
    incidents: Mapped[int] = mapped_column()  # P1–P3 incidents counted
    linked: Mapped[bool] = mapped_column()  # whether the incidents counted are linked ones (else typed in)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class IncidentLink(Base):
    """An incident metrics linked to a change (`metrics.incident.linked.v1`), one row per incident.

    `change_id` is null once the incident is unlinked or linked to a project only: the row stays, so an older
    event replayed later (its `as_of` is earlier) cannot bring the link back.
    """

    __tablename__ = "incident_links"

    incident_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # metrics' incident id
    change_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # not a foreign key: links may name any id
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    source_system: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    priority: Mapped[int] = mapped_column()  # 1 (P1) to 4
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())  # time of the latest link event applied
