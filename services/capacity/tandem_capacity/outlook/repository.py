"""Queries of the skill-gap report and the capacity snapshot: hours per skill and week, and the snapshot state."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_capacity.demand.models import RoleRequest
from tandem_capacity.models import Booking, BookingWeek, Person, PersonSkill
from tandem_capacity.outlook.models import SnapshotState

STATE_ID = 1
_MARK = "tandem_capacity_snapshot_mark"
_state = SnapshotState.__table__
# Only a clean row is updated: once dirty, later writers match nothing and take no row lock.
_MARK_DIRTY = sa.update(_state).where(_state.c.id == STATE_ID, _state.c.dirty.is_(False)).values(dirty=True)


async def mark_snapshot_dirty(session: AsyncSession) -> None:
    """Note in the caller's transaction that the figures may have changed: one statement, just before commit.

    Deferred to the commit (however many bookings the transaction changes) so the row lock on a clean state row is
    held for the shortest time.
    """
    UnitOfWork.of(session).before_commit(_MARK, _mark)


async def _mark(uow: UnitOfWork) -> None:
    await (await uow.connection()).execute(_MARK_DIRTY)


async def claim_snapshot_state(session: AsyncSession) -> SnapshotState | None:
    """The state row, locked for this transaction on PostgreSQL (SQLite's writer lock serialises anyway)."""
    stmt = sa.select(SnapshotState).where(SnapshotState.id == STATE_ID).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def people_with_skills(session: AsyncSession, skill: str | None = None) -> Sequence[Person]:
    """Everyone holding at least one skill (or the given one, any case), skills loaded."""
    skilled = sa.select(PersonSkill.person_id)
    if skill:
        skilled = skilled.where(sa.func.lower(PersonSkill.name) == skill.strip().lower())
    stmt = sa.select(Person).where(Person.id.in_(skilled)).order_by(Person.id)
    return (await session.execute(stmt)).scalars().all()


async def booked_by_person_and_week(session: AsyncSession, people: list[uuid.UUID],
                                    weeks: list[str]) -> dict[tuple[uuid.UUID, str], float]:
    """Hours of active bookings (any source) per (person, week)."""
    if not people:
        return {}
    stmt = (
        sa.select(Booking.person_id, BookingWeek.week, sa.func.sum(BookingWeek.hours))
        .join(Booking, Booking.id == BookingWeek.booking_id)
        .where(Booking.status == "active", Booking.person_id.in_(people), BookingWeek.week.in_(weeks))
        .group_by(Booking.person_id, BookingWeek.week)
    )
    return {(person, week): float(hours) for person, week, hours in (await session.execute(stmt)).all()}


async def skill_booked_by_week(session: AsyncSession, weeks: list[str],
                               skill: str | None = None) -> dict[tuple[str, str], float]:
    """Hours of active bookings that carry a skill, per (lower-cased skill, week)."""
    name = sa.func.lower(Booking.skill)
    stmt = (
        sa.select(name, BookingWeek.week, sa.func.sum(BookingWeek.hours))
        .join(Booking, Booking.id == BookingWeek.booking_id)
        .where(Booking.status == "active", Booking.skill.is_not(None), BookingWeek.week.in_(weeks))
        .group_by(name, BookingWeek.week)
    )
    if skill:
        stmt = stmt.where(name == skill.strip().lower())
    return {(s, week): float(hours) for s, week, hours in (await session.execute(stmt)).all()}


async def open_role_requests(session: AsyncSession, first: date, last: date,
                             skill: str | None = None) -> Sequence[RoleRequest]:
    """Open role requests overlapping the days `first`..`last` (optionally of one skill, any case)."""
    stmt = sa.select(RoleRequest).where(RoleRequest.status == "open", RoleRequest.start <= last,
                                        RoleRequest.end >= first)
    if skill:
        stmt = stmt.where(sa.func.lower(RoleRequest.skill) == skill.strip().lower())
    return (await session.execute(stmt.order_by(RoleRequest.id))).scalars().all()
