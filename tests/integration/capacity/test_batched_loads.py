"""Batched person-load updates and bookings without ORM objects give the same figures as the one-by-one paths."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_capacity.bookings import service
from tandem_capacity.loads.repository import LoadRepository
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, running, transaction

MANAGER = auth("rita", "resource_manager")
BASE = "/capacity/v1"
# Per person: the (week, signed hours) a transaction adds; the last person's W02 cancels out to nothing.
DELTAS = [
    [("2027-W01", 8.0), ("2027-W02", 4.5), ("2027-W01", 1.25)],
    [("2027-W03", 10.0), ("2027-W03", -2.5)],
    [("2027-W02", 3.0), ("2027-W02", -3.0), ("2027-W04", 0.1)],
]


async def _people(client, count: int) -> list[uuid.UUID]:
    ids = []
    for i in range(count):
        created = await client.post(f"{BASE}/people", headers=MANAGER, json={
            "name": f"P{i}", "team": "Platform", "weekly_hours": 40})
        assert created.status_code == 201, created.text
        ids.append(uuid.UUID(created.json()["id"]))
    return ids


async def test_batched_loads_equal_one_by_one(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        batched, single = (await _people(client, 3)), (await _people(client, 3))
        for _ in range(2):  # the second round updates existing rows; the first inserts them
            async with transaction(app) as session:
                returned = await LoadRepository(session).add_hours_many(dict(zip(batched, DELTAS, strict=True)))
            async with transaction(app) as session:
                for person_id, deltas in zip(single, DELTAS, strict=True):
                    for week, hours in deltas:
                        await LoadRepository(session).add_hours(person_id, [(week, abs(hours))],
                                                                1.0 if hours > 0 else -1.0)
        async with transaction(app) as session:
            stored = await LoadRepository(session).booked([*batched, *single])
    expected = [{"2027-W01": 18.5, "2027-W02": 9.0}, {"2027-W03": 15.0}, {"2027-W04": 0.2}]
    assert [stored[p] for p in batched] == expected
    assert [stored[p] for p in single] == expected
    assert [returned[p] for p in batched] == expected  # what the last batch returned is what it stored


async def test_add_booking_writes_what_book_writes(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    window = {"kind": "hard", "start": datetime(2027, 1, 6, 9, tzinfo=UTC),
              "end": datetime(2027, 1, 13, 17, tzinfo=UTC), "hours": 12.0}
    async with running(app) as client:
        ana, ben = await _people(client, 2)
        async with transaction(app) as session:
            await service.book(UnitOfWork.of(session), actor="rita", person_id=ana, source="change",
                               source_id="c-1", **window)
            await service.add_booking(UnitOfWork.of(session), actor="rita", person_id=ben, source="change",
                                      source_id="c-2", **window)
        results = {}
        for person in (ana, ben):
            response = await client.get(
                f"{BASE}/people/{person}/bookings?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z",
                headers=MANAGER)
            assert response.status_code == 200, response.text
            [booking] = response.json()["items"]
            results[person] = {k: booking[k] for k in ("source", "kind", "start", "end", "hours", "status", "weeks")}
        async with transaction(app) as session:
            booked = await LoadRepository(session).booked([ana, ben])
            audit = (await session.execute(sa.text(
                "SELECT count(*) FROM audit_log WHERE entity_type = 'booking' AND action = 'book'"))).scalar()
            events = (await session.execute(sa.text(
                "SELECT payload FROM outbox WHERE event_type = 'capacity.booking.created.v1'"))).scalars().all()
    assert results[ana] == results[ben] and results[ana]["weeks"]
    assert booked[ana] == booked[ben] and sum(booked[ana].values()) == 12.0
    assert audit == 2 and len(events) == 2
    datas = [e if isinstance(e, dict) else json.loads(e) for e in events]
    trimmed = [{k: v for k, v in d["data"].items() if k not in ("id", "person_id", "source_id")} for d in datas]
    assert trimmed[0] == trimmed[1]
