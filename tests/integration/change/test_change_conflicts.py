"""Conflict checks of a change on both databases: each kind with its reason; bookings from real events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tandem_shared.contracts.capacity import BookingCreated, BookingReleased, WeekHours
from tandem_shared.events import build_envelope
from tandem_shared.uow import UnitOfWork, record_event

from tests.integration.change import schedule_rows as rows
from tests.integration.change.flows import set_members, standard_model
from tests.support import auth, create_app, eventually, running

REQUESTER = auth("alice", "requester")
MANAGER = auth("bob", "change_manager")
START = datetime(2027, 3, 6, 22, 0, tzinfo=UTC)  # a Saturday
END = START + timedelta(hours=2)


def window(start: datetime, hours: float = 2) -> dict[str, str]:
    return {"planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=hours)).isoformat()}


async def new_change(client, title: str, start: datetime = START, hours: float = 2, *, type: str = "normal",
                     submit: bool = False, **extra) -> dict:
    if type == "standard" and "model_id" not in extra:
        extra["model_id"] = await standard_model(client)
    if type == "emergency" and submit:
        await set_members(client, "Emergency CAB", ["erin.ecab"])
    created = await client.post("/change/v1/changes", headers=REQUESTER,
                                json={"title": title, "type": type, **window(start, hours), **extra})
    assert created.status_code == 201, created.text
    if submit:
        submitted = await client.post(f"/change/v1/changes/{created.json()['id']}/submit", headers=REQUESTER)
        assert submitted.status_code == 200, submitted.text
        return submitted.json()
    return created.json()


def booking(person: uuid.UUID, *, source: str, source_id: str, start: datetime, end: datetime,
            booking_id: uuid.UUID | None = None) -> BookingCreated:
    return BookingCreated(id=booking_id or uuid.uuid4(), person_id=person, source=source, source_id=source_id,
                          kind="hard", start=start, end=end, hours=4, weeks=[WeekHours(week="2027-W09", hours=4)])


async def test_each_kind_of_conflict_with_its_reason(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        web, db, lb = await rows.ci(app, "web-01", "application"), await rows.ci(app, "db-01", "database"), \
            await rows.ci(app, "lb-01", "load_balancer")
        shop = await rows.ci(app, "Online shop", "business_service")
        await rows.relate(app, web, db)   # web depends on db: db is web's parent
        await rows.relate(app, shop, web)  # the shop depends on web
        await rows.maintenance(app, web, "FREQ=WEEKLY;BYDAY=SU", datetime(2027, 1, 3, 2, tzinfo=UTC), 120)

        freeze = await rows.blackout(app, "Year-end freeze", START - timedelta(days=1), START + timedelta(hours=1))
        await rows.blackout(app, "Next week", START + timedelta(days=7), START + timedelta(days=8))
        peak = await rows.blackout(app, "Shop peak", START, END, "service", shop)
        await rows.blackout(app, "LB work", START, END, "ci", lb)
        same = await new_change(client, "Upgrade nginx", START + timedelta(hours=1), type="standard", submit=True,
                                affected_cis=[str(web)])
        parent = await new_change(client, "Failover database", START - timedelta(hours=1), type="emergency",
                                  submit=True, affected_cis=[str(db)])
        unrelated = await new_change(client, "Swap LB certs", START, type="standard", submit=True,
                                     affected_cis=[str(lb)])
        draft = await new_change(client, "Someday maybe", START, affected_cis=[str(web)])
        assert (same["state"], parent["state"], unrelated["state"], draft["state"]) == (
            "scheduled", "authorize", "scheduled", "new")

        person = await rows.person(app, "Dana", "Platform")
        from tandem_change.scheduling.handlers import on_booking_created, on_booking_released

        project = booking(person, source="project", source_id="PRJ-42", start=START - timedelta(hours=3),
                          end=START + timedelta(minutes=30))
        async with app.state.runtime.sessionmaker() as session, session.begin():
            for data in (project, project):  # a re-sent creation refreshes the same row
                await on_booking_created(UnitOfWork.of(session), build_envelope(data, actor="capacity"), data)
            gone = booking(person, source="project", source_id="PRJ-2", start=START, end=END)
            gone_event = BookingReleased(id=gone.id, person_id=person, source="project", source_id="PRJ-2", hours=4,
                                         weeks=[], reason="project deferred")
            for handler, data in ((on_booking_created, gone), (on_booking_released, gone_event),
                                  (on_booking_created, gone)):  # re-sent with a new event id: stays released
                await handler(UnitOfWork.of(session), build_envelope(data, actor="capacity"), data)
            released = booking(person, source="project", source_id="PRJ-1", start=START, end=END)
            await on_booking_released(
                UnitOfWork.of(session), build_envelope(released, actor="capacity"), BookingReleased(
                    id=released.id, person_id=person, source="project", source_id="PRJ-1", hours=4, weeks=[],
                    reason="never seen here"))

        bare = await new_change(client, "No CIs, no assignee")
        stored = (await client.get(f"/change/v1/changes/{bare['id']}/conflicts", headers=REQUESTER)).json()
        # With no CIs only the global blackout applies.
        assert [(c["kind"], c["blackout_id"]) for c in stored["items"]] == [("blackout", str(freeze))]

        mine = await new_change(client, "Deploy web release", assignee_id=str(person), effort_hours=2,
                                affected_cis=[str(web)])
        # Creating the change checked it already.
        on_create = (await client.get(f"/change/v1/changes/{mine['id']}/conflicts", headers=REQUESTER)).json()
        assert len(on_create["items"]) == 6
        own = booking(person, source="change", source_id=mine["id"], start=START, end=END)
        async with app.state.runtime.sessionmaker() as session, session.begin():
            await on_booking_created(UnitOfWork.of(session), build_envelope(own, actor="capacity"), own)

        checked = await client.post(f"/change/v1/changes/{mine['id']}/conflicts/check", headers=REQUESTER)
        assert checked.status_code == 200, checked.text
        found = {c["kind"]: c for c in checked.json()["items"] if c["kind"] != "blackout"}
        blackouts = [c for c in checked.json()["items"] if c["kind"] == "blackout"]
        assert sorted(found) == ["assignee_booked", "ci_overlap", "outside_maintenance_window", "related_ci_overlap"]
        assert len(checked.json()["items"]) == 6

        assert found["ci_overlap"]["other_change_id"] == same["id"] and found["ci_overlap"]["ci_id"] == str(web)
        assert "web-01" in found["ci_overlap"]["reason"] and "Upgrade nginx" in found["ci_overlap"]["reason"]
        related = found["related_ci_overlap"]
        assert related["other_change_id"] == parent["id"] and related["ci_id"] == str(db)
        assert "db-01" in related["reason"] and "web-01" in related["reason"] and "authorize" in related["reason"]
        assert {b["blackout_id"] for b in blackouts} == {str(freeze), str(peak)}
        assert any("Online shop" in b["reason"] and "Shop peak" in b["reason"] for b in blackouts)
        assert found["outside_maintenance_window"]["ci_id"] == str(web)
        assert "web-01" in found["outside_maintenance_window"]["reason"]
        assert found["assignee_booked"]["booking_id"] == str(project.id)
        assert "PRJ-42" in found["assignee_booked"]["reason"]

        listed = (await client.get(f"/change/v1/changes/{mine['id']}/conflicts", headers=auth("v", "viewer"))).json()
        assert listed["items"] == checked.json()["items"]
        assert [c["kind"] for c in listed["items"]] == [c["kind"] for c in on_create["items"]]

        # The check reflects today's schedule: once the other change is canceled, its overlap is gone.
        assert (await client.post(f"/change/v1/changes/{same['id']}/cancel", headers=REQUESTER)).status_code == 200
        again = (await client.post(f"/change/v1/changes/{mine['id']}/conflicts/check", headers=REQUESTER)).json()
        assert "ci_overlap" not in {c["kind"] for c in again["items"]} and len(again["items"]) == 5

        assert (await client.post(f"/change/v1/changes/{mine['id']}/conflicts/check",
                                  headers=auth("v", "viewer"))).status_code == 403
        missing = await client.get(f"/change/v1/changes/{uuid.uuid4()}/conflicts", headers=REQUESTER)
        assert missing.status_code == 404


async def test_assignee_booked_from_capacity_events_through_the_broker(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        person = await rows.person(app, "Eve", "Network")
        held = booking(person, source="operations", source_id="on-call-w10", start=START - timedelta(hours=1),
                       end=START + timedelta(hours=6))
        # Published as capacity would, through an outbox of the test's own onto capacity's topic.
        async with app.state.runtime.sessionmaker() as session, session.begin():
            await record_event(session, held, actor="capacity")

        async def projected():
            from tandem_change.scheduling.repository import BookingProjection

            async with app.state.runtime.sessionmaker() as session:
                return await BookingProjection(session).get(held.id)
        assert (await eventually(projected)).active

        change = await new_change(client, "Router firmware", assignee_id=str(person), effort_hours=2)
        conflicts = (await client.get(f"/change/v1/changes/{change['id']}/conflicts", headers=REQUESTER)).json()
        assert [(c["kind"], c["booking_id"]) for c in conflicts["items"]] == [("assignee_booked", str(held.id))]
        assert "operations on-call-w10" in conflicts["items"][0]["reason"]

        async with app.state.runtime.sessionmaker() as session, session.begin():
            await record_event(session, BookingReleased(
                id=held.id, person_id=person, source="operations", source_id="on-call-w10", hours=4, weeks=[],
                reason="rota changed"), actor="capacity")

        async def released():
            return not (await projected()).active
        assert await eventually(released)
        rechecked = await client.post(f"/change/v1/changes/{change['id']}/conflicts/check", headers=REQUESTER)
        assert rechecked.json()["items"] == []
