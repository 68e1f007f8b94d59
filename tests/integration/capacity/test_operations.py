"""Run work and on-call rotations become operations bookings; redefining regenerates them, deleting releases them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.support import auth, create_app, running

RM = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")


async def _moves(app) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE event_type = 'capacity.booking.moved.v1'"))).scalar()


async def test_run_work_and_rotations(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        ids = {}
        for name, team in (("Ann", "Ops"), ("Ben", "Ops"), ("Cy", "Net")):
            body = {"name": name, "team": team, "weekly_hours": 40}
            ids[name] = (await client.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]

        async def bookings(source_id: str, status: str = "active") -> list[dict]:
            url = f"/capacity/v1/bookings?source=operations&source_id={source_id}&status={status}"
            items = (await client.get(url, headers=VIEWER)).json()["items"]
            return sorted(items, key=lambda b: (b["start"], b["source_line"]))

        team_work = {"team": "Ops", "hours_per_week": 20, "start": "2027-01-04", "end": "2027-01-15",
                     "description": "Patching and triage"}
        created = await client.post("/capacity/v1/operations/run-work", headers=RM, json=team_work)
        assert created.status_code == 201, created.text
        work = created.json()
        booked = await bookings(work["id"])
        assert sorted(b["person_id"] for b in booked) == sorted([ids["Ann"], ids["Ben"]])
        for b in booked:  # 20 h a week split between the two members of Ops
            assert (b["kind"], b["role"], b["hours"], b["source_line"]) == ("hard", "run work", 20.0, b["person_id"])
            assert b["weeks"] == [{"week": "2027-W01", "hours": 10.0}, {"week": "2027-W02", "hours": 10.0}]
        mine = await client.post("/capacity/v1/operations/run-work", headers=RM, json={
            "person_id": ids["Cy"], "hours_per_week": 4, "start": "2027-01-06", "end": "2027-01-08",
            "description": "Firewall reviews", "kind": "soft"})
        [cy] = await bookings(mine.json()["id"])
        assert (cy["person_id"], cy["kind"], cy["weeks"]) == (ids["Cy"], "soft", [{"week": "2027-W01", "hours": 2.4}])

        # Redefined: 30 h a week, one week longer; the same bookings move. Sent again: nothing changes.
        longer = {**team_work, "hours_per_week": 30, "end": "2027-01-22"}
        url = f"/capacity/v1/operations/run-work/{work['id']}"
        stale = await client.put(url, headers={**RM, "If-Match": 'W/"9"'}, json=longer)
        assert stale.status_code == 412
        updated = await client.put(url, headers={**RM, "If-Match": created.headers["ETag"]}, json=longer)
        assert updated.status_code == 200 and updated.json()["version"] == 2
        assert await client.put(url, headers=RM, json=longer)
        after = await bookings(work["id"])
        assert sorted(b["id"] for b in after) == sorted(b["id"] for b in booked)
        assert [[w["hours"] for w in b["weeks"]] for b in after] == [[15.0, 15.0, 15.0]] * 2
        assert await _moves(app) == 2

        rotation = {"team": "Ops", "members": [ids["Ann"], ids["Ben"]], "rotation_weeks": 1, "hours_per_week": 10,
                    "start": "2027-01-06", "end": "2027-01-24", "description": "Primary on-call", "kind": "soft"}
        made = await client.post("/capacity/v1/operations/rotations", headers=RM, json=rotation)
        assert made.status_code == 201, made.text
        turns = await bookings(made.json()["id"])
        assert [(b["person_id"], b["source_line"], b["start"], b["end"], b["hours"], b["role"]) for b in turns] == [
            (ids["Ann"], "2027-W01", "2027-01-04T00:00:00Z", "2027-01-11T00:00:00Z", 10.0, "on-call"),
            (ids["Ben"], "2027-W02", "2027-01-11T00:00:00Z", "2027-01-18T00:00:00Z", 10.0, "on-call"),
            (ids["Ann"], "2027-W03", "2027-01-18T00:00:00Z", "2027-01-25T00:00:00Z", 10.0, "on-call"),
        ]
        swapped = await client.put(f"/capacity/v1/operations/rotations/{made.json()['id']}", headers=RM,
                                   json={**rotation, "members": [ids["Ben"], ids["Ann"]]})
        assert swapped.status_code == 200, swapped.text
        again = await bookings(made.json()["id"])
        assert [b["id"] for b in again] == [b["id"] for b in turns]
        assert [b["person_id"] for b in again] == [ids["Ben"], ids["Ann"], ids["Ben"]]

        assert (await client.delete(f"/capacity/v1/operations/rotations/{made.json()['id']}",
                                    headers=RM)).status_code == 204
        assert await bookings(made.json()["id"]) == []
        released = await bookings(made.json()["id"], "released")
        assert len(released) == 3 and {b["release_reason"] for b in released} == {"operations definition deleted"}
        assert (await client.get(f"/capacity/v1/operations/rotations/{made.json()['id']}",
                                 headers=VIEWER)).status_code == 404
        listed = (await client.get("/capacity/v1/operations/run-work", headers=VIEWER)).json()["items"]
        assert [w["id"] for w in listed] == [work["id"], mine.json()["id"]]


async def test_operations_refuse_bad_definitions(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        ann = (await client.post("/capacity/v1/people", headers=RM, json={
            "name": "Ann", "team": "Ops", "weekly_hours": 40})).json()["id"]
        base = {"hours_per_week": 5, "start": "2027-01-04", "end": "2027-01-15", "description": "x"}
        cases = [
            ("run-work", {**base, "team": "Ops", "person_id": ann}, "body"),
            ("run-work", base, "body"),
            ("run-work", {**base, "team": "Nobody"}, "team"),
            ("run-work", {**base, "person_id": str(uuid.uuid4())}, "person_id"),
            ("run-work", {**base, "team": "Ops", "end": "2027-01-01"}, "body"),
            ("run-work", {**base, "team": "Ops", "end": "2030-01-01"}, "body"),
            ("rotations", {**base, "team": "Ops", "members": [ann, str(uuid.uuid4())], "rotation_weeks": 1},
             "members.1"),
            ("rotations", {**base, "team": "Ops", "members": [ann, ann], "rotation_weeks": 1}, "members"),
            ("rotations", {**base, "team": "Ops", "members": [], "rotation_weeks": 1}, "members"),
            ("rotations", {**base, "team": "Ops", "members": [ann], "rotation_weeks": 0}, "rotation_weeks"),
        ]
        for kind, body, field in cases:
            response = await client.post(f"/capacity/v1/operations/{kind}", headers=RM, json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
        forbidden = await client.post("/capacity/v1/operations/run-work", headers=VIEWER, json={**base, "team": "Ops"})
        assert forbidden.status_code == 403
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM bookings"))).scalar() == 0
            assert (await conn.execute(sa.text("SELECT count(*) FROM run_work"))).scalar() == 0
