"""The CMDB as knowledge keeps it from change's events: CIs, relationships and maintenance windows (a read model)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_knowledge.base import Base


class KnownCI(Base):
    """A configuration item (business services are CIs of class business_service)."""

    __tablename__ = "cmdb_cis"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Null until known: an update can arrive for a CI whose creation this projection never saw.
    ci_class: Mapped[str | None] = mapped_column(sa.String(40))
    criticality: Mapped[int | None]
    environment: Mapped[str | None] = mapped_column(sa.String(20))
    owner_team: Mapped[str | None] = mapped_column(sa.String(100))
    service_owner: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class KnownRelationship(Base):
    """Source depends on / runs on / connects to target (impact flows from target to source)."""

    __tablename__ = "cmdb_relationships"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(index=True)
    target_id: Mapped[uuid.UUID] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(sa.String(20))


class KnownMaintenanceWindow(Base):
    """A recurring maintenance window of a CI (RFC 5545 RRULE from starts_at)."""

    __tablename__ = "cmdb_maintenance_windows"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ci_id: Mapped[uuid.UUID] = mapped_column(index=True)
    rrule: Mapped[str] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int]
