"""Concurrent recomputes of one person's episodes raise one episode and, once the load drops, clear it once."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from tandem_capacity.episodes.models import Episode
from tandem_capacity.episodes.service import recompute_episodes
from tandem_shared.tables import outbox
from tandem_shared.uow import unit_of_work

from tests.support import auth, create_app, running

MANAGER = auth("rita", "resource_manager")
BASE = "/capacity/v1"
CONCURRENT = 6  # separate connections on PostgreSQL (the pool holds 10); queued for SQLite's one writer
RAISED, CLEARED = "capacity.person.overallocated.v1", "capacity.person.overallocation_cleared.v1"


async def _recompute_together(app, person: uuid.UUID) -> None:
    """Several transactions recompute the person's episodes at once, as supply requests and the check task may."""
    start = asyncio.Event()

    async def one() -> None:
        async with unit_of_work(app.state.runtime.sessionmaker) as uow:
            await start.wait()
            await recompute_episodes(uow, actor="rita", person_ids=[person])

    tasks = [asyncio.create_task(one()) for _ in range(CONCURRENT)]
    await asyncio.sleep(0.2)  # every transaction has its connection (or waits for SQLite's writer)
    start.set()
    await asyncio.gather(*tasks)


async def _state(app, person: uuid.UUID) -> tuple[int, list[str]]:
    """(open over-allocation episodes of the person, types of the episode events in the outbox, in order)."""
    async with app.state.runtime.engine.connect() as conn:
        open_count = (await conn.execute(sa.select(sa.func.count()).select_from(Episode).where(
            Episode.person_id == person, Episode.kind == "overallocated", Episode.status == "open"))).scalar_one()
        types = (await conn.execute(sa.select(outbox.c.event_type).where(
            outbox.c.event_type.in_([RAISED, CLEARED])).order_by(outbox.c.seq))).scalars().all()
    return open_count, list(types)


async def test_concurrent_recomputes_raise_once_and_clear_once(databases, backend):
    # Without workers the booking's episode-check note waits: only the recomputes below touch the episodes.
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        created = await client.post(f"{BASE}/people", headers=MANAGER,
                                    json={"name": "Ana", "team": "Platform", "weekly_hours": 40})
        ana = uuid.UUID(created.json()["id"])
        booked = await client.post(f"{BASE}/bookings", headers=MANAGER, json={
            "person_id": str(ana), "source": "operations", "source_id": "p1", "kind": "hard",
            "start": "2027-01-04T00:00:00Z", "end": "2027-01-09T00:00:00Z", "hours": 60})
        assert booked.status_code == 201, booked.text

        await _recompute_together(app, ana)
        assert await _state(app, ana) == (1, [RAISED])

        released = await client.post(f"{BASE}/bookings/{booked.json()['id']}/release", headers=MANAGER,
                                     json={"reason": "replanned"})
        assert released.status_code == 200, released.text
        await _recompute_together(app, ana)
        assert await _state(app, ana) == (0, [RAISED, CLEARED])
