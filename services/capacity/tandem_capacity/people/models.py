"""Tables of the capacity pool: people and their skills, teams, and the skill catalogue."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class Person(Base):
    """A person whose hours can be booked."""

    __tablename__ = "people"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    team: Mapped[str] = mapped_column(sa.String(100), index=True)
    weekly_hours: Mapped[float] = mapped_column(sa.Float)
    location: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    cost_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    cost_currency: Mapped[str | None] = mapped_column(sa.String(3))
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    skills: Mapped[list[PersonSkill]] = relationship(
        lazy="selectin", order_by="PersonSkill.name", cascade="all, delete-orphan"
    )


class PersonSkill(Base):
    """A skill of a person, with proficiency 1 (novice) to 5 (expert); its own table so lists filter by it."""

    __tablename__ = "person_skills"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True, index=True)
    proficiency: Mapped[int] = mapped_column(sa.Integer)


class Team(Base):
    """A team people belong to (people name it by `team`)."""

    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    manager: Mapped[str | None] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class CatalogueSkill(Base):
    """A skill of the catalogue; `key` is the case-folded name that makes names unique regardless of case."""

    __tablename__ = "skills"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(100))
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    category: Mapped[str | None] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
