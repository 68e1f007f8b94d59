"""Capacity snapshots are coalesced: a burst of bookings makes one or two, unchanged figures make none."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_capacity.bookings.rules import week_key
from tandem_shared.tables import outbox

from tests.support import auth, create_app, eventually, running

RM = auth("rita", "resource_manager")
INTERVAL = 1.0
SNAPSHOT = "capacity.snapshot.published.v1"


async def _snapshots(app) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == SNAPSHOT)
                                  .order_by(outbox.c.seq))
        return [row.payload["data"] for row in rows]


async def _clean(app) -> bool:
    async with app.state.runtime.engine.connect() as conn:
        return not (await conn.execute(sa.text("SELECT dirty FROM snapshot_state"))).scalar()


async def test_a_burst_makes_one_or_two_snapshots_and_unchanged_figures_none(databases, backend, broker,
                                                                              monkeypatch):
    monkeypatch.setenv("TANDEM_CAPACITY_SNAPSHOT_INTERVAL_SECONDS", str(INTERVAL))
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        body = {"name": "Dana", "team": "Platform", "weekly_hours": 40,
                "skills": [{"name": "Kubernetes", "proficiency": 3}]}
        dana = (await client.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]
        today = datetime.now(UTC).date()
        monday = datetime.combine(today - timedelta(days=today.weekday()) + timedelta(weeks=2), datetime.min.time(),
                                  UTC)

        async def book(start: datetime, hours: float) -> None:
            response = await client.post("/capacity/v1/bookings", headers=RM, json={
                "person_id": dana, "source": "operations", "source_id": "patching", "start": start.isoformat(),
                "end": (start + timedelta(hours=4)).isoformat(), "hours": hours})
            assert response.status_code == 201, response.text

        await asyncio.gather(*(book(monday + timedelta(hours=i), 0.5) for i in range(50)))
        await eventually(lambda: _snapshots(app), timeout=5 * INTERVAL)
        await eventually(lambda: _clean(app), timeout=5 * INTERVAL)
        await asyncio.sleep(1.5 * INTERVAL)  # another pass: nothing is dirty, nothing more is published
        snapshots = await _snapshots(app)
        assert 1 <= len(snapshots) <= 2, [s["sequence"] for s in snapshots]
        assert [s["sequence"] for s in snapshots] == list(range(1, len(snapshots) + 1))
        last = snapshots[-1]
        assert (last["pool"], last["week_count"], last["first_week"]) == ("all", 26, week_key(today))
        [kubernetes] = last["skills"]
        assert kubernetes["skill"] == "kubernetes" and len(kubernetes["weeks"]) == 26
        week = next(w for w in kubernetes["weeks"] if w["week"] == week_key(monday.date()))
        assert week == {"week": week_key(monday.date()), "supply_hours": 40.0, "booked_hours": 25.0,
                        "free_hours": 15.0, "requested_hours": 0.0}

        # Booked beyond the 26 weeks: the mark is set and cleared, the figures are the same, nothing is published.
        await book(monday + timedelta(weeks=60), 8)
        assert not await _clean(app)
        await eventually(lambda: _clean(app), timeout=5 * INTERVAL)
        await asyncio.sleep(0.2)
        assert len(await _snapshots(app)) == len(snapshots)
