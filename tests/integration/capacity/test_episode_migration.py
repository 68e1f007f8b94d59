"""Migration 0006 clears duplicate open episodes (with their cleared events), then a unique index forbids them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from tandem_capacity.episodes.models import Episode
from tandem_capacity.people.models import Person
from tandem_shared.migrations import upgrade
from tandem_shared.tables import audit_log, outbox

from tests.support import database_at

OPENED = datetime(2027, 1, 11, 9, tzinfo=UTC)


@pytest.fixture
async def at_0005(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A capacity database migrated up to revision 0005 (before the index)."""
    async with database_at("capacity", "0005", backend, tmp_path) as url:
        yield url


def _episode(person: uuid.UUID, kind: str, first: str, last: str, opened_after: int, status: str = "open") -> dict:
    return {"id": uuid.uuid4(), "person_id": person, "kind": kind, "first_week": first, "last_week": last,
            "peak_utilisation": 1.25, "status": status, "opened_at": OPENED + timedelta(minutes=opened_after),
            "cleared_at": OPENED + timedelta(days=1) if status == "cleared" else None}


async def test_0006_clears_duplicate_open_episodes_and_then_refuses_them(at_0005: str) -> None:
    ana = uuid.uuid4()
    first = _episode(ana, "overallocated", "2027-W02", "2027-W03", 0)
    duplicate = _episode(ana, "overallocated", "2027-W02", "2027-W03", 1)  # the same run raised twice
    later_run = _episode(ana, "overallocated", "2027-W06", "2027-W06", 2)  # a second run of the kind: legitimate
    burnout = _episode(ana, "burnout_risk", "2027-W02", "2027-W05", 3)
    old = _episode(ana, "overallocated", "2027-W02", "2027-W02", -60, status="cleared")
    engine = create_async_engine(at_0005)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.insert(Person.__table__).values(id=ana, name="Ana", team="Platform", weekly_hours=40,
                                                                  created_by="rita"))
            await conn.execute(sa.insert(Episode.__table__), [first, duplicate, later_run, burnout, old])

        await asyncio.to_thread(upgrade, "capacity", at_0005)

        async with engine.begin() as conn:
            rows = (await conn.execute(sa.select(Episode.id, Episode.status, Episode.cleared_at))).all()
            status = {row.id: (row.status, row.cleared_at is not None) for row in rows}
            assert status == {first["id"]: ("open", False), duplicate["id"]: ("cleared", True),
                              later_run["id"]: ("open", False), burnout["id"]: ("open", False),
                              old["id"]: ("cleared", True)}
            events = (await conn.execute(sa.select(outbox.c.event_type, outbox.c.key, outbox.c.topic,
                                                   outbox.c.payload))).all()
            assert [(e.event_type, e.key, e.topic) for e in events] == [
                ("capacity.person.overallocation_cleared.v1", str(ana), "tandem.capacity")]
            data = events[0].payload["data"]
            assert (data["episode_id"], data["team"], data["first_week"]) == (str(duplicate["id"]), "Platform",
                                                                              "2027-W02")
            audits = (await conn.execute(sa.select(audit_log.c.action, audit_log.c.entity_id))).all()
            assert [tuple(a) for a in audits] == [("clear_duplicate", str(duplicate["id"]))]

        with pytest.raises(IntegrityError):  # the same run open twice
            async with engine.begin() as conn:
                await conn.execute(sa.insert(Episode.__table__).values(
                    _episode(ana, "overallocated", "2027-W06", "2027-W07", 4)))
        async with engine.begin() as conn:  # cleared ones and other runs are not limited
            await conn.execute(sa.insert(Episode.__table__), [
                _episode(ana, "overallocated", "2027-W06", "2027-W06", 5, status="cleared"),
                _episode(ana, "overallocated", "2027-W09", "2027-W09", 6)])
    finally:
        await engine.dispose()
