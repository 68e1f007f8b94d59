"""Booked hours per person and week (`person_loads`), kept in step with bookings in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_capacity.models import Booking, BookingWeek
from tandem_capacity.supply.repository import IN_LIST_LIMIT
from tandem_capacity.views.models import PersonLoad


async def _locked(session: AsyncSession, person_id: uuid.UUID) -> PersonLoad:
    stmt = sa.select(PersonLoad).where(PersonLoad.person_id == person_id).with_for_update()
    load = (await session.execute(stmt)).scalar_one_or_none()
    if load is not None:
        return load
    try:
        async with session.begin_nested():
            load = PersonLoad(person_id=person_id, weeks={})
            session.add(load)
    except IntegrityError:
        # A concurrent transaction added the person's row first: lock that one.
        return (await session.execute(stmt)).scalar_one()
    return load


async def add_hours(session: AsyncSession, person_id: uuid.UUID, weeks: Iterable[tuple[str, float]],
                    sign: float) -> None:
    """Add (sign +1) or take off (sign -1) a booking's weekly hours from the person's load."""
    load = await _locked(session, person_id)
    totals = dict(load.weeks)
    for week, hours in weeks:
        value = round(totals.get(week, 0.0) + sign * hours, 2)
        if abs(value) < 0.005:
            totals.pop(week, None)
        else:
            totals[week] = value
    load.weeks = dict(sorted(totals.items()))  # a new object, so the JSON column is written
    await session.flush()


async def booked(session: AsyncSession, person_ids: Collection[uuid.UUID], first_week: str | None = None,
                 last_week: str | None = None) -> dict[uuid.UUID, dict[str, float]]:
    """Booked hours per person and week (within the bounds given; week keys compare in calendar order)."""
    wanted = set(person_ids)
    # Raw id and JSON cast to text, decoded here by orjson: the column types' per-row processing (asyncpg's JSON
    # codec is the stdlib's) costs more than the query for thousands of rows. SQLite hands back ids as 32 hex
    # digits, PostgreSQL as UUIDs.
    by_hex = {person_id.hex: person_id for person_id in wanted}
    stmt = sa.select(sa.type_coerce(PersonLoad.person_id, sa.String), sa.cast(PersonLoad.weeks, sa.Text))
    if len(wanted) <= IN_LIST_LIMIT:
        stmt = stmt.where(PersonLoad.person_id.in_(list(wanted)))
    result: dict[uuid.UUID, dict[str, float]] = {}
    for raw_id, text in (await session.execute(stmt)).all():
        person_id = raw_id if isinstance(raw_id, uuid.UUID) else by_hex.get(raw_id)
        if person_id not in wanted or not text:
            continue
        weeks = orjson.loads(text)
        if first_week or last_week:
            low, high = first_week or "", last_week or "~"
            weeks = {week: hours for week, hours in weeks.items() if low <= week <= high}
        if weeks:
            result[person_id] = weeks
    return result


async def rebuild(session: AsyncSession) -> int:
    """Recompute every person's load from the active bookings (for repairs and bulk loads); returns people loaded."""
    rows = (await session.execute(
        sa.select(Booking.person_id, BookingWeek.week, sa.func.sum(BookingWeek.hours))
        .join(Booking, Booking.id == BookingWeek.booking_id).where(Booking.status == "active")
        .group_by(Booking.person_id, BookingWeek.week))).all()
    loads: dict[uuid.UUID, dict[str, float]] = {}
    for person_id, week, hours in rows:
        loads.setdefault(person_id, {})[week] = round(hours, 2)
    await session.execute(sa.delete(PersonLoad))
    if loads:
        await session.execute(sa.insert(PersonLoad), [{"person_id": pid, "weeks": dict(sorted(w.items()))}
                                                      for pid, w in loads.items()])
    return len(loads)
