"""Change enablement end to end on `tandem up`: CMDB, blackout conflict, two-step CAB, reschedule, failed outcome."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import kpis, ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e
RM = auth("rita.manager", "resource_manager")
REQUESTER = auth("sam.requester", "requester")
MANAGER = auth("mo.manager", "change_manager")
SERVICE_OWNER = auth("olga.owner", "service_owner")




def test_blackout_conflict_two_step_cab_reschedule_and_failed_review(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        person = ok(client.post("/capacity/v1/people", headers=RM, json={
            "name": "Nora Network", "team": "Network", "weekly_hours": 40,
            "skills": [{"name": "networking", "proficiency": 4}]}), 201)
        # The CMDB: a critical business service running on an application, and a freeze on the service.
        service = ok(client.post("/change/v1/cis", headers=SERVICE_OWNER, json={
            "name": "Card payments (e2e)", "ci_class": "business_service", "criticality": 1}), 201)
        app = ok(client.post("/change/v1/cis", headers=SERVICE_OWNER, json={
            "name": "card-api-e2e", "ci_class": "application", "criticality": 2, "owner_team": "Network"}), 201)
        ok(client.post(f"/change/v1/cis/{service['id']}/relationships", headers=SERVICE_OWNER,
                        json={"target_id": app["id"], "type": "depends_on"}), 201)
        freeze = ok(client.post("/change/v1/blackout-windows", headers=MANAGER, json={
            "name": "Card scheme freeze", "start": "2055-05-01T00:00:00+00:00", "end": "2055-05-08T00:00:00+00:00",
            "scope": "service", "ci_id": service["id"], "reason": "Peak trading"}), 201)

        body = {"title": "Upgrade the card API runtime", "type": "normal", "assignee_id": person["id"],
                "effort_hours": 8, "affected_cis": [app["id"]], "outage_required": True,
                "planned_start": "2055-05-03T22:00:00+00:00", "planned_end": "2055-05-04T02:00:00+00:00"}
        change = wait(client, lambda c: (r := c.post("/change/v1/changes", headers=REQUESTER, json=body)
                                         ).status_code == 201 and r.json())  # change learns the person by event
        path = f"/change/v1/changes/{change['id']}"
        conflicts = ok(client.get(f"{path}/conflicts", headers=REQUESTER))["items"]
        flagged = [c for c in conflicts if c["kind"] == "blackout"]
        assert [c["blackout_id"] for c in flagged] == [freeze["id"]] and "Card scheme freeze" in flagged[0]["reason"]

        # Assessment: the impact reaches a critical business service, so the risk is high and the policy has two steps.
        assert ok(client.post(f"{path}/submit", headers=REQUESTER))["state"] == "assess"
        assessed = ok(client.post(f"{path}/assess", headers=MANAGER, json={"comment": "freeze noted"}))
        assert assessed["state"] == "authorize" and assessed["risk"] == "high"
        assert "critical business service" in assessed["risk_explanation"]
        impact = ok(client.get(f"{path}/impact", headers=REQUESTER))
        assert service["id"] in {ci["ci_id"] for ci in impact["impacted"]}
        approvals = ok(client.get(f"{path}/approvals", headers=REQUESTER))
        assert [s["approver_group"] for s in approvals["steps"]] == ["Change advisory board", "Change managers"]

        own = client.post(f"{path}/votes", headers=auth("sam.requester", "requester", "cab_member"),
                          json={"decision": "approve"})
        assert own.status_code == 403  # the requester never approves their own change
        first = ok(client.post(f"{path}/votes", headers=auth("dan.cab", "cab_member"),
                                json={"decision": "approve", "comment": "fine after the freeze"}), 201)
        assert first["change_state"] == "authorize"  # CAB at 50 % passed; the change managers' step is open
        assert first["current_step"]["approver_group"] == "Change managers"
        ok(client.post(f"{path}/votes", headers=auth("carol.cab", "cab_member", "change_manager"),
                        json={"decision": "approve"}), 201)
        assert ok(client.get(path, headers=REQUESTER))["state"] == "scheduled"

        bookings = f"/capacity/v1/people/{person['id']}/bookings"
        booked = wait(client, lambda c: c.get(bookings, headers=RM).json()["items"], timeout=10)
        assert [(b["source_id"], b["start"][:16]) for b in booked] == [(change["id"], "2055-05-03T22:00")]

        # Rescheduled out of the freeze: the booking follows, and the blackout conflict is gone.
        moved = ok(client.post(f"{path}/reschedule", headers=REQUESTER, json={
            "planned_start": "2055-05-10T22:00:00+00:00", "planned_end": "2055-05-11T02:00:00+00:00",
            "reason": "after the freeze"}))
        assert moved["state"] == "scheduled"
        wait(client, lambda c: [(b["source_id"], b["start"][:16]) for b in c.get(bookings, headers=RM).json()["items"]]
             == [(change["id"], "2055-05-10T22:00")], timeout=10)
        assert not [c for c in ok(client.get(f"{path}/conflicts", headers=REQUESTER))["items"]
                    if c["kind"] == "blackout"]

        # A failed outcome needs a review before closing, and moves the KPIs.
        before = kpis(client)
        ok(client.post(f"{path}/start", headers=REQUESTER, json={}))
        ok(client.post(f"{path}/complete", headers=REQUESTER, json={"outcome": "failed"}))
        refused = client.post(f"{path}/close", headers=REQUESTER, json={})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "review_notes"
        closed = ok(client.post(f"{path}/close", headers=REQUESTER, json={
            "review_notes": "Runtime upgrade broke TLS ciphers; rolled forward next day."}))
        assert closed["state"] == "closed"

        def kpis_moved(c: httpx.Client) -> dict[str, float] | None:
            now = kpis(c)
            return now if now["changes_implemented"] == before["changes_implemented"] + 1 else None
        after = wait(client, kpis_moved, timeout=10)
        assert after["changes_implemented_successfully"] == before["changes_implemented_successfully"]
        assert after["change_success_rate"] < 1
        score = ok(client.get("/change/v1/teams/Network/success-score", headers=REQUESTER))
        assert score["score"] == -5 and score["failed"] == 1
        # Knowledge drafted the post-implementation review from the failed outcome.
        reviews = wait(client, lambda c: c.get(f"/knowledge/v1/articles?change_id={change['id']}",
                                               headers=RM).json()["items"], timeout=10)
        assert [(a["kind"], a["status"], a["owner"]) for a in reviews] == [("change_review", "draft", "Network")]
