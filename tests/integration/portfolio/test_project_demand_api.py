"""Project demand, deferral and termination in the portfolio API: stored, audited, published; 409s name the allowed."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from tandem_shared.tables import outbox

from tests.support import auth, create_app, running

PM = auth("paula", "project_manager")
PMO = auth("omar", "pmo")
VIEWER = auth("vera", "viewer")
LINE = {"role": "DBA", "skill": "PostgreSQL", "min_proficiency": 3, "hours_per_week": 16, "start": "2027-01-04",
        "end": "2027-03-26"}


async def _events(app) -> list[tuple[str, dict]]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.event_type, outbox.c.payload).order_by(outbox.c.seq))
        return [(r.event_type, r.payload) for r in rows if r.event_type != "portfolio.project.created.v1"]


async def test_plan_read_replan_and_publish(databases, backend, broker):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                     bootstrap=broker.bootstrap, workers=False)
    async with running(app) as client:
        project = (await client.post("/portfolio/v1/projects", headers=PM, json={"name": "Portal relaunch"})).json()
        url = f"/portfolio/v1/projects/{project['id']}/demand"
        empty = await client.get(url, headers=VIEWER)
        assert empty.status_code == 200 and empty.json()["lines"] == [] and empty.headers["ETag"] == 'W/"1"'
        person = str(uuid.uuid4())
        named = {"role": "Lead", "person_id": person, "hours_per_week": 32, "start": "2027-01-04",
                 "end": "2027-06-30", "kind": "hard"}
        stale = await client.put(url, headers={**PM, "If-Match": 'W/"5"'}, json={"lines": [LINE]})
        assert stale.status_code == 412
        planned = await client.put(url, headers={**PM, "If-Match": 'W/"1"'}, json={"lines": [LINE, named]})
        assert planned.status_code == 200, planned.text
        body = planned.json()
        assert planned.headers["ETag"] == 'W/"2"' and body["version"] == 2
        assert [(line["role"], line["kind"], line["min_proficiency"], line["person_id"]) for line in body["lines"]] == [
            ("DBA", "soft", 3, None), ("Lead", "hard", 1, person)]
        assert (await client.get(url, headers=VIEWER)).json() == body

        # Re-plan keeping the DBA line by id, dropping the lead, adding a tester.
        dba = body["lines"][0]
        replanned = await client.put(url, headers=PMO, json={"lines": [
            {"role": "Tester", "hours_per_week": 8, "start": "2027-02-01", "end": "2027-02-26"},
            {**dba, "hours_per_week": 20}]})
        assert replanned.status_code == 200, replanned.text
        lines = replanned.json()["lines"]
        assert [line["role"] for line in lines] == ["Tester", "DBA"] and lines[1]["id"] == dba["id"]
        assert lines[1]["hours_per_week"] == 20.0

        events = await _events(app)
        assert [t for t, _ in events] == ["portfolio.project.demand_planned.v1"] * 2
        first, second = (payload for _, payload in events)
        assert (first["subject"], first["actor"]) == (project["id"], "paula")
        assert first["data"]["project_id"] == project["id"] and first["data"]["project_name"] == "Portal relaunch"
        assert first["data"]["demands"][1] == {**named, "id": body["lines"][1]["id"], "skill": None,
                                               "min_proficiency": 1}
        assert [d["role"] for d in second["data"]["demands"]] == ["Tester", "DBA"]
        assert second["data"]["planned_by"] == "omar"
        history = (await client.get(f"/portfolio/v1/projects/{project['id']}/history", headers=VIEWER)).json()["items"]
        assert [(h["actor"], h["action"]) for h in history] == [
            ("paula", "create"), ("paula", "plan_demand"), ("omar", "plan_demand")]


async def test_bad_demand_is_a_problem_naming_the_field(databases, backend, broker):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                     bootstrap=broker.bootstrap, workers=False)
    async with running(app) as client:
        first = (await client.post("/portfolio/v1/projects", headers=PM, json={"name": "First one"})).json()
        other = (await client.post("/portfolio/v1/projects", headers=PM, json={"name": "Other one"})).json()
        theirs = (await client.put(f"/portfolio/v1/projects/{other['id']}/demand", headers=PM,
                                   json={"lines": [LINE]})).json()["lines"][0]["id"]
        url = f"/portfolio/v1/projects/{first['id']}/demand"
        line_id = str(uuid.uuid4())
        cases = [
            ({"lines": [{**LINE, "end": "2027-01-01"}]}, "lines.0"),
            ({"lines": [{**LINE, "end": "2030-01-01"}]}, "lines.0"),
            ({"lines": [{**LINE, "hours_per_week": 0}]}, "lines.0.hours_per_week"),
            ({"lines": [{**LINE, "min_proficiency": 6}]}, "lines.0.min_proficiency"),
            ({"lines": [{**LINE, "kind": "firm"}]}, "lines.0.kind"),
            ({"lines": [{**LINE, "role": " "}]}, "lines.0.role"),
            ({"lines": [{**LINE, "id": line_id}, {**LINE, "id": line_id}]}, "lines"),
            ({"lines": [LINE, {**LINE, "id": theirs}]}, "lines.1.id"),
            ({"lines": [{**LINE, "salary": 1}]}, "lines.0.salary"),
            ({}, "lines"),
        ]
        for body, field in cases:
            response = await client.put(url, headers=PM, json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
        assert (await client.put(url, headers=VIEWER, json={"lines": []})).status_code == 403
        assert (await client.put(f"/portfolio/v1/projects/{uuid.uuid4()}/demand", headers=PM,
                                 json={"lines": []})).status_code == 404
        assert (await client.get(url, headers=VIEWER)).json()["lines"] == []


async def test_defer_and_terminate_with_decision_records(databases, backend, broker):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                     bootstrap=broker.bootstrap, workers=False)
    async with running(app) as client:
        project = (await client.post("/portfolio/v1/projects", headers=PM, json={"name": "Portal relaunch"})).json()
        base = f"/portfolio/v1/projects/{project['id']}"
        assert (await client.post(f"{base}/defer", headers=PM, json={"reason": " "})).status_code == 422
        assert (await client.post(f"{base}/defer", headers=VIEWER, json={"reason": "x"})).status_code == 403
        deferred = await client.post(f"{base}/defer", headers={**PMO, "If-Match": 'W/"1"'},
                                     json={"reason": "budget moved to 2028"})
        assert deferred.status_code == 201, deferred.text
        decision = deferred.json()
        assert (decision["action"], decision["from_stage"], decision["to_stage"], decision["reason"],
                decision["decided_by"]) == ("defer", "idea", "on_hold", "budget moved to 2028", "omar")
        assert deferred.headers["ETag"] == 'W/"2"'
        held = (await client.get(base, headers=VIEWER)).json()
        assert (held["stage"], held["held_from_stage"]) == ("on_hold", "idea")

        again = await client.post(f"{base}/defer", headers=PMO, json={"reason": "again"})
        assert again.status_code == 409 and again.json()["allowed_transitions"] == ["resume", "terminate"]
        planning = await client.put(f"{base}/demand", headers=PM, json={"lines": [LINE]})
        assert planning.status_code == 409 and planning.json()["allowed_transitions"] == ["resume", "terminate"]

        terminated = await client.post(f"{base}/terminate", headers=PM, json={"reason": "superseded"})
        assert terminated.status_code == 201 and terminated.json()["from_stage"] == "on_hold"
        final = await client.post(f"{base}/terminate", headers=PM, json={"reason": "twice"})
        assert final.status_code == 409 and final.json()["allowed_transitions"] == []

        decisions = (await client.get(f"{base}/decisions", headers=VIEWER)).json()
        assert [(d["action"], d["decided_by"], d["reason"]) for d in decisions] == [
            ("defer", "omar", "budget moved to 2028"), ("terminate", "paula", "superseded")]
        history = (await client.get(f"{base}/history", headers=VIEWER)).json()["items"]
        assert [(h["actor"], h["action"], h["from_state"], h["to_state"]) for h in history][1:] == [
            ("omar", "defer", "idea", "on_hold"), ("paula", "terminate", "on_hold", "terminated")]
        events = await _events(app)
        assert [t for t, _ in events] == [
            "portfolio.project.stage_changed.v1", "portfolio.project.deferred.v1",
            "portfolio.project.stage_changed.v1", "portfolio.project.terminated.v1"]
        assert [p["data"] for t, p in events if t != "portfolio.project.stage_changed.v1"] == [
            {"id": project["id"], "reason": "budget moved to 2028", "deferred_by": "omar"},
            {"id": project["id"], "reason": "superseded", "terminated_by": "paula"}]
        changed = [p["data"] for t, p in events if t == "portfolio.project.stage_changed.v1"]
        assert [(c["from_stage"], c["to_stage"], c["by"], c["gate"]) for c in changed] == [
            ("idea", "on_hold", "omar", None), ("on_hold", "terminated", "paula", None)]
