"""Tables of the CMDB (spec: CMDB_SCHEMA.md; migration 0002)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class ConfigurationItem(Base):
    """A configuration item; business services are CIs of class business_service."""

    __tablename__ = "configuration_items"
    __table_args__ = (
        sa.UniqueConstraint("name", name="uq_configuration_items_name"),
        sa.CheckConstraint("criticality >= 1 AND criticality <= 5", name="criticality_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    ci_class: Mapped[str] = mapped_column(sa.String(40), index=True)
    criticality: Mapped[int] = mapped_column(sa.Integer)
    environment: Mapped[str] = mapped_column(sa.String(20), index=True)
    owner_team: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    service_owner: Mapped[str | None] = mapped_column(sa.String(200))
    min_up: Mapped[int | None] = mapped_column(sa.Integer)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class CIRelationship(Base):
    """Source (the dependent) depends on / runs on / connects to target (the provider)."""

    __tablename__ = "ci_relationships"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "target_id", "type", name="uq_ci_relationships_source_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("configuration_items.id"), index=True)
    target_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("configuration_items.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MaintenanceWindow(Base):
    """A recurring window (RFC 5545 RRULE from starts_at) in which changes to a CI may run."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    ci_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("configuration_items.id"), index=True)
    rrule: Mapped[str] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(sa.Integer)
    description: Mapped[str | None] = mapped_column(sa.String(500))


class BlackoutWindow(Base):
    """A period in which no change may run: everywhere, on a business service, or on one CI."""

    __tablename__ = "blackout_windows"
    __table_args__ = (
        sa.CheckConstraint('"end" > start', name="end_after_start"),
        sa.Index("ix_blackout_windows_start", "start", "end"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(sa.String(10))
    ci_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("configuration_items.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ChangeCI(Base):
    """A CI affected by a change."""

    __tablename__ = "change_cis"

    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True)
    ci_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("configuration_items.id"), primary_key=True, index=True)


class ChangeImpact(Base):
    """A CI impacted by a change (computed), with the change manager's decision on it."""

    __tablename__ = "change_impacts"

    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True)
    ci_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("configuration_items.id"), primary_key=True)
    depth: Mapped[int] = mapped_column(sa.Integer)
    business_service: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default="computed")
    decided_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CMDBVersion(Base):
    """The single row counting CMDB writes; in-process graph caches compare it to know they are current."""

    __tablename__ = "cmdb_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
