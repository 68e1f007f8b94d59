"""Approvals through the API: policies with ordered steps, quorums, separation of duties, emergency CAB,
rejection, the CAB agenda, and votes published through the broker."""

from __future__ import annotations

import json

from tests.integration.change.flows import (
    ADMIN,
    MANAGER,
    REQUESTER,
    act,
    known_person,
    raise_change,
    set_members,
    window,
)
from tests.support import auth, create_app, eventually, read_topic, running, topic

CAROL, DAVE, BOB = auth("carol", "cab_member"), auth("dave", "cab_member"), auth("bob", "change_manager")


async def test_two_step_policy_with_separation_of_duties(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        person = await known_person(app, email="Ivy@Example.org")
        # The requester (alice) and the assignee (ivy@example.org) sit on the CAB, yet never count nor vote.
        await set_members(client, "Change advisory board", ["alice", "carol", "dave", "ivy@example.org"])
        await set_members(client, "Change managers", ["bob"])
        change = await raise_change(client, assignee_id=str(person), effort_hours=2, **window(1))  # short lead: high
        cid = change["id"]
        await act(client, cid, "submit", REQUESTER)
        assessed = await act(client, cid, "assess", MANAGER)
        assert assessed["risk"] == "high"

        approvals = (await client.get(f"/change/v1/changes/{cid}/approvals", headers=REQUESTER)).json()
        assert approvals["state"] == "waiting" and approvals["round"] == 1
        assert [(s["approver_group"], s["quorum_kind"], s["quorum_value"], s["state"], s["voters"])
                for s in approvals["steps"]] == [
            ("Change advisory board", "percentage", 50, "waiting", ["carol", "dave"]),
            ("Change managers", "number", 1, "pending", ["bob"])]

        own = await client.post(f"/change/v1/changes/{cid}/votes", headers=auth("alice", "cab_member"),
                                json={"decision": "approve"})
        assert own.status_code == 403 and "requester" in own.json()["detail"]
        assignee = await client.post(f"/change/v1/changes/{cid}/votes", headers=auth("ivy@example.org", "cab_member"),
                                     json={"decision": "approve"})
        assert assignee.status_code == 403 and "assignee" in assignee.json()["detail"]
        by_id = await client.post(f"/change/v1/changes/{cid}/approve", headers=auth(str(person), "cab_member"))
        assert by_id.status_code == 403
        outsider = await client.post(f"/change/v1/changes/{cid}/votes", headers=BOB, json={"decision": "approve"})
        assert outsider.status_code == 403 and outsider.json()["eligible_voters"] == ["carol", "dave"]

        first = await client.post(f"/change/v1/changes/{cid}/votes", headers=CAROL,
                                  json={"decision": "approve", "comment": "backout tested"})
        assert first.status_code == 201, first.text
        view = first.json()
        assert view["change_state"] == "authorize"
        assert [s["state"] for s in view["steps"]] == ["accepted", "waiting"]
        assert view["current_step"]["approver_group"] == "Change managers"
        assert view["steps"][0]["votes"][0]["comment"] == "backout tested"
        late = await client.post(f"/change/v1/changes/{cid}/votes", headers=DAVE, json={"decision": "approve"})
        assert late.status_code == 403  # the CAB step is decided; dave is not on the open step
        twice = await client.post(f"/change/v1/changes/{cid}/votes", headers=CAROL, json={"decision": "reject"})
        assert twice.status_code == 403

        final = await client.post(f"/change/v1/changes/{cid}/votes", headers=BOB, json={"decision": "approve"})
        assert final.json()["change_state"] == "scheduled" and final.json()["state"] == "accepted"
        again = await client.post(f"/change/v1/changes/{cid}/votes", headers=BOB, json={"decision": "approve"})
        assert again.status_code == 409 and "reschedule" in again.json()["allowed_transitions"]


async def test_one_vote_per_member_per_step(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        await set_members(client, "Change advisory board", ["carol", "dave", "erin", "frank"])
        cid = (await raise_change(client, outage_required=True))["id"]  # moderate: CAB 50 %
        await act(client, cid, "submit", REQUESTER)
        await act(client, cid, "assess", MANAGER)
        first = await client.post(f"/change/v1/changes/{cid}/votes", headers=CAROL, json={"decision": "approve"})
        assert first.json()["steps"][0]["state"] == "waiting"  # 1 of 4 is 25 %
        second = await client.post(f"/change/v1/changes/{cid}/votes", headers=CAROL, json={"decision": "approve"})
        assert second.status_code == 409 and "already voted" in second.json()["detail"]
        await client.post(f"/change/v1/changes/{cid}/votes", headers=DAVE, json={"decision": "reject"})
        await client.post(f"/change/v1/changes/{cid}/votes", headers=auth("erin"), json={"decision": "reject"})
        # 1 approval, 2 rejections, 1 waiting: 50 % is still reachable
        view = (await client.get(f"/change/v1/changes/{cid}/approvals", headers=REQUESTER)).json()
        assert (view["steps"][0]["approvals"], view["steps"][0]["rejections"], view["state"]) == (1, 2, "waiting")
        last = await client.post(f"/change/v1/changes/{cid}/votes", headers=auth("frank"), json={"decision": "approve"})
        assert last.json()["change_state"] == "scheduled"


async def test_refused_step_rejects_to_new_and_cancels_pending_approvals(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        await set_members(client, "Change advisory board", ["carol", "dave"])
        await set_members(client, "Change managers", ["bob"])
        cid = (await raise_change(client, **window(1)))["id"]  # high: CAB 50 % then change managers
        await act(client, cid, "submit", REQUESTER)
        await act(client, cid, "assess", MANAGER)
        await act(client, cid, "reject", CAROL, {"comment": "no backout"})  # a member's reject is a vote
        assert (await client.get(f"/change/v1/changes/{cid}", headers=REQUESTER)).json()["state"] == "authorize"
        refused = await client.post(f"/change/v1/changes/{cid}/votes", headers=DAVE, json={"decision": "reject"})
        view = refused.json()
        assert view["change_state"] == "new" and view["state"] == "refused"
        assert [s["state"] for s in view["steps"]] == ["refused", "canceled"]

        # Resubmitted, the change gets a fresh round; a change manager's reject is outright.
        await act(client, cid, "submit", REQUESTER)
        await act(client, cid, "assess", MANAGER)
        view = (await client.get(f"/change/v1/changes/{cid}/approvals", headers=REQUESTER)).json()
        assert view["round"] == 2 and [s["round"] for s in view["steps"]] == [1, 1, 2, 2]
        rejected = await act(client, cid, "reject", MANAGER, {"comment": "wrong window"})
        assert rejected["state"] == "new"
        view = (await client.get(f"/change/v1/changes/{cid}/approvals", headers=REQUESTER)).json()
        assert [s["state"] for s in view["steps"]][2:] == ["canceled", "canceled"] and view["state"] == "canceled"
        # Someone who may never reject it is refused before the state (issue 16: authorization before state).
        assert (await act(client, cid, "reject", auth("zed", "requester"), status=403))["reason"] == "not_an_approver"

        canceled = await raise_change(client, outage_required=True)
        await act(client, canceled["id"], "submit", REQUESTER)
        await act(client, canceled["id"], "assess", MANAGER)
        await act(client, canceled["id"], "cancel", REQUESTER)
        view = (await client.get(f"/change/v1/changes/{canceled['id']}/approvals", headers=REQUESTER)).json()
        assert [s["state"] for s in view["steps"]] == ["canceled"]


async def test_empty_groups_and_missing_policies_refuse_the_assessment(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        cid = (await raise_change(client))["id"]
        await act(client, cid, "submit", REQUESTER)
        empty = await act(client, cid, "assess", MANAGER, status=409)
        assert "Change managers" in empty["detail"] and "0 eligible" in empty["detail"]
        assert (await client.get(f"/change/v1/changes/{cid}", headers=REQUESTER)).json()["state"] == "assess"

        policies = (await client.get("/change/v1/approval-policies", headers=REQUESTER)).json()["items"]
        assert [(p["change_type"], p["risk"], len(p["steps"])) for p in policies] == [
            ("normal", "low", 1), ("normal", "moderate", 1), ("normal", "high", 2), ("emergency", None, 1)]
        low = policies[0]
        off = await client.patch(f"/change/v1/approval-policies/{low['id']}", headers={**ADMIN, "If-Match": 'W/"1"'},
                                 json={"active": False})
        assert off.status_code == 200 and off.json()["active"] is False
        none = await act(client, cid, "assess", MANAGER, status=409)
        assert "no active approval policy" in none["detail"]

        group = (await client.post("/change/v1/approver-groups", headers=MANAGER,
                                   json={"name": "Platform leads", "members": ["pat", "quinn"]})).json()
        bad = await client.post("/change/v1/approval-policies", headers=MANAGER, json={
            "name": "Too strict", "change_type": "normal", "risk": "low",
            "steps": [{"group_id": group["id"], "quorum_kind": "percentage", "quorum_value": 150}]})
        assert bad.status_code == 422
        made = await client.post("/change/v1/approval-policies", headers=MANAGER, json={
            "name": "Platform low risk", "change_type": "normal", "risk": "low", "position": 1,
            "steps": [{"group_id": group["id"], "quorum_kind": "number", "quorum_value": 2}]})
        assert made.status_code == 201, made.text
        assert (await act(client, cid, "assess", MANAGER))["approval_policy_id"] == made.json()["id"]
        await act(client, cid, "approve", auth("pat"))
        assert (await act(client, cid, "approve", auth("quinn")))["state"] == "scheduled"
        assert (await client.post("/change/v1/approver-groups", headers=REQUESTER,
                                  json={"name": "x y"})).status_code == 403
        added = await client.post(f"/change/v1/approver-groups/{group['id']}/members", headers=MANAGER,
                                  json={"member": "rae"})
        assert added.json()["members"] == ["pat", "quinn", "rae"]
        gone = await client.delete(f"/change/v1/approver-groups/{group['id']}/members/pat", headers=MANAGER)
        assert gone.status_code == 204


async def test_emergency_path_agenda_and_votes_published_through_the_broker(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     run_consumer=False)
    async with running(app) as client:
        await set_members(client, "Emergency CAB", ["erin", "frank"])
        await set_members(client, "Change managers", ["bob"])
        emergency = await raise_change(client, type="emergency", **window(0.2))
        submitted = await act(client, emergency["id"], "submit", REQUESTER)
        assert submitted["state"] == "authorize" and submitted["risk"] in ("low", "moderate", "high")
        normal = await raise_change(client, **window(3))
        await act(client, normal["id"], "submit", REQUESTER)
        await act(client, normal["id"], "assess", MANAGER)

        agenda = await client.get("/change/v1/cab/agenda", headers=REQUESTER,
                                  params={"from": window(0)["planned_start"], "to": window(7)["planned_start"]})
        assert agenda.status_code == 200, agenda.text
        items = agenda.json()["items"]
        assert [i["change_id"] for i in items] == [emergency["id"], normal["id"]]
        assert items[0]["current_step"]["approver_group"] == "Emergency CAB" and items[0]["current_step"]["votes"] == []
        narrow = await client.get("/change/v1/cab/agenda", headers=REQUESTER,
                                  params={"from": window(2)["planned_start"], "to": window(7)["planned_start"]})
        assert [i["change_id"] for i in narrow.json()["items"]] == [normal["id"]]
        bad = await client.get("/change/v1/cab/agenda", headers=REQUESTER,
                               params={"from": window(2)["planned_start"], "to": window(1)["planned_start"]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"

        approved = await client.post(f"/change/v1/changes/{emergency['id']}/votes", headers=auth("erin"),
                                     json={"decision": "approve", "comment": "go"})
        assert approved.json()["change_state"] == "scheduled"

        async def published():
            messages = await read_topic(broker.bootstrap, topic("change"))
            votes = [json.loads(m.value) for m in messages if json.loads(m.value)["type"].endswith("vote_cast.v1")]
            return (messages, votes) if votes else None

        messages, votes = await eventually(published)
        assert [(v["data"]["voter"], v["data"]["decision"], v["data"]["step_state"], v["data"]["approver_group"])
                for v in votes] == [("erin", "approve", "accepted", "Emergency CAB")]
        vote_message = next(m for m in messages if json.loads(m.value)["type"].endswith("vote_cast.v1"))
        assert vote_message.key.decode() == emergency["id"]  # ordered with the change's own events
