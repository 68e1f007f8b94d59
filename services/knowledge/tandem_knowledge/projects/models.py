"""Projects as knowledge keeps them from portfolio's (and change's) events: a read model for drafts and lessons."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_knowledge.base import Base


class KnownProject(Base):
    """A project: who receives its result, what it touches, its plan and its last reported budget."""

    __tablename__ = "known_projects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))  # null until portfolio's creation event arrives
    category: Mapped[str | None] = mapped_column(sa.String(20))
    stage: Mapped[str | None] = mapped_column(sa.String(20))
    sponsor: Mapped[str | None] = mapped_column(sa.String(200))
    project_manager: Mapped[str | None] = mapped_column(sa.String(200))
    service_owner: Mapped[str | None] = mapped_column(sa.String(200))
    support_team: Mapped[str | None] = mapped_column(sa.String(200))
    go_live_date: Mapped[date | None] = mapped_column(sa.Date)
    # Touched business services and CIs: [{"id": "...", "name": "..." or null}], in the order portfolio gave them.
    services: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    cis: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    business_case: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # planned totals, currency, NPV, ROI
    last_report: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # the last status report's dimensions
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ProjectFact(Base):
    """Something that happened in a project that its lessons cite: a milestone reached, a scope change, a risk, a change
    implemented. Keyed by what it is about, so a later event about the same thing replaces it."""

    __tablename__ = "project_facts"

    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # milestone, scope_change, risk, change
    ref_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
