"""The change API on a real database (SQLite and PostgreSQL) with the real broker."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from tandem_shared.contracts.capacity import PersonCreated
from tandem_shared.uow import record_event

from tests.support import auth, create_app, eventually, running, walk_pages

REQUESTER = auth("alice", "requester")
MANAGER = auth("bob", "change_manager")
# Far enough ahead: low risk.
WINDOW = {"planned_start": "2030-12-02T22:00:00+00:00", "planned_end": "2030-12-03T02:00:00+00:00"}


async def _known_person(app, person_id: uuid.UUID) -> None:
    """Put a person in change's projection the way capacity's event would."""
    from tandem_change.people.repository import PeopleProjection

    async with app.state.runtime.sessionmaker() as session, session.begin():
        await PeopleProjection(session).upsert(person_id, name="Dana", team="Platform")


async def test_lifecycle_audit_and_events(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        person = uuid.uuid4()
        await _known_person(app, person)
        created = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Rotate TLS certificates", "type": "normal", "assignee_id": str(person), "effort_hours": 4,
            **WINDOW})
        assert created.status_code == 201, created.text
        change = created.json()
        assert change["state"] == "new" and change["allowed_actions"] == ["cancel", "reschedule", "submit"]
        cid = change["id"]

        refused = await client.post(f"/change/v1/changes/{cid}/approve", headers=MANAGER)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["allowed_transitions"] == ["cancel", "reschedule", "submit"]

        assert (await client.post(f"/change/v1/changes/{cid}/submit", headers=REQUESTER)).json()["state"] == "assess"
        groups = (await client.get("/change/v1/approver-groups", headers=MANAGER)).json()["items"]
        managers = next(g for g in groups if g["name"] == "Change managers")
        await client.patch(f"/change/v1/approver-groups/{managers['id']}", headers=MANAGER,
                           json={"members": ["alice", "bob"]})
        assessed = await client.post(f"/change/v1/changes/{cid}/assess", headers=MANAGER)
        assert assessed.json()["state"] == "authorize", assessed.text
        own = await client.post(f"/change/v1/changes/{cid}/approve",
                                headers=auth("alice", "requester", "change_manager"))
        assert own.status_code == 403 and "requester" in own.json()["detail"]
        approved = await client.post(f"/change/v1/changes/{cid}/approve", headers=MANAGER, json={"comment": "CAB ok"})
        assert approved.status_code == 200 and approved.json()["state"] == "scheduled"
        assert approved.json()["approved_by"] == "bob"

        history = (await client.get(f"/change/v1/changes/{cid}/history", headers=MANAGER)).json()["items"]
        assert [(h["actor"], h["action"], h["to_state"]) for h in history] == [
            ("alice", "create", "new"), ("alice", "submit", "assess"), ("bob", "assess", "authorize"),
            ("bob", "vote_approve", "authorize"), ("bob", "authorize", "scheduled")]

        async def all_published():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT event_type, published_at FROM outbox ORDER BY seq"))).all()
            return rows if rows and all(r.published_at for r in rows) else None

        rows = await eventually(all_published)
        assert [r.event_type for r in rows] == [
            "change.request.created.v1", "change.request.submitted.v1", "change.request.assessed.v1",
            "change.approval.vote_cast.v1", "change.request.approved.v1", "change.request.scheduled.v1"]


async def test_bad_input_is_a_problem_naming_the_field(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        cases = [
            ({"title": "Window backwards", "type": "normal", "planned_start": "2026-12-02T00:00:00Z",
              "planned_end": "2026-12-01T00:00:00Z"}, "planned_end"),
            ({"title": "Negative effort", "type": "normal", "effort_hours": -2, "assignee_id": str(uuid.uuid4()),
              **WINDOW}, "effort_hours"),
            ({"title": "Unknown person", "type": "normal", "effort_hours": 2, "assignee_id": str(uuid.uuid4()),
              **WINDOW}, "assignee_id"),
            ({"title": "Odd type", "type": "whenever", **WINDOW}, "type"),
            ({"title": "Naive time", "type": "normal", "planned_start": "2026-12-01T10:00:00",
              "planned_end": "2026-12-01T12:00:00"}, "planned_start"),
        ]
        for body, field in cases:
            response = await client.post("/change/v1/changes", headers=REQUESTER, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
        missing = await client.get(f"/change/v1/changes/{uuid.uuid4()}", headers=REQUESTER)
        assert missing.status_code == 404 and missing.json()["status"] == 404
        assert (await client.post("/change/v1/changes", json={"title": "x"})).status_code == 401
        assert (await client.post("/change/v1/changes", headers=auth("vera", "viewer"),
                                  json={"title": "Viewer write", "type": "normal", **WINDOW})).status_code == 403
        assert (await client.get("/change/v1/changes?cursor=garbage", headers=REQUESTER)).status_code == 422
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM changes"))).scalar() == 0


async def test_list_paginates_with_a_stable_cursor_and_filters(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        ids = []
        for i in range(5):
            r = await client.post("/change/v1/changes", headers=REQUESTER, json={
                "title": f"Change number {i}", "type": "emergency" if i % 2 else "normal", **WINDOW})
            ids.append(r.json()["id"])
        seen = await walk_pages(client, "/change/v1/changes", REQUESTER)
        assert seen == list(reversed(ids))
        emergency = (await client.get("/change/v1/changes?type=emergency", headers=REQUESTER)).json()["items"]
        assert sorted(c["id"] for c in emergency) == sorted(ids[1::2])


async def test_person_created_event_fills_the_assignee_projection(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap)
    person = uuid.uuid4()
    async with running(app) as client:
        # Publish as capacity would, through an outbox of the test's own (the capacity app is not needed).
        async with app.state.runtime.sessionmaker() as session, session.begin():
            await record_event(session, PersonCreated(id=person, name="Eve", email=None, team="Network",
                                                      skills=[], weekly_hours=40), actor="capacity")

        async def accepted():
            r = await client.post("/change/v1/changes", headers=REQUESTER, json={
                "title": "Firewall rule", "type": "normal", "assignee_id": str(person), "effort_hours": 1, **WINDOW})
            return r.status_code == 201
        assert await eventually(accepted)
