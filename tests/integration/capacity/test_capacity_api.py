"""The capacity API on a real database (SQLite and PostgreSQL); bookings made by the handlers in-process."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_capacity.bookings import service
from tandem_capacity.handlers import HANDLERS
from tandem_capacity.people import service as people
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled
from tandem_shared.events import build_envelope
from tandem_shared.tables import outbox
from tandem_shared.uow import UnitOfWork

from tests.support import auth, create_app, eventually, running, transaction

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
DANA = {"name": "Dana Kim", "email": "Dana.Kim@example.org", "team": "Platform", "weekly_hours": 40,
        "skills": [{"name": "PostgreSQL", "proficiency": 3}, {"name": "ansible", "proficiency": 4}]}


def _app(url: str, broker):
    return create_app("capacity", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)


async def _handle(app, data, actor: str | None = "bob") -> None:
    """Apply an event the way the consumer does, minus the broker."""
    envelope = build_envelope(data, actor=actor)
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await HANDLERS[envelope.type](UnitOfWork.of(session), envelope, data)


def _approved(change_id: uuid.UUID, person: str, hours: float, start: str, end: str) -> ChangeApproved:
    return ChangeApproved(
        id=change_id, type="normal", approved_by="bob", pre_authorised=False, assignee_id=uuid.UUID(person),
        effort_hours=hours, planned_start=datetime.fromisoformat(start), planned_end=datetime.fromisoformat(end),
        state="scheduled")


async def test_people_create_read_list_and_filters(databases, backend, broker):
    app = _app(await databases.fresh("capacity", backend), broker)
    async with running(app) as client:
        created = await client.post("/capacity/v1/people", headers=MANAGER, json=DANA)
        assert created.status_code == 201, created.text
        dana = created.json()
        assert created.headers["location"] == f"/capacity/v1/people/{dana['id']}"
        assert (dana["name"], dana["email"], dana["team"], dana["weekly_hours"]) == (
            "Dana Kim", "dana.kim@example.org", "Platform", 40.0)
        skills = [{"name": "ansible", "proficiency": 4}, {"name": "PostgreSQL", "proficiency": 3}]
        assert dana["skills"] == skills
        assert (await client.get(f"/capacity/v1/people/{dana['id']}", headers=VIEWER)).json() == dana

        others = [
            {"name": "Ari Beck", "team": "Network", "weekly_hours": 32, "skills": [{"name": "BGP", "proficiency": 5}]},
            {"name": "Cleo Diaz", "team": "Platform", "weekly_hours": 20,
             "skills": [{"name": "Ansible", "proficiency": 2}]},
            {"name": "Bo Chan", "team": "Platform", "weekly_hours": 37.5},
        ]
        for body in others:
            created = await client.post("/capacity/v1/people", headers=auth("root", "admin"), json=body)
            assert created.status_code == 201, created.text

        names, cursor = [], None
        while True:
            url = "/capacity/v1/people?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(url, headers=VIEWER)).json()
            assert len(page["items"]) <= 3 and page["limit"] == 3
            names += [p["name"] for p in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert names == ["Ari Beck", "Bo Chan", "Cleo Diaz", "Dana Kim"]
        team = (await client.get("/capacity/v1/people?team=Platform", headers=VIEWER)).json()["items"]
        assert [p["name"] for p in team] == ["Bo Chan", "Cleo Diaz", "Dana Kim"]
        skilled = (await client.get("/capacity/v1/people?skill=ANSIBLE", headers=VIEWER)).json()["items"]
        assert [p["name"] for p in skilled] == ["Cleo Diaz", "Dana Kim"]
        both = (await client.get("/capacity/v1/people?skill=bgp&team=Platform", headers=VIEWER)).json()["items"]
        assert both == []

        async with app.state.runtime.engine.connect() as conn:
            audit = (await conn.execute(sa.text(
                "SELECT actor, action FROM audit_log WHERE entity_type = 'person' ORDER BY at"))).all()
        assert [tuple(a) for a in audit] == [("rita", "create")] + [("root", "create")] * 3

        async def published():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.select(outbox).order_by(outbox.c.seq))).all()
            return rows if len(rows) == 4 and all(r.published_at for r in rows) else None

        rows = await eventually(published)
        assert {r.event_type for r in rows} == {"capacity.person.created.v1"}
        first = rows[0].payload
        assert (first["actor"], first["subject"]) == ("rita", dana["id"])
        assert first["data"] == {"id": dana["id"], "name": "Dana Kim", "email": "dana.kim@example.org",
                                 "team": "Platform", "skills": skills, "weekly_hours": 40.0}


async def test_bad_input_is_a_problem_naming_the_field(databases, backend, broker):
    app = _app(await databases.fresh("capacity", backend), broker)
    async with running(app) as client:
        base = {"name": "Eve", "team": "Ops", "weekly_hours": 40}
        cases = [
            ({**base, "weekly_hours": 0}, "weekly_hours"),
            ({**base, "weekly_hours": 80.5}, "weekly_hours"),
            ({"name": "Eve", "weekly_hours": 40}, "team"),
            ({**base, "name": "   "}, "name"),
            ({**base, "email": "not-an-email"}, "email"),
            ({**base, "skills": [{"name": "SQL", "proficiency": 6}]}, "skills.0.proficiency"),
            ({**base, "skills": [{"name": "SQL", "proficiency": 0}]}, "skills.0.proficiency"),
            ({**base, "skills": [{"name": "SQL", "proficiency": 2}, {"name": "sql", "proficiency": 3}]}, "skills"),
            ({**base, "salary": 1}, "salary"),
        ]
        for body, field in cases:
            response = await client.post("/capacity/v1/people", headers=MANAGER, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], response.json()

        assert (await client.post("/capacity/v1/people", json=base)).status_code == 401
        forbidden = await client.post("/capacity/v1/people", headers=auth("pat", "project_manager"), json=base)
        assert forbidden.status_code == 403 and forbidden.json()["required_roles"] == ["resource_manager"]
        assert (await client.get("/capacity/v1/people")).status_code == 401
        for url in (f"/capacity/v1/people/{uuid.uuid4()}", f"/capacity/v1/people/{uuid.uuid4()}/bookings",
                    f"/capacity/v1/people/{uuid.uuid4()}/utilisation", f"/capacity/v1/bookings/{uuid.uuid4()}"):
            missing = await client.get(url, headers=VIEWER)
            assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json", url

        person = (await client.post("/capacity/v1/people", headers=MANAGER, json={**base, "email": "eve@x.org"})).json()
        twin = await client.post("/capacity/v1/people", headers=MANAGER, json={**base, "email": "EVE@x.org"})
        assert twin.status_code == 409 and twin.json()["errors"][0]["field"] == "email"

        pid = person["id"]
        queries = [
            (f"/capacity/v1/people/{pid}/utilisation?from=2026-12-10&to=2026-12-01", "to"),
            (f"/capacity/v1/people/{pid}/utilisation?from=2026-01-05&to=2028-01-03", "to"),
            (f"/capacity/v1/people/{pid}/utilisation?from=2026-12-01T10:00:00", "from"),
            (f"/capacity/v1/people/{pid}/utilisation?to=someday", "to"),
            (f"/capacity/v1/people/{pid}/bookings?from=2026-12-10T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
            (f"/capacity/v1/people/{pid}/bookings?from=2026-12-10T00:00:00", "from"),
            (f"/capacity/v1/people/{pid}/bookings?status=gone", "status"),
            ("/capacity/v1/people?cursor=garbage", "cursor"),
        ]
        for url, field in queries:
            response = await client.get(url, headers=VIEWER)
            assert response.status_code == 422, (url, response.text)
            assert field in [e["field"] for e in response.json()["errors"]], (url, response.json())
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM people"))).scalar() == 1


async def test_bookings_and_utilisation_follow_the_change_events(databases, backend, broker):
    app = _app(await databases.fresh("capacity", backend), broker)
    async with running(app) as client:
        pid = (await client.post("/capacity/v1/people", headers=MANAGER, json=DANA)).json()["id"]
        year_end, other = uuid.uuid4(), uuid.uuid4()
        await _handle(app, _approved(year_end, pid, 10, "2026-12-31T00:00:00+00:00", "2027-01-05T00:00:00+00:00"))
        await _handle(app, _approved(other, pid, 6, "2027-01-06T08:00:00+00:00", "2027-01-06T14:00:00+00:00"))
        # Neither an unassigned approval nor one without effort books anything.
        unassigned = _approved(uuid.uuid4(), pid, 3, "2027-01-06T08:00:00+00:00", "2027-01-06T09:00:00+00:00")
        await _handle(app, unassigned.model_copy(update={"assignee_id": None}))
        await _handle(app, _approved(uuid.uuid4(), pid, 0, "2027-01-06T08:00:00+00:00", "2027-01-06T09:00:00+00:00"))

        listed = (await client.get(f"/capacity/v1/people/{pid}/bookings", headers=VIEWER)).json()["items"]
        assert [(b["source_id"], b["hours"]) for b in listed] == [(str(year_end), 10.0), (str(other), 6.0)]
        first = listed[0]
        assert (first["source"], first["kind"], first["status"], first["person_id"]) == (
            "change", "hard", "active", pid)
        assert first["weeks"] == [{"week": "2026-W53", "hours": 8.0}, {"week": "2027-W01", "hours": 2.0}]
        assert (await client.get(f"/capacity/v1/bookings/{first['id']}", headers=VIEWER)).json() == first

        window = (await client.get(f"/capacity/v1/people/{pid}/bookings?from=2027-01-05T00:00:00Z"
                                   "&to=2027-01-31T00:00:00Z", headers=VIEWER)).json()["items"]
        assert [b["source_id"] for b in window] == [str(other)]
        paged = (await client.get(f"/capacity/v1/people/{pid}/bookings?limit=1", headers=VIEWER)).json()
        second = (await client.get(f"/capacity/v1/people/{pid}/bookings?limit=1&cursor={paged['next_cursor']}",
                                   headers=VIEWER)).json()
        assert [b["source_id"] for b in paged["items"] + second["items"]] == [str(year_end), str(other)]
        assert second["next_cursor"] is None

        report = (await client.get(f"/capacity/v1/people/{pid}/utilisation?from=2026-12-28&to=2027-01-10T23:00:00Z",
                                   headers=VIEWER)).json()
        assert report["person_id"] == pid and report["weekly_hours"] == 40.0
        assert report["weeks"] == [
            {"week": "2026-W53", "week_start": "2026-12-28", "available_hours": 40.0, "booked_hours": 8.0,
             "change_hours": 8.0, "project_hours": 0.0, "operations_hours": 0.0, "soft_hours": 0.0,
             "hard_hours": 8.0, "utilisation": 0.2},
            {"week": "2027-W01", "week_start": "2027-01-04", "available_hours": 40.0, "booked_hours": 8.0,
             "change_hours": 8.0, "project_hours": 0.0, "operations_hours": 0.0, "soft_hours": 0.0,
             "hard_hours": 8.0, "utilisation": 0.2},
        ]
        default = (await client.get(f"/capacity/v1/people/{pid}/utilisation", headers=VIEWER)).json()["weeks"]
        today = datetime.now(UTC).date()
        assert len(default) == 12 and default[0]["week_start"] == str(today - timedelta(days=today.weekday()))

        # A cancel releases the change's booking and frees its hours; a cancel without a booking changes nothing.
        await _handle(app, ChangeCanceled(id=year_end, type="normal", canceled_by="alice", reason=None,
                                          from_state="scheduled", was_approved=True), actor=None)
        await _handle(app, ChangeCanceled(id=uuid.uuid4(), type="normal", canceled_by="alice", reason=None,
                                          from_state="new", was_approved=False))
        released = (await client.get(f"/capacity/v1/people/{pid}/bookings?status=released",
                                     headers=VIEWER)).json()["items"]
        assert [(b["id"], b["status"], b["release_reason"]) for b in released] == [
            (first["id"], "released", "change canceled")]
        assert released[0]["released_at"] is not None
        every = (await client.get(f"/capacity/v1/people/{pid}/bookings?status=all", headers=VIEWER)).json()["items"]
        assert len(every) == 2
        # Other sources count separately.
        async with transaction(app) as session:
            person = await people.get_person(session, uuid.UUID(pid))
            await service.book(UnitOfWork.of(session), actor="rita", person_id=person.id, source="operations",
                               source_id="on-call", kind="soft", start=datetime(2027, 1, 4, tzinfo=UTC),
                               end=datetime(2027, 1, 6, tzinfo=UTC), hours=4)
        after = (await client.get(f"/capacity/v1/people/{pid}/utilisation?from=2026-12-28&to=2027-01-04",
                                  headers=VIEWER)).json()["weeks"]
        assert [(w["week"], w["change_hours"], w["operations_hours"], w["booked_hours"], w["utilisation"])
                for w in after] == [("2026-W53", 0.0, 0.0, 0.0, 0.0), ("2027-W01", 6.0, 4.0, 10.0, 0.25)]

        async with app.state.runtime.engine.connect() as conn:
            audit = (await conn.execute(sa.text(
                "SELECT actor, action, to_state FROM audit_log WHERE entity_type = 'booking' ORDER BY at"))).all()
            events = (await conn.execute(sa.select(outbox).where(outbox.c.event_type.like("capacity.booking.%"))
                                         .order_by(outbox.c.seq))).all()
        assert [tuple(a) for a in audit] == [("bob", "book", "active"), ("bob", "book", "active"),
                                             ("system", "release", "released"), ("rita", "book", "active")]
        assert [e.event_type for e in events] == ["capacity.booking.created.v1"] * 2 + [
            "capacity.booking.released.v1", "capacity.booking.created.v1"]
        assert events[2].payload["data"]["weeks"] == first["weeks"]
        assert events[2].payload["data"]["reason"] == "change canceled"
