"""Authorization is decided before state: an actor who may never take an action gets 403 in every state, not a 409
that tells it the state (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

from tests.integration.change.flows import MANAGER, REQUESTER, act, known_person, raise_change, set_members
from tests.support import auth, create_app, running

VIEWER = auth("vera", "viewer")
STRANGER = auth("sid", "requester")  # a writing role, but not the requester, the assignee nor an approver
CHANGE_ACTIONS = ("submit", "assess", "approve", "reject", "cancel", "start", "complete", "close", "reschedule",
                  "risk")
STALE = {"If-Match": 'W/"999"'}


def _forbidden(response, context) -> None:
    assert response.status_code == 403, (context, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_viewer_is_refused_every_change_action_in_every_state(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        person = await known_person(app)
        await set_members(client, "Change managers", ["bob", "carol"])
        new = await raise_change(client, assignee_id=str(person), effort_hours=2)
        scheduled = await raise_change(client, assignee_id=str(person), effort_hours=2)
        await act(client, scheduled["id"], "submit", REQUESTER)
        await act(client, scheduled["id"], "assess", MANAGER)
        await act(client, scheduled["id"], "approve", auth("carol", "cab_member"))
        bodies = {"complete": {"outcome": "successful"}, "reschedule": {
            "planned_start": new["planned_start"], "planned_end": new["planned_end"]}}
        for change in (new, scheduled):
            path = f"/change/v1/changes/{change['id']}"
            for action in CHANGE_ACTIONS:
                for headers in (VIEWER, {**VIEWER, **STALE}):
                    response = await client.post(f"{path}/{action}", headers=headers, json=bodies.get(action))
                    _forbidden(response, (change["state"], action))
            _forbidden(await client.post(f"{path}/votes", headers=VIEWER, json={"decision": "approve"}), "votes")
            _forbidden(await client.patch(path, headers={**VIEWER, **STALE}, json={"title": "Viewer edit"}), "patch")
            # Not an approver anywhere: refused before the state (new has no step to vote on yet).
            _forbidden(await client.post(f"{path}/approve", headers=STRANGER), ("stranger", change["state"]))
            _forbidden(await client.post(f"{path}/reject", headers=STRANGER), ("stranger reject", change["state"]))
        # An approver learns the state: the same request is a 409 naming what is allowed.
        refused = await client.post(f"/change/v1/changes/{new['id']}/approve", headers=auth("carol", "cab_member"))
        assert refused.status_code == 409 and refused.json()["allowed_transitions"], refused.text
        assert (await client.get(f"/change/v1/changes/{new['id']}", headers=VIEWER)).json()["state"] == "new"


async def test_a_gate_vote_by_someone_off_the_board_is_403_even_on_a_decided_review(databases, backend):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend), bootstrap=None,
                     workers=False)
    pmo, pm = auth("omar", "pmo"), auth("pia", "project_manager")
    async with running(app) as client:
        current = (await client.get("/portfolio/v1/portfolios/default/gates/screening", headers=pmo)).json()
        board = await client.put("/portfolio/v1/portfolios/default/gates/screening", headers=pmo, json={
            "criteria": [], "board": {"members": ["ann"], "quorum": {"kind": "number", "value": 1}}})
        assert board.status_code == 200 and current, board.text
        pid = (await client.post("/portfolio/v1/projects", headers=pm,
                                 json={"name": "Doomed pilot", "sponsor": "sam"})).json()["id"]
        review = (await client.post(f"/portfolio/v1/projects/{pid}/gates/screening/reviews", headers=pm)).json()
        votes = f"/portfolio/v1/projects/{pid}/gates/screening/reviews/{review['id']}/votes"
        _forbidden(await client.post(votes, headers=VIEWER, json={"vote": "go"}), "open review")
        killed = await client.post(votes, headers=auth("ann", "viewer"), json={"vote": "kill", "comment": "No fit"})
        assert killed.json()["state"] == "killed", killed.text
        _forbidden(await client.post(votes, headers=VIEWER, json={"vote": "go"}), "killed review")
        _forbidden(await client.post(votes, headers=auth("sam", "requester"), json={"vote": "go"}), "sponsor")
        again = await client.post(votes, headers=auth("ann", "viewer"), json={"vote": "go"})
        assert again.status_code == 409, again.text  # a board member learns the review is decided


async def test_a_review_vote_by_a_non_reviewer_is_403_whatever_the_articles_state(databases, backend):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        created = await client.post("/knowledge/v1/articles", headers=auth("lena", "knowledge_editor"),
                                    json={"title": "Restart the gateway", "kind": "runbook", "body": "Steps"})
        assert created.status_code == 201, created.text
        votes = f"/knowledge/v1/articles/{created.json()['id']}/votes"
        for headers in (VIEWER, STRANGER):
            _forbidden(await client.post(votes, headers=headers, json={"decision": "approve"}), "draft")
        draft = await client.post(votes, headers=auth("kate", "knowledge_editor"), json={"decision": "approve"})
        assert draft.status_code == 409, draft.text  # an editor may review: it learns the article is a draft
        missing = await client.post(f"/knowledge/v1/articles/{uuid.uuid4()}/votes", headers=VIEWER,
                                    json={"decision": "approve"})
        assert missing.status_code in (403, 404), missing.text
        # An author who is no reviewer, voting on their own article under review, hears the reason that says more.
        sam = auth("sam", "requester")
        own = (await client.post("/knowledge/v1/articles", headers=sam,
                                 json={"title": "Rotate the keys", "kind": "runbook", "body": "Steps"})).json()
        submitted = await client.post(f"/knowledge/v1/articles/{own['id']}/submit", headers=sam, json={})
        assert submitted.status_code == 201, submitted.text
        voted = await client.post(f"/knowledge/v1/articles/{own['id']}/votes", headers=sam,
                                  json={"decision": "approve"})
        assert voted.status_code == 403 and voted.json()["reason"] == "own_article", voted.text


async def test_who_may_act_is_decided_before_the_version(databases, backend):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend), bootstrap=None,
                     workers=False)
    pm = auth("pia", "project_manager")
    async with running(app) as client:
        project = (await client.post("/portfolio/v1/projects", headers=pm, json={"name": "Portal relaunch"})).json()
        path = f"/portfolio/v1/projects/{project['id']}"
        milestone = (await client.post(f"{path}/milestones", headers=pm, json={
            "name": "Design signed off", "forecast_date": "2027-03-01"})).json()
        for target, body in ((path, {"name": "Renamed"}),
                             (f"{path}/milestones/{milestone['id']}", {"forecast_date": "2027-03-08"})):
            # Someone who may not edit it learns neither the version nor anything else: 403.
            _forbidden(await client.patch(target, headers={**VIEWER, **STALE}, json=body), target)
            # Its owner with a stale ETag: 412, and nothing is written.
            stale = await client.patch(target, headers={**pm, **STALE}, json=body)
            assert stale.status_code == 412 and stale.json()["current_etag"] == 'W/"1"', stale.text
            # A request that fails anyway answers that failure, not the precondition (RFC 9110, 13.2.1).
            bad = await client.patch(target, headers={**pm, **STALE}, json={"name": ""})
            assert bad.status_code == 422, bad.text
        assert (await client.get(path, headers=VIEWER)).json()["name"] == "Portal relaunch"
        got = await client.get(f"{path}/milestones/{milestone['id']}", headers=VIEWER)
        assert got.json()["forecast_date"] == "2027-03-01", got.text
