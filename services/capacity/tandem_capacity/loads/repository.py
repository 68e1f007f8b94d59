"""Every query of the weekly loads (`person_loads`) and of the episode-check notes (`capacity_episode_checks`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from tandem_shared.db import utcnow
from tandem_shared.uow import core_connection

from tandem_capacity.loads.models import EpisodeCheck, PersonLoad
from tandem_capacity.people.repository import IN_LIST_LIMIT

_table = PersonLoad.__table__
# Built once: building these costs more than running them for one person.
_LOCK = (sa.select(sa.type_coerce(_table.c.person_id, sa.String), sa.cast(_table.c.weeks, sa.Text))
         .where(_table.c.person_id.in_(sa.bindparam("ids", expanding=True)))
         .order_by(_table.c.person_id).with_for_update())
_ALL_LOADS = sa.select(sa.type_coerce(_table.c.person_id, sa.String), sa.cast(_table.c.weeks, sa.Text))
_LOADS_OF = _ALL_LOADS.where(_table.c.person_id.in_(sa.bindparam("ids", expanding=True)))
_INSERTS = {"postgresql": pg_insert(_table), "sqlite": sqlite_insert(_table)}
_INSERT_MISSING = {name: insert.on_conflict_do_nothing(index_elements=[_table.c.person_id])
                   for name, insert in _INSERTS.items()}
_UPSERT = {name: insert.on_conflict_do_update(index_elements=[_table.c.person_id], set_={
    "weeks": insert.excluded.weeks, "updated_at": insert.excluded.updated_at}) for name, insert in _INSERTS.items()}


async def _lock_loads(connection: AsyncConnection,
                      person_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, float]]:
    """Lock the people's existing load rows in id order (two batches never wait on each other) and read them."""
    found: dict[uuid.UUID, dict[str, float]] = {}
    for first in range(0, len(person_ids), IN_LIST_LIMIT):
        chunk = person_ids[first:first + IN_LIST_LIMIT]
        by_hex = {person_id.hex: person_id for person_id in chunk}
        for raw_id, text in (await connection.execute(_LOCK, {"ids": chunk})).all():
            person_id = raw_id if isinstance(raw_id, uuid.UUID) else by_hex[raw_id]
            found[person_id] = orjson.loads(text) if text else {}
    return found


class LoadRepository:
    """Booked hours per person and ISO week, one JSON row per person."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_hours_many(self, deltas: Mapping[uuid.UUID, Iterable[tuple[str, float]]]) -> \
            dict[uuid.UUID, dict[str, float]]:
        """Add each person's (week, signed hours) to their load: a read and an upsert for them all, however many.

        Returns the new loads ({week: hours}, weeks at zero dropped), so callers need not read them again.
        """
        person_ids = sorted(deltas)
        if not person_ids:
            return {}
        connection = await core_connection(self.session)
        dialect = connection.dialect.name
        if dialect == "postgresql":
            # Rows first (ON CONFLICT DO NOTHING waits only on another transaction's uncommitted insert of the same
            # id, in id order), then the locks in id order: two transactions never hold what the other waits for.
            # SQLite has one writer at a time, so there the upsert below inserts what is missing.
            await connection.execute(_INSERT_MISSING[dialect], [
                {"person_id": p, "weeks": {}, "updated_at": utcnow()} for p in person_ids])
        current = await _lock_loads(connection, person_ids)
        totals_by_person: dict[uuid.UUID, dict[str, float]] = {}
        for person_id in person_ids:
            totals = dict(current.get(person_id, {}))
            for week, hours in deltas[person_id]:
                value = round(totals.get(week, 0.0) + hours, 2)
                if abs(value) < 0.005:
                    totals.pop(week, None)
                else:
                    totals[week] = value
            totals_by_person[person_id] = dict(sorted(totals.items()))
        now = utcnow()
        await connection.execute(_UPSERT[dialect], [{"person_id": p, "weeks": w, "updated_at": now}
                                                    for p, w in totals_by_person.items()])
        return totals_by_person

    async def add_hours(self, person_id: uuid.UUID, weeks: Iterable[tuple[str, float]], sign: float) -> None:
        """Add (sign +1) or take off (sign -1) a booking's weekly hours from the person's load."""
        await self.add_hours_many({person_id: [(week, sign * hours) for week, hours in weeks]})

    async def booked(self, person_ids: Collection[uuid.UUID], first_week: str | None = None,
                     last_week: str | None = None) -> dict[uuid.UUID, dict[str, float]]:
        """Booked hours per person and week (within the bounds given; week keys compare in calendar order)."""
        wanted = set(person_ids)
        # Raw id and JSON cast to text, decoded here by orjson: the column types' per-row processing (asyncpg's JSON
        # codec is the stdlib's) costs more than the query for thousands of rows. SQLite hands back ids as 32 hex
        # digits, PostgreSQL as UUIDs.
        by_hex = {person_id.hex: person_id for person_id in wanted}
        if len(wanted) <= IN_LIST_LIMIT:
            rows = await self.session.execute(_LOADS_OF, {"ids": list(wanted)})
        else:
            rows = await self.session.execute(_ALL_LOADS)
        result: dict[uuid.UUID, dict[str, float]] = {}
        for raw_id, text in rows.all():
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

    async def replace_all(self, loads: Mapping[uuid.UUID, Mapping[str, float]]) -> int:
        """Replace every person's load (for repairs and bulk loads); returns people loaded."""
        await self.session.execute(sa.delete(PersonLoad))
        if loads:
            await self.session.execute(sa.insert(PersonLoad), [{"person_id": pid, "weeks": dict(sorted(w.items()))}
                                                               for pid, w in loads.items()])
        return len(loads)


_checks = EpisodeCheck.__table__


def _note(insert: Any) -> Any:
    stmt = insert(_checks)
    return stmt.on_conflict_do_update(index_elements=[_checks.c.person_id], set_={
        "actor": stmt.excluded.actor, "requested_at": stmt.excluded.requested_at})


_NOTE = {"postgresql": _note(pg_insert), "sqlite": _note(sqlite_insert)}
_NOTED = sa.select(_checks.c.person_id, _checks.c.actor, _checks.c.requested_at).order_by(
    _checks.c.requested_at, _checks.c.person_id).limit(sa.bindparam("b_limit", type_=sa.Integer))
# Only the note seen: one made again meanwhile (a newer requested_at) stays for the next pass.
_DONE = sa.delete(_checks).where(_checks.c.person_id == sa.bindparam("b_person"),
                                 _checks.c.requested_at == sa.bindparam("b_at"))


class CheckNote(NamedTuple):
    """A person whose episodes wait for a check, who asked for it and when."""

    person_id: uuid.UUID
    actor: str
    requested_at: datetime


class EpisodeCheckRepository:
    """Notes of people whose episodes wait to be brought in line (one per person, the latest request wins)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def note(self, actors: Mapping[uuid.UUID, str]) -> None:
        """Note each person (→ acting user), in id order so concurrent writers lock rows alike."""
        connection = await core_connection(self.session)
        now = utcnow()
        await connection.execute(_NOTE[connection.dialect.name], [
            {"person_id": person, "actor": actor, "requested_at": now} for person, actor in sorted(actors.items())])

    async def claim(self, limit: int) -> list[CheckNote]:
        """The oldest notes, locked for this transaction (on PostgreSQL other replicas skip them)."""
        connection = await core_connection(self.session)
        stmt = _NOTED.with_for_update(skip_locked=True) if connection.dialect.name == "postgresql" else _NOTED
        return [CheckNote(*row) for row in await connection.execute(stmt, {"b_limit": limit})]

    async def done(self, notes: list[CheckNote]) -> None:
        """Delete the notes worked off, unless made again since."""
        if notes:
            await (await core_connection(self.session)).execute(
                _DONE, [{"b_person": n.person_id, "b_at": n.requested_at} for n in notes])
