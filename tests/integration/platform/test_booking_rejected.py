"""No silent loss across services, through the real broker: a change capacity cannot book ends with a rejected
booking status on the change, an alert for the assignee's manager, and a count in metrics; nothing is
dead-lettered. A change it can book shows booked, and so does one whose assignee capacity did not know, rescheduled
after the repair (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from tandem_capacity.people.models import Person
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.contracts.portfolio import ProjectDemandPlanned, ResourceDemand
from tandem_shared.tables import audit_log
from tandem_shared.uow import record_event

from tests.integration.change.flows import MANAGER, REQUESTER, act, known_person, raise_change, set_members, window
from tests.support import auth, create_app, eventually, running

RM = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
CAB = auth("carol", "cab_member")
TIMEOUT = 30.0


async def _publish(app, data) -> None:
    """Publish an event through the app's outbox, as its own service would."""
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await record_event(session, data, actor="carol")


async def _inbox(app) -> list[tuple[str, str]]:
    async with app.state.runtime.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(sa.text("SELECT event_type, status FROM inbox"))]


async def test_a_change_capacity_cannot_book_is_rejected_shown_alerted_and_counted(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    change = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    metrics = create_app("metrics", database_url=await databases.fresh("metrics", backend),
                         bootstrap=broker.bootstrap)
    async with running(capacity) as cap, running(change) as chg, running(metrics) as met:
        team = await cap.post("/capacity/v1/teams", headers=RM, json={"name": "Platform", "manager": "mia.manager"})
        assert team.status_code == 201, team.text
        dana = (await cap.post("/capacity/v1/people", headers=RM, json={
            "name": "Dana Kim", "team": "Platform", "weekly_hours": 40})).json()["id"]

        async def known_to_change():
            r = await chg.post("/change/v1/changes", headers=REQUESTER, json={
                "title": "Rotate TLS certificates", "type": "normal", "assignee_id": dana, "effort_hours": 4,
                "planned_start": "2030-12-02T22:00:00+00:00", "planned_end": "2030-12-03T02:00:00+00:00"})
            return r.json() if r.status_code == 201 else None

        booked = await eventually(known_to_change, timeout=TIMEOUT)
        await set_members(chg, "Change managers", ["carol"])
        await act(chg, booked["id"], "submit", REQUESTER)
        await act(chg, booked["id"], "assess", MANAGER)
        approved = await act(chg, booked["id"], "approve", CAB)
        assert approved["state"] == "scheduled" and approved["booking_status"] is None

        async def status_of(change_id: str, wanted: str):
            found = (await chg.get(f"/change/v1/changes/{change_id}", headers=VIEWER)).json()
            return found if found["booking_status"] == wanted else None

        read = await eventually(lambda: status_of(booked["id"], "booked"), timeout=TIMEOUT)
        assert read["booking_reason"] is None
        assert read["version"] == approved["version"]  # capacity's news is not an edit: the ETag holds

        # A change approved with a window capacity cannot spread (as before the API bounded plans): 9999-12-31.
        doomed = await raise_change(chg, assignee_id=dana, effort_hours=4)
        await _publish(change, ChangeApproved(
            id=uuid.UUID(doomed["id"]), type="normal", approved_by="carol", pre_authorised=False,
            assignee_id=uuid.UUID(dana), effort_hours=4, planned_start=datetime(9999, 12, 30, tzinfo=UTC),
            planned_end=datetime(9999, 12, 31, tzinfo=UTC), state="scheduled"))
        rejected = await eventually(lambda: status_of(doomed["id"], "rejected"), timeout=TIMEOUT)
        assert "planning horizon" in rejected["booking_reason"], rejected

        alerts = (await chg.get("/change/v1/alerts?recipient=mia.manager", headers=VIEWER)).json()["items"]
        assert [(a["change_id"], a["kind"], a["team"], a["person_id"]) for a in alerts] == [
            (doomed["id"], "booking_rejected", "Platform", dana)]
        assert alerts[0]["reason"] == rejected["booking_reason"]
        async with change.state.runtime.engine.connect() as conn:
            audited = (await conn.execute(sa.select(audit_log.c.action, audit_log.c.detail).where(
                audit_log.c.entity_id == doomed["id"], audit_log.c.action == "booking_rejected"))).all()
        assert [(a, d["alerted"]) for a, d in audited] == [("booking_rejected", "mia.manager")]

        async def counted():
            kpi = (await met.get("/metrics/v1/kpis/bookings_rejected", headers=VIEWER)).json()
            return kpi if kpi["value"] == 1 else None

        kpi = await eventually(counted, timeout=TIMEOUT)
        assert kpi["unit"] == "count"
        team_kpi = (await met.get("/metrics/v1/kpis/bookings_rejected?dimension=team:Platform",
                                  headers=VIEWER)).json()
        assert team_kpi["value"] == 1, team_kpi
        assert (await cap.get(f"/capacity/v1/bookings?source=change&source_id={doomed['id']}",
                              headers=VIEWER)).json()["items"] == []
        assert all(status == "applied" for _, status in await _inbox(capacity)), await _inbox(capacity)


async def test_a_demand_line_capacity_cannot_book_is_rejected_and_the_rest_booked(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    async with running(capacity) as cap:
        dana = uuid.UUID((await cap.post("/capacity/v1/people", headers=RM, json={
            "name": "Dana Kim", "team": "Platform", "weekly_hours": 40})).json()["id"])
        project, good, bad = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        line = {"role": "DBA", "person_id": dana, "hours_per_week": 8}
        await _publish(capacity, ProjectDemandPlanned(
            project_id=project, project_name="Portal", planned_by="pia", demands=[
                ResourceDemand(id=good, start=date(2027, 1, 4), end=date(2027, 1, 29), **line),
                ResourceDemand(id=bad, start=date(9999, 12, 1), end=date(9999, 12, 31), **line)]))

        async def booked():
            url = f"/capacity/v1/bookings?source=project&source_id={project}&status=active"
            return (await cap.get(url, headers=VIEWER)).json()["items"]

        [booking] = await eventually(booked, timeout=TIMEOUT)
        assert booking["hours"] == 32
        async with capacity.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT event_type, payload FROM outbox WHERE event_type = 'capacity.booking.rejected.v1'"))).all()
        [(_, payload)] = rows
        data = (payload if isinstance(payload, dict) else json.loads(payload))["data"]
        assert (data["source"], data["source_id"], data["line_id"], data["team"]) == (
            "project", str(project), str(bad), "Platform")
        assert all(status == "applied" for _, status in await _inbox(capacity))


async def test_an_assignee_capacity_does_not_know_is_rejected_shown_and_booked_by_a_reschedule_after_repair(
        databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    change = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    async with running(capacity) as cap, running(change) as chg:
        # Capacity restored from a backup older than Dana: change learned of her, capacity no longer knows her.
        dana = await known_person(change)
        raised = await raise_change(chg, assignee_id=str(dana), effort_hours=4)
        await set_members(chg, "Change managers", ["carol"])
        await act(chg, raised["id"], "submit", REQUESTER)
        await act(chg, raised["id"], "assess", MANAGER)
        assert (await act(chg, raised["id"], "approve", CAB))["state"] == "scheduled"

        async def status_of(wanted: str):
            found = (await chg.get(f"/change/v1/changes/{raised['id']}", headers=VIEWER)).json()
            return found if found["booking_status"] == wanted else None

        rejected = await eventually(lambda: status_of("rejected"), timeout=TIMEOUT)
        assert rejected["booking_reason"] == f"assignee {dana} is unknown to capacity"
        # Capacity knows neither her nor her team's manager: the alert names no recipient, and the team change
        # learned for her, whose alerts list shows it.
        alerts = (await chg.get("/change/v1/alerts?team=Platform", headers=VIEWER)).json()["items"]
        assert [(a["kind"], a["change_id"], a["person_id"], a["recipient"], a["reason"]) for a in alerts] == [
            ("booking_rejected", raised["id"], str(dana), None, rejected["booking_reason"])]
        assert [status for _, status in await _inbox(capacity)] == ["applied"]  # nothing dead-lettered

        # Repaired (her row restored), a reschedule of the scheduled change books her.
        async with capacity.state.runtime.sessionmaker() as session, session.begin():
            session.add(Person(id=dana, name="Dana", team="Platform", weekly_hours=40, created_by="restore"))
        moved = await chg.post(f"/change/v1/changes/{raised['id']}/reschedule", headers=REQUESTER,
                               json={**window(days=31), "reason": "Dana is back in capacity"})
        assert moved.status_code == 200, moved.text
        booked = await eventually(lambda: status_of("booked"), timeout=TIMEOUT)
        assert booked["booking_reason"] is None
        [booking] = (await cap.get(f"/capacity/v1/bookings?source=change&source_id={raised['id']}",
                                   headers=VIEWER)).json()["items"]
        assert (booking["person_id"], booking["hours"], booking["status"]) == (str(dana), 4, "active")
        assert all(status == "applied" for _, status in await _inbox(capacity)), await _inbox(capacity)
