"""What-if scenarios: copies of live bookings that move without touching live bookings or publishing events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_capacity.bookings import service
from tandem_shared.tables import outbox
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, running, transaction

PLANNER = auth("pam", "pmo")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"


async def _person(client, name: str, team: str) -> str:
    response = await client.post(f"{BASE}/people", headers=auth("rita", "resource_manager"),
                                 json={"name": name, "team": team, "weekly_hours": 40})
    return response.json()["id"]


async def _live_state(app, client, people: list[str]) -> tuple:
    async with app.state.runtime.engine.connect() as conn:
        events = (await conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.seq))).scalars().all()
        bookings = (await conn.execute(sa.text("SELECT count(*) FROM bookings"))).scalar()
    reports = [(await client.get(f"{BASE}/people/{p}/utilisation?from=2027-01-04&to=2027-01-11",
                                 headers=VIEWER)).json() for p in people]
    return events, bookings, reports


async def test_scenario_moves_compare_and_leave_live_bookings_alone(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        ana, ben = await _person(client, "Ana", "Platform"), await _person(client, "Ben", "Platform")
        cy = await _person(client, "Cy", "Network")
        async with transaction(app) as session:
            big = await service.book(UnitOfWork.of(session), actor="rita", person_id=uuid.UUID(ana), source="project",
                                     source_id="p1", kind="hard", start=datetime(2027, 1, 4, tzinfo=UTC),
                                     end=datetime(2027, 1, 9, tzinfo=UTC), hours=50)
            await service.book(UnitOfWork.of(session), actor="rita", person_id=uuid.UUID(cy), source="change",
                               source_id="c1", kind="hard", start=datetime(2027, 3, 1, tzinfo=UTC),
                               end=datetime(2027, 3, 2, tzinfo=UTC), hours=5)
        before = await _live_state(app, client, [ana, ben])

        created = await client.post(f"{BASE}/scenarios", headers=PLANNER,
                                    json={"name": "Share the load", "from": "2027-01-04", "to": "2027-01-11"})
        assert created.status_code == 201, created.text
        scenario = created.json()
        assert (scenario["name"], scenario["bookings"]) == ("Share the load", 1)  # Cy's March booking is outside
        sid = scenario["id"]
        copied = (await client.get(f"{BASE}/scenarios/{sid}/bookings", headers=VIEWER)).json()["items"]
        assert [(b["live_booking_id"], b["person_id"], b["hours"]) for b in copied] == [(str(big.id), ana, 50.0)]

        moved = await client.post(f"{BASE}/scenarios/{sid}/moves", headers=PLANNER, json={
            "action": "move", "booking_id": copied[0]["id"], "person_id": ben,
            "start": "2027-01-11T00:00:00Z", "end": "2027-01-16T00:00:00Z"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["booking"]["weeks"] == [{"week": "2027-W02", "hours": 50.0}]
        added = await client.post(f"{BASE}/scenarios/{sid}/moves", headers=PLANNER, json={
            "action": "add", "person_id": ana, "source": "project", "source_id": "p2", "kind": "soft",
            "start": "2027-01-04T00:00:00Z", "end": "2027-01-09T00:00:00Z", "hours": 20})
        assert added.status_code == 200 and added.json()["booking"]["live_booking_id"] is None

        comparison = (await client.get(f"{BASE}/scenarios/{sid}/comparison?team=Platform", headers=VIEWER)).json()
        assert comparison["weeks"] == ["2027-W01", "2027-W02"]
        rows = {p["name"]: p for p in comparison["people"]}
        assert (rows["Ana"]["live_booked"], rows["Ana"]["scenario_booked"]) == ([50.0, 0.0], [20.0, 0.0])
        assert (rows["Ben"]["live_utilisation"], rows["Ben"]["scenario_utilisation"]) == ([0.0, 0.0], [0.0, 1.25])
        assert comparison["live_overallocations"] == [{"person_id": ana, "week": "2027-W01", "utilisation": 1.25}]
        assert comparison["scenario_overallocations"] == [{"person_id": ben, "week": "2027-W02", "utilisation": 1.25}]

        removed = await client.post(f"{BASE}/scenarios/{sid}/moves", headers=PLANNER, json={
            "action": "remove", "booking_id": added.json()["booking"]["id"]})
        assert removed.status_code == 200 and removed.json()["booking"] is None
        for body, field in [({"action": "remove", "booking_id": str(uuid.uuid4())}, "booking_id"),
                            ({"action": "move", "booking_id": copied[0]["id"], "person_id": str(uuid.uuid4())},
                             "person_id"),
                            ({"action": "move", "booking_id": copied[0]["id"]}, "move"),
                            ({"action": "teleport"}, "body")]:
            response = await client.post(f"{BASE}/scenarios/{sid}/moves", headers=PLANNER, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["errors"][0]["field"].startswith(field), response.json()
        assert (await client.post(f"{BASE}/scenarios/{sid}/moves", headers=VIEWER, json={
            "action": "remove", "booking_id": copied[0]["id"]})).status_code == 403

        # Live bookings, live utilisation and the capacity topic's outbox are exactly as before.
        assert await _live_state(app, client, [ana, ben]) == before
        listed = (await client.get(f"{BASE}/scenarios", headers=VIEWER)).json()["items"]
        assert [(s["id"], s["bookings"]) for s in listed] == [(sid, 1)]
        assert (await client.delete(f"{BASE}/scenarios/{sid}", headers=PLANNER)).status_code == 204
        assert (await client.get(f"{BASE}/scenarios/{sid}", headers=VIEWER)).status_code == 404
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM scenario_bookings"))).scalar() == 0
