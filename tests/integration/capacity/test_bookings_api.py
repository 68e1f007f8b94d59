"""The bookings API: manual bookings, the filtered list, confirm, move and release, with their audit and events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_capacity.bookings.service import book
from tandem_shared.tables import outbox
from tandem_shared.uow import unit_of_work

from tests.support import auth, create_app, running, walk_pages

RM = auth("rita", "resource_manager")
PM = auth("paula", "project_manager")
VIEWER = auth("vera", "viewer")


async def _person(client, name: str) -> str:
    body = {"name": name, "team": "Platform", "weekly_hours": 40}
    return (await client.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]


async def _events(app, prefix: str = "capacity.booking.") -> list:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type, outbox.c.payload)
                                  .where(outbox.c.event_type.like(prefix + "%")).order_by(outbox.c.seq))
        return [(r.event_type, r.payload["data"]) for r in rows]


async def test_book_list_confirm_move_release(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        dana, eli = await _person(client, "Dana"), await _person(client, "Eli")
        body = {"person_id": dana, "source": "operations", "source_id": "patch-night", "kind": "soft",
                "start": "2027-01-04T00:00:00Z", "end": "2027-01-18T00:00:00Z", "hours": 30, "skill": "PostgreSQL",
                "role": "DBA"}
        created = await client.post("/capacity/v1/bookings", headers=PM, json=body)
        assert created.status_code == 201, created.text
        booking = created.json()
        assert created.headers["Location"] == f"/capacity/v1/bookings/{booking['id']}"
        assert created.headers["ETag"] == 'W/"1"'
        assert (booking["kind"], booking["status"], booking["skill"], booking["role"], booking["source_line"]) == (
            "soft", "active", "PostgreSQL", "DBA", None)
        assert booking["weeks"] == [{"week": "2027-W01", "hours": 15.0}, {"week": "2027-W02", "hours": 15.0}]
        change = await client.post("/capacity/v1/bookings", headers=RM, json={
            **body, "person_id": eli, "source": "operations", "source_id": "rota-1", "kind": "hard",
            "start": "2027-02-01T08:00:00Z", "end": "2027-02-01T12:00:00Z", "hours": 4, "skill": None, "role": None})
        assert change.status_code == 201, change.text

        async def ids(query: str) -> list[str]:
            return await walk_pages(client, "/capacity/v1/bookings", VIEWER, query, limit=1)

        assert await ids("") == [booking["id"], change.json()["id"]]
        assert await ids(f"person_id={eli}") == [change.json()["id"]]
        assert await ids("source=operations&kind=soft") == [booking["id"]]
        assert await ids("source_id=rota-1") == [change.json()["id"]]
        assert await ids("source=change") == []
        assert await ids("from=2027-01-20T00:00:00Z&to=2027-03-01T00:00:00Z") == [change.json()["id"]]
        assert await ids("status=released") == []

        # Confirm: soft → hard once; a second confirm is a 409 naming what is still allowed.
        stale = await client.post(f"/capacity/v1/bookings/{booking['id']}/confirm",
                                  headers={**PM, "If-Match": 'W/"7"'})
        assert stale.status_code == 412
        confirmed = await client.post(f"/capacity/v1/bookings/{booking['id']}/confirm",
                                      headers={**PM, "If-Match": 'W/"1"'})
        assert confirmed.status_code == 200 and confirmed.json()["kind"] == "hard"
        assert confirmed.headers["ETag"] == 'W/"2"'
        again = await client.post(f"/capacity/v1/bookings/{booking['id']}/confirm", headers=PM)
        assert again.status_code == 409 and again.json()["allowed_transitions"] == ["move", "release"]

        # Move to Eli, one week later, 20 hours: the weeks are rebuilt.
        moved = await client.post(f"/capacity/v1/bookings/{booking['id']}/move", headers=RM, json={
            "person_id": eli, "start": "2027-01-11T00:00:00Z", "end": "2027-01-25T00:00:00Z", "hours": 20,
            "reason": "Dana is on leave"})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["person_id"], moved.json()["hours"], moved.json()["version"]) == (eli, 20.0, 3)
        assert moved.json()["weeks"] == [{"week": "2027-W02", "hours": 10.0}, {"week": "2027-W03", "hours": 10.0}]
        assert (await client.get(f"/capacity/v1/bookings/{booking['id']}", headers=VIEWER)).json() == moved.json()
        hours_only = await client.post(f"/capacity/v1/bookings/{booking['id']}/move", headers=RM,
                                       json={"hours": 8, "reason": "smaller"})
        assert hours_only.json()["weeks"] == [{"week": "2027-W02", "hours": 4.0}, {"week": "2027-W03", "hours": 4.0}]

        released = await client.post(f"/capacity/v1/bookings/{booking['id']}/release", headers=RM,
                                     json={"reason": "project paused"})
        assert released.status_code == 200
        assert (released.json()["status"], released.json()["release_reason"]) == ("released", "project paused")
        twice = await client.post(f"/capacity/v1/bookings/{booking['id']}/release", headers=RM)
        assert twice.status_code == 409 and twice.json()["allowed_transitions"] == []
        gone = await client.post(f"/capacity/v1/bookings/{booking['id']}/move", headers=RM, json={"reason": "x"})
        assert gone.status_code == 409
        default_reason = await client.post(f"/capacity/v1/bookings/{change.json()['id']}/release", headers=RM)
        assert default_reason.json()["release_reason"] == "released by hand"

        events = await _events(app)
        assert [t for t, _ in events] == [
            "capacity.booking.created.v1", "capacity.booking.created.v1", "capacity.booking.confirmed.v1",
            "capacity.booking.moved.v1", "capacity.booking.moved.v1", "capacity.booking.released.v1",
            "capacity.booking.released.v1"]
        first_move = events[3][1]
        assert (first_move["previous_person_id"], first_move["person_id"]) == (dana, eli)
        assert (first_move["previous_hours"], first_move["hours"], first_move["reason"]) == (30.0, 20.0,
                                                                                            "Dana is on leave")
        assert first_move["previous_weeks"] == booking["weeks"] and first_move["weeks"] == moved.json()["weeks"]
        assert events[5][1]["weeks"] == hours_only.json()["weeks"]
        async with app.state.runtime.engine.connect() as conn:
            audit = (await conn.execute(sa.text(
                "SELECT actor, action FROM audit_log WHERE entity_type = 'booking' AND entity_id = :id ORDER BY at"),
                {"id": booking["id"]})).all()
            dirty = (await conn.execute(sa.text("SELECT dirty FROM snapshot_state"))).scalar()
        assert [tuple(a) for a in audit] == [("paula", "book"), ("paula", "confirm"), ("rita", "move"),
                                             ("rita", "move"), ("rita", "release")]
        assert dirty


async def test_bookings_api_refuses_bad_input_and_roles(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        dana = await _person(client, "Dana")
        base = {"person_id": dana, "source": "operations", "source_id": "p", "start": "2027-01-04T00:00:00Z",
                "end": "2027-01-05T00:00:00Z", "hours": 8}
        cases = [
            ({**base, "end": "2027-01-04T00:00:00Z"}, "body"),
            ({**base, "end": "2030-01-04T00:00:00Z"}, "body"),
            ({**base, "start": "2027-01-04T00:00:00"}, "start"),
            ({**base, "hours": 0}, "hours"),
            ({**base, "source": "elsewhere"}, "source"),
            ({**base, "kind": "firm"}, "kind"),
            ({**base, "person_id": str(uuid.uuid4())}, "person_id"),
            ({**base, "extra": 1}, "extra"),
        ]
        for body, field in cases:
            response = await client.post("/capacity/v1/bookings", headers=RM, json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
        assert (await client.post("/capacity/v1/bookings", headers=VIEWER, json=base)).status_code == 403
        booking = (await client.post("/capacity/v1/bookings", headers=RM, json=base)).json()
        bad_move = await client.post(f"/capacity/v1/bookings/{booking['id']}/move", headers=RM,
                                     json={"end": "2027-01-03T00:00:00Z", "reason": "x"})
        assert bad_move.status_code == 422 and bad_move.json()["errors"][0]["field"] == "end"
        unknown = await client.post(f"/capacity/v1/bookings/{booking['id']}/move", headers=RM,
                                    json={"person_id": str(uuid.uuid4()), "reason": "x"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "person_id"
        assert (await client.post(f"/capacity/v1/bookings/{uuid.uuid4()}/confirm", headers=RM)).status_code == 404
        assert (await client.get("/capacity/v1/bookings?from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z",
                                 headers=VIEWER)).status_code == 422


async def test_skill_gaps_report_over_the_api(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        people = {}
        for name, hours, level in (("Ann", 40, 4), ("Ben", 20, 2)):
            body = {"name": name, "team": "Data", "weekly_hours": hours,
                    "skills": [{"name": "PostgreSQL", "proficiency": level}]}
            people[name] = (await client.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]
        booked = await client.post("/capacity/v1/bookings", headers=RM, json={
            "person_id": people["Ann"], "source": "operations", "source_id": "p1", "start": "2027-01-04T00:00:00Z",
            "end": "2027-01-09T00:00:00Z", "hours": 70, "skill": "postgresql"})
        assert booked.status_code == 201, booked.text
        report = await client.get("/capacity/v1/skill-gaps?from=2027-01-04&to=2027-01-11", headers=VIEWER)
        assert report.status_code == 200, report.text
        body = report.json()
        assert (body["first_week"], body["last_week"]) == ("2027-W01", "2027-W02")
        assert [(r["skill"], r["week"], r["required_proficiency"], r["demand_hours"], r["supply_hours"], r["gap_hours"])
                for r in body["items"]] == [("postgresql", "2027-W01", 1, 70.0, 60.0, 10.0),
                                            ("postgresql", "2027-W02", 1, 0.0, 60.0, -60.0)]
        other = await client.get("/capacity/v1/skill-gaps?from=2027-01-04&to=2027-01-04&skill=Kubernetes",
                                 headers=VIEWER)
        assert [(r["skill"], r["demand_hours"], r["supply_hours"]) for r in other.json()["items"]] == [
            ("kubernetes", 0.0, 0.0)]
        bad = await client.get("/capacity/v1/skill-gaps?from=2027-02-01&to=2027-01-01", headers=VIEWER)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"


async def test_bookings_of_changes_and_projects_come_from_their_events_not_by_hand(databases, backend, broker):
    # Issue 16, item 5: a hand-made booking with source change pre-empted the change's own booking, which the
    # change's reschedule and cancel then acted on; and a change's booking could be released while scheduled.
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        eli = await _person(client, "Eli")
        for source in ("change", "project"):
            made = await client.post("/capacity/v1/bookings", headers=RM, json={
                "person_id": eli, "source": source, "source_id": "chg-1", "start": "2027-02-01T08:00:00Z",
                "end": "2027-02-01T12:00:00Z", "hours": 4})
            assert made.status_code == 422, made.text
            assert made.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in made.json()["errors"]] == ["source"]
        async with unit_of_work(app.state.runtime.sessionmaker) as uow:  # as the approval's handler books it
            booking = await book(uow, actor="system", person_id=uuid.UUID(eli), source="change",
                                 source_id="chg-1", kind="hard", start=datetime(2027, 2, 1, 8, tzinfo=UTC),
                                 end=datetime(2027, 2, 1, 12, tzinfo=UTC), hours=4)
            booking_id = booking.id
        path = f"/capacity/v1/bookings/{booking_id}"
        released = await client.post(f"{path}/release", headers=RM, json={"reason": "not needed"})
        assert released.status_code == 409, released.text
        assert "canceling the change" in released.json()["detail"] and released.json()["source_id"] == "chg-1"
        moved = await client.post(f"{path}/move", headers=RM, json={"hours": 2, "reason": "shorter"})
        assert moved.status_code == 409, moved.text
        read = (await client.get(path, headers=VIEWER)).json()
        assert (read["status"], read["hours"]) == ("active", 4.0)
        assert [t for t, _ in await _events(app)] == ["capacity.booking.created.v1"]  # nothing moved or released
        assert (await client.post("/capacity/v1/bookings", headers=RM, json={
            "person_id": eli, "source_id": "rota-2", "start": "2027-02-02T08:00:00Z",
            "end": "2027-02-02T12:00:00Z", "hours": 4})).json()["source"] == "operations"  # the default
