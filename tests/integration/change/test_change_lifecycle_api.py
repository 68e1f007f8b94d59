"""The change lifecycle through the API: every state from new to closed, the record, models, risk, reschedule."""

from __future__ import annotations

import json
from types import SimpleNamespace

import sqlalchemy as sa

from tests.integration.change.flows import (
    ADMIN,
    MANAGER,
    REQUESTER,
    act,
    cis,
    known_person,
    raise_change,
    set_members,
    window,
)
from tests.support import auth, create_app, running


async def _outbox(app) -> list:
    """The outbox rows in order, payloads parsed (SQLite hands raw JSON text back to a text query)."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT event_type, payload FROM outbox ORDER BY seq"))).all()
    return [SimpleNamespace(event_type=r.event_type, payload=json.loads(r.payload) if isinstance(r.payload, str)
                            else r.payload) for r in rows]


async def _app(databases, backend):
    return create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)


async def test_normal_change_from_new_to_closed_audited_and_published(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        person = await known_person(app, team="Platform")
        await set_members(client, "Change managers", ["bob"])
        web = await cis(client, "web-01")
        change = await raise_change(client, assignee_id=str(person), effort_hours=4, justification="CVE",
                                    implementation_plan="rolling", backout_plan="restore", test_plan="smoke",
                                    affected_cis=web)
        cid = change["id"]
        assert change["allowed_actions"] == ["cancel", "reschedule", "submit"]
        assert (change["backout_plan"], change["risk"], change["outage_required"]) == ("restore", None, False)

        assert (await act(client, cid, "submit", REQUESTER))["state"] == "assess"
        assessed = await act(client, cid, "assess", MANAGER, {"comment": "routine"})
        assert assessed["state"] == "authorize" and assessed["risk"] == "low"
        assert "no risk condition matched" in assessed["risk_explanation"]
        assert assessed["allowed_actions"] == ["approve", "cancel", "reject", "reschedule", "vote"]
        scheduled = await act(client, cid, "approve", MANAGER, {"comment": "ok"})
        assert scheduled["state"] == "scheduled" and scheduled["approved_by"] == "bob"

        started = await act(client, cid, "start", REQUESTER)
        assert started["state"] == "implement" and started["actual_start"]
        done = await act(client, cid, "complete", auth("bob", "change_manager"), {"outcome": "successful"})
        assert done["state"] == "review" and done["outcome"] == "successful" and done["actual_end"]
        closed = await act(client, cid, "close", REQUESTER)
        assert closed["state"] == "closed" and closed["closed_at"] and closed["allowed_actions"] == []

        history = (await client.get(f"/change/v1/changes/{cid}/history", headers=MANAGER)).json()["items"]
        assert [(h["actor"], h["action"], h["from_state"], h["to_state"]) for h in history] == [
            ("alice", "create", None, "new"), ("alice", "submit", "new", "assess"),
            ("bob", "assess_impact", None, None), ("bob", "assess", "assess", "authorize"),
            ("bob", "vote_approve", "authorize", "authorize"), ("bob", "authorize", "authorize", "scheduled"),
            ("alice", "start", "scheduled", "implement"), ("bob", "complete", "implement", "review"),
            ("alice", "close", "review", "closed")]
        assert history[4]["detail"]["comment"] == "ok" and history[3]["detail"]["comment"] == "routine"
        assert history[2]["detail"]["impacted"] == 1  # the assessment computed the impact risk needs

        events = await _outbox(app)
        assert [e.event_type for e in events] == [
            "change.ci.created.v1", "change.request.created.v1", "change.request.submitted.v1",
            "change.request.impact_assessed.v1", "change.request.assessed.v1",
            "change.approval.vote_cast.v1", "change.request.approved.v1", "change.request.scheduled.v1",
            "change.request.started.v1", "change.request.implemented.v1", "change.team.success_score_changed.v1",
            "change.request.closed.v1"]
        implemented = events[9].payload["data"]
        assert (implemented["outcome"], implemented["team"], implemented["affected_cis"]) == (
            "successful", "Platform", web)
        assert implemented["title"] == done["title"]
        assert events[7].payload["data"]["risk"] == "low" and events[7].payload["data"]["lead_time_hours"] >= 0
        score = (await client.get("/change/v1/teams/Platform/success-score", headers=REQUESTER)).json()
        assert (score["score"], score["successful"]) == (3, 1)


async def test_refused_transitions_name_the_allowed_actions(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        cid = (await raise_change(client))["id"]
        for action in ("assess", "approve", "start", "complete", "close"):
            body = {"outcome": "successful"} if action == "complete" else None
            refused = await act(client, cid, action, MANAGER, body, status=409)
            assert refused["allowed_transitions"] == ["cancel", "reschedule", "submit"], action
        await act(client, cid, "submit", REQUESTER)
        assert (await act(client, cid, "assess", REQUESTER, status=403))["required_roles"] == ["change_manager"]
        await act(client, cid, "cancel", REQUESTER, {"comment": "not needed"})
        again = await act(client, cid, "submit", REQUESTER, status=409)
        assert again["allowed_transitions"] == [] and again["state"] == "canceled"
        moved = await client.post(f"/change/v1/changes/{cid}/reschedule", headers=REQUESTER, json=window(40))
        assert moved.status_code == 409


async def test_patch_edits_by_state_with_if_match_and_type_only_in_new(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        change = await raise_change(client)
        path = f"/change/v1/changes/{change['id']}"
        stale = await client.patch(path, headers={**REQUESTER, "If-Match": 'W/"99"'}, json={"title": "Other title"})
        assert stale.status_code == 412
        edited = await client.patch(path, headers={**REQUESTER, "If-Match": 'W/"1"'}, json={
            "type": "emergency", "outage_required": True, "test_plan": "curl /healthz"})
        assert edited.status_code == 200, edited.text
        assert (edited.json()["type"], edited.json()["outage_required"], edited.json()["version"]) == (
            "emergency", True, 2)
        assert edited.headers["ETag"] == 'W/"2"'
        assert (await client.patch(path, headers=auth("eve", "requester"), json={"title": "Hijack"})).status_code == 403
        back = await client.patch(path, headers=REQUESTER, json={"type": "normal"})
        assert back.status_code == 200
        await act(client, change["id"], "submit", REQUESTER)
        retype = await client.patch(path, headers=REQUESTER, json={"type": "standard"})
        assert retype.status_code == 409 and "only in state new" in retype.json()["detail"]
        plans = await client.patch(path, headers=REQUESTER, json={"backout_plan": "snapshot restore"})
        assert plans.status_code == 200 and plans.json()["backout_plan"] == "snapshot restore"
        await set_members(client, "Change advisory board", ["carol"])
        assert (await act(client, change["id"], "assess", MANAGER))["risk"] == "moderate"  # the outage
        late = await client.patch(path, headers=REQUESTER, json={"backout_plan": "none", "description": "x"})
        assert late.status_code == 409 and late.json()["editable_fields"] == ["description", "project_id"]
        ok = await client.patch(path, headers=REQUESTER, json={"description": "More context"})
        assert ok.status_code == 200 and ok.json()["description"] == "More context"
        nulls = await client.patch(path, headers=REQUESTER, json={"title": None})
        assert nulls.status_code == 422


async def test_standard_changes_come_from_active_models_and_are_pre_authorised(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        person = await known_person(app, team="Network")
        missing = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Certificate", "type": "standard", **window()})
        assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "model_id"
        assert (await client.post("/change/v1/change-models", headers=REQUESTER,
                                  json={"name": "Nope"})).status_code == 403
        created = await client.post("/change/v1/change-models", headers=MANAGER, json={
            "name": "Rotate a TLS certificate", "implementation_plan": "upload, bind", "backout_plan": "re-bind",
            "default_effort_hours": 1.5})
        assert created.status_code == 201 and created.json()["risk"] == "low"
        model = created.json()
        normal = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Certificate", "type": "normal", "model_id": model["id"], **window()})
        assert normal.status_code == 422 and normal.json()["errors"][0]["field"] == "model_id"
        change = await raise_change(client, type="standard", model_id=model["id"], assignee_id=str(person))
        assert (change["implementation_plan"], change["effort_hours"]) == ("upload, bind", 1.5)
        scheduled = await act(client, change["id"], "submit", REQUESTER)
        assert scheduled["state"] == "scheduled" and scheduled["risk"] == "low"
        assert "pre-authorised" in scheduled["risk_explanation"]
        events = [e.event_type for e in await _outbox(app)]
        assert events[-3:] == ["change.request.submitted.v1", "change.request.approved.v1",
                               "change.request.scheduled.v1"]
        approvals = (await client.get(f"/change/v1/changes/{change['id']}/approvals", headers=REQUESTER)).json()
        assert approvals["state"] == "pre_authorised" and approvals["steps"] == []

        retired = await client.patch(f"/change/v1/change-models/{model['id']}", headers=MANAGER, json={"active": False})
        assert retired.status_code == 200 and retired.json()["version"] == 2
        later = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Certificate", "type": "standard", "model_id": model["id"], **window()})
        assert later.status_code == 422 and "inactive" in later.json()["detail"]
        listed = (await client.get("/change/v1/change-models?active=false", headers=REQUESTER)).json()["items"]
        assert [m["id"] for m in listed] == [model["id"]]


async def test_reschedule_publishes_whether_capacity_is_booked(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        person, other = await known_person(app), await known_person(app)
        model = (await client.post("/change/v1/change-models", headers=MANAGER, json={"name": "Reboot"})).json()
        draft = await raise_change(client, assignee_id=str(person), effort_hours=2)
        later = window(45)  # computed once: two calls a second apart would differ
        moved = await act(client, draft["id"], "reschedule", REQUESTER, {**later, "reason": "freeze"})
        assert moved["planned_start"] == later["planned_start"].replace("+00:00", "Z")
        standard = await raise_change(client, type="standard", model_id=model["id"], assignee_id=str(person),
                                      effort_hours=3)
        await act(client, standard["id"], "submit", REQUESTER)
        await act(client, standard["id"], "reschedule", MANAGER,
                  {**window(50), "assignee_id": str(other), "effort_hours": 5})
        rescheduled = [e.payload["data"] for e in await _outbox(app)
                       if e.event_type == "change.request.rescheduled.v1"]
        assert [(r["state"], r["books_capacity"], r["reason"]) for r in rescheduled] == [
            ("new", False, "freeze"), ("scheduled", True, None)]
        assert (rescheduled[1]["previous_assignee_id"], rescheduled[1]["assignee_id"],
                rescheduled[1]["effort_hours"]) == (str(person), str(other), 5)
        unknown = await client.post(f"/change/v1/changes/{draft['id']}/reschedule", headers=REQUESTER,
                                    json={**window(), "assignee_id": "00000000-0000-0000-0000-000000000001"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "assignee_id"
        backwards = await client.post(f"/change/v1/changes/{draft['id']}/reschedule", headers=REQUESTER, json={
            "planned_start": window(10)["planned_start"], "planned_end": window(9)["planned_start"]})
        assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "planned_end"
        await act(client, standard["id"], "start", MANAGER)
        late = await act(client, standard["id"], "reschedule", MANAGER, window(60), status=409)
        assert late["allowed_transitions"] == ["cancel", "complete"]


async def test_review_notes_required_for_failures_and_emergencies_and_scores_move(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        person = await known_person(app, team="Network")
        await set_members(client, "Emergency CAB", ["erin"])
        cab = auth("erin", "cab_member")
        emergency = await raise_change(client, type="emergency", assignee_id=str(person), **window(0.1))
        assert (await act(client, emergency["id"], "submit", REQUESTER))["state"] == "authorize"
        await act(client, emergency["id"], "approve", cab)
        await act(client, emergency["id"], "start", MANAGER)
        bad_end = await act(client, emergency["id"], "complete", MANAGER, {
            "outcome": "failed", "actual_end": "2000-01-01T00:00:00Z"}, status=422)
        assert bad_end["errors"][0]["field"] == "actual_end"
        await act(client, emergency["id"], "complete", MANAGER, {
            "outcome": "backed_out", "incidents_caused": [{"priority": 1}, {"priority": 3}]})
        refused = await act(client, emergency["id"], "close", MANAGER, status=422)
        assert refused["errors"][0]["field"] == "review_notes"
        patched = await client.patch(f"/change/v1/changes/{emergency['id']}", headers=MANAGER,
                                     json={"review_notes": "Backout worked; vendor bug"})
        assert patched.status_code == 200
        assert (await act(client, emergency["id"], "close", MANAGER))["review_notes"] == "Backout worked; vendor bug"
        score = (await client.get("/change/v1/teams/Network/success-score", headers=REQUESTER)).json()
        assert (score["score"], score["failed"], score["incidents_caused"]) == (-5 - 10 - 2, 1, 2)

        unassigned = await raise_change(client, type="standard", model_id=(await client.post(
            "/change/v1/change-models", headers=ADMIN, json={"name": "Restart"})).json()["id"])
        for action, body in (("submit", None), ("start", None), ("complete", {"outcome": "successful_with_issues"})):
            await act(client, unassigned["id"], action, REQUESTER, body)
        assert (await act(client, unassigned["id"], "close", REQUESTER))["state"] == "closed"
        scores = (await client.get("/change/v1/success-scores", headers=REQUESTER)).json()
        assert [(s["team"], s["score"]) for s in scores] == [("Network", -17), ("unassigned", -2)]
        assert (await client.get("/change/v1/teams/Nobody/success-score", headers=REQUESTER)).status_code == 404


async def test_risk_conditions_and_questionnaire_decide_the_risk(databases, backend):
    app = await _app(databases, backend)
    async with running(app) as client:
        await set_members(client, "Change advisory board", ["carol", "dave"])
        await set_members(client, "Change managers", ["bob"])
        questionnaire = (await client.get("/change/v1/risk-questionnaire", headers=REQUESTER)).json()
        assert [q["key"] for q in questionnaire["questions"]] == ["backout", "experience", "users", "complexity"]
        conditions = (await client.get("/change/v1/risk-conditions", headers=REQUESTER)).json()["items"]
        assert [c["kind"] for c in conditions] == [
            "critical_service_impacted", "lead_time_below", "outage_required", "team_score_below"]

        soon = await raise_change(client, **window(1))
        await act(client, soon["id"], "submit", REQUESTER)
        assessed = await act(client, soon["id"], "assess", MANAGER)
        assert assessed["risk"] == "high" and "Insufficient lead time" in assessed["risk_explanation"]

        outage = await raise_change(client, outage_required=True)
        await act(client, outage["id"], "submit", REQUESTER)
        answers = {"backout": "no", "experience": "never", "users": "all", "complexity": "simple"}
        wrong = await act(client, outage["id"], "assess", MANAGER, {"answers": {"backout": "no"}}, status=422)
        assert wrong["errors"][0]["field"] == "answers" and "unanswered" in wrong["detail"]
        preview = await act(client, outage["id"], "risk", REQUESTER, {})
        assert preview["risk"] == "moderate" and "Outage required" in preview["risk_explanation"]
        assessed = await act(client, outage["id"], "assess", MANAGER, {"answers": answers})
        assert assessed["risk"] == "high" and assessed["risk_answers"] == answers
        assert "questionnaire decided" in assessed["risk_explanation"]

        added = await client.post("/change/v1/risk-conditions", headers=MANAGER, json={
            "name": "Many CIs", "kind": "affected_cis_at_least", "params": {"count": 2}, "risk": "moderate",
            "position": 0})
        assert added.status_code == 201, added.text
        bad = await client.post("/change/v1/risk-conditions", headers=MANAGER, json={
            "name": "Broken", "kind": "lead_time_below", "params": {}, "risk": "high"})
        assert bad.status_code == 422
        wide = await raise_change(client, affected_cis=await cis(client, "a", "b"))
        assert (await act(client, wide["id"], "risk", REQUESTER))["risk"] == "moderate"
        gone = await client.delete(f"/change/v1/risk-conditions/{added.json()['id']}", headers=MANAGER)
        assert gone.status_code == 204
        assert (await act(client, wide["id"], "risk", REQUESTER))["risk"] == "low"

        replaced = await client.put("/change/v1/risk-questionnaire", headers={**MANAGER, "If-Match": 'W/"1"'}, json={
            "questions": [{"key": "blast", "text": "Blast radius?", "answers": [
                {"key": "small", "text": "Small", "weight": 0}, {"key": "big", "text": "Big", "weight": 10}]}],
            "moderate_from": 5, "high_from": 10})
        assert replaced.status_code == 200 and replaced.json()["version"] == 2
        assert (await act(client, wide["id"], "risk", REQUESTER, {"answers": {"blast": "big"}}))["risk"] == "high"
