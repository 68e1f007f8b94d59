"""Portfolio governance end to end on `tandem up`: one project from idea to closed through every stage gate.

The project is put to a gate board of its own portfolio (so the demo's default portfolio and the other tests are
untouched) whose members are neither its sponsor nor its project manager. On the way it serves a strategic
objective, makes its business case, plans demand (capacity books it, releases it while the board holds the project,
books it again on resume), baselines milestones with a go-live, reports its week, and reaches the handover gate,
where operational readiness is measured from the other services' events only: the CI registered in change's CMDB,
a runbook published in knowledge after a review by an editor who did not write it, run work and on-call booked in
capacity for the support team, and the go-live change approved in change. The go-live change is implemented, the
service owner accepts the handover (the transition time measured from the change), and the closure gate closes it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest

from tests.e2e.helpers import ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e

API = "/portfolio/v1"
RUN = uuid.uuid4().hex[:6]
PORTFOLIO = f"governance-e2e-{RUN}"  # a portfolio only this test uses: its gates are configured below

SPONSOR, PM, SERVICE_OWNER = "sol.sponsor", "pia.pm", "sofia.owner"
BOARD = ["gina.board", "hal.board", "ivy.board"]  # neither the sponsor nor the project manager
PMO = auth("omar.pmo", "pmo")
AS_PM = auth(PM, "project_manager")
AS_OWNER = auth(SERVICE_OWNER, "service_owner")
RM = auth("rita.manager", "resource_manager")
CHANGE_MANAGER = auth("mo.manager", "change_manager")
CAB = auth("carol.cab", "cab_member", "change_manager")  # the demo's "Change managers" approver group
RUNBOOK_AUTHOR = auth("lena.ops", "knowledge_editor")
EDITOR = auth("kate.editor", "knowledge_editor")
SUPPORT_TEAM = f"Field support e2e-{RUN}"
DELIVERY_TEAM = f"Field delivery e2e-{RUN}"

GATES = {  # gate -> criteria; each gate's board is BOARD with a quorum of two go votes
    "screening": ["problem_stated", "sponsor_named", "objectives_linked"],
    "investment": ["sponsor_named", "objectives_linked", "touches_named", "business_case_complete", "npv_positive"],
    "mobilise": ["project_manager_named", "touches_named"],
    "execute": ["project_manager_named", "demand_planned", "service_owner_named", "milestones_baselined"],
    "handover": ["service_owner_named", "cis_registered", "runbooks_published", "support_capacity_booked",
                 "go_live_change_approved"],
    "closure": ["service_owner_named", "service_owner_accepted"],
}
READINESS = ["cis_registered", "runbooks_published", "support_capacity_booked", "go_live_change_approved"]

TODAY = datetime.now(UTC).date()
GO_LIVE = TODAY + timedelta(days=14)
CUT_OVER = datetime.combine(GO_LIVE, time(22, 0), tzinfo=UTC)  # the go-live night, six hours


# --- small helpers -----------------------------------------------------------------------------------------------

def month(offset: int) -> str:
    """`YYYY-MM` of the month `offset` months from this one."""
    year, index = divmod(TODAY.year * 12 + TODAY.month - 1 + offset, 12)
    return f"{year}-{index + 1:02d}"


def configure_gates(client: httpx.Client) -> None:
    """The PMO configures all six gates of the test's portfolio: criteria and a board of three, quorum two."""
    for gate, criteria in GATES.items():
        params = {"milestones_baselined": {"require_go_live": True}}
        ok(client.put(f"{API}/portfolios/{PORTFOLIO}/gates/{gate}", headers=PMO, json={
            "criteria": [{"name": name, "params": params.get(name, {})} for name in criteria],
            "board": {"members": BOARD, "quorum": {"kind": "number", "value": 2}}}))


def open_review(client: httpx.Client, project: str, gate: str) -> dict:
    """The project manager opens the review of the gate ahead."""
    return ok(client.post(f"{API}/projects/{project}/gates/{gate}/reviews", headers=AS_PM,
                          json={"comment": f"Ready for the {gate} gate."}), 201)


def vote(client: httpx.Client, review: dict, voter: str, choice: str = "go", comment: str | None = None,
         ) -> httpx.Response:
    """A vote on an open review, as `voter` (votes need no particular role)."""
    path = f"{API}/projects/{review['project_id']}/gates/{review['gate']}/reviews/{review['id']}/votes"
    return client.post(path, headers=auth(voter, "viewer"), json={"vote": choice, "comment": comment})


def pass_gate(client: httpx.Client, project: str, gate: str, review: dict | None = None) -> dict:
    """Open the review (unless given) and let two board members vote go: the project passes the gate."""
    review = review or open_review(client, project, gate)
    assert review["voters"] == BOARD and review["all_met"], review
    first = ok(vote(client, review, BOARD[0], comment="Criteria met."))
    assert first["state"] == "open" and first["waiting_on"] == BOARD[1:]
    decided = ok(vote(client, review, BOARD[1], comment="Agreed."))
    assert (decided["state"], decided["decision"], decided["decided_by"]) == ("passed", "go", BOARD[1]), decided
    return decided


def stage(client: httpx.Client, project: str) -> str:
    return ok(client.get(f"{API}/projects/{project}", headers=AS_PM))["stage"]


def readiness(client: httpx.Client, project: str) -> dict:
    return ok(client.get(f"{API}/projects/{project}/readiness", headers=AS_OWNER))


def fact(client: httpx.Client, project: str, name: str) -> dict:
    return next(f for f in readiness(client, project)["facts"] if f["name"] == name)


def becomes_met(client: httpx.Client, project: str, name: str) -> dict:
    """Wait until the readiness fact is met (it arrives through the broker from another service)."""
    return wait(client, lambda c: (f := fact(c, project, name))["met"] and f, timeout=20)


def bookings(client: httpx.Client, source: str, source_id: str, status: str = "active") -> list[dict]:
    """Capacity's bookings of a source (project, change or operations item)."""
    return ok(client.get(f"/capacity/v1/bookings?source={source}&source_id={source_id}&status={status}&limit=200",
                         headers=RM))["items"]


def role_requests(client: httpx.Client, project: str) -> list[tuple[str, str]]:
    items = ok(client.get(f"/capacity/v1/role-requests?project_id={project}", headers=RM))["items"]
    return [(r["role"], r["status"]) for r in items]


def person(client: httpx.Client, name: str, team: str, skill: str) -> dict:
    return ok(client.post("/capacity/v1/people", headers=RM, json={
        "name": name, "team": team, "weekly_hours": 40, "skills": [{"name": skill, "proficiency": 4}]}), 201)


def etag(client: httpx.Client, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


# --- the story ---------------------------------------------------------------------------------------------------

def test_one_project_from_idea_to_closed_through_every_gate(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        # The PMO's board for this portfolio; nothing is inherited from the default portfolio.
        configure_gates(client)
        gates = ok(client.get(f"{API}/portfolios/{PORTFOLIO}/gates", headers=AS_PM))
        assert {(g["gate"], g["source"]) for g in gates} == {(gate, "portfolio") for gate in GATES}

        # People in capacity (change and portfolio learn them from capacity's events) and the service in the CMDB.
        engineer = person(client, f"Dex Delivery {RUN}", DELIVERY_TEAM, "python")
        support = [person(client, f"{name} {RUN}", SUPPORT_TEAM, "itil") for name in ("Sid Support", "Tia Support")]
        service = ok(client.post("/change/v1/cis", headers=AS_OWNER, json={
            "name": f"Field service (e2e {RUN})", "ci_class": "business_service", "criticality": 3,
            "owner_team": SUPPORT_TEAM, "service_owner": SERVICE_OWNER}), 201)
        resilient = ok(client.get(f"{API}/objectives?q=resilient", headers=AS_PM))["items"][0]

        # --- idea → proposed: an idea serving a strategic objective, screened by the board ---
        project = ok(client.post(f"{API}/projects", headers=AS_PM, json={
            "name": f"Field service app {RUN} (e2e)", "category": "grow", "portfolio": PORTFOLIO,
            "sponsor": SPONSOR, "project_manager": PM, "delivery_team": DELIVERY_TEAM,
            "problem_statement": "Field engineers re-key every job from paper; 12 % of jobs are billed late.",
            "objectives": [{"objective_id": resilient["id"], "contribution": 4}],
            "services": [{"id": service["id"], "name": service["name"]}],
            "start_date": TODAY.isoformat(), "go_live_date": GO_LIVE.isoformat(),
            "budget_amount": "160000.00", "budget_currency": "EUR"}), 201)
        pid = project["id"]
        assert (project["stage"], project["objectives"][0]["contribution"]) == ("idea", 4)

        screening = open_review(client, pid, "screening")
        own = vote(client, screening, SPONSOR, comment="My own idea, go.")
        assert own.status_code == 403 and own.json()["reason"] == "own_sponsor", own.text
        assert vote(client, screening, "mallory.outsider").json()["reason"] == "not_a_member"
        pass_gate(client, pid, "screening", screening)
        assert stage(client, pid) == "proposed"

        # --- proposed → approved: the business case over 36 months, and the investment gate ---
        lines = [{"month": month(0), "kind": "capex", "amount": "120000.00", "description": "Build and licences"}]
        for t in range(36):
            lines.append({"month": month(t), "kind": "opex", "amount": "1000.00"})
            if t >= 3:
                lines.append({"month": month(t), "kind": "benefit", "amount": "11000.00"})
        case = ok(client.put(f"{API}/projects/{pid}/business-case", headers=AS_PM, json={
            "currency": "EUR", "discount_rate": 0.08, "horizon_start": month(0), "lines": lines}))["figures"]
        assert (case["total_costs"], case["total_benefits"]) == ("156000.00", "363000.00")
        assert float(case["npv"]) > 0
        # Cumulative net: −121,000, −122,000, −123,000, then +10,000 a month: −3,000 after month 14, +7,000 after 15.
        assert case["payback_months"] == pytest.approx(14.3, abs=0.01)
        assert case["discounted_payback_months"] > case["payback_months"]
        pass_gate(client, pid, "investment")

        # --- approved → planning ---
        pass_gate(client, pid, "mobilise")
        assert stage(client, pid) == "planning"

        # --- planning: operations named, demand planned (capacity books it), milestones baselined ---
        path = f"{API}/projects/{pid}"
        ok(client.patch(path, headers={**AS_PM, "If-Match": etag(client, path, AS_PM)}, json={
            "service_owner": SERVICE_OWNER, "support_team": SUPPORT_TEAM}))
        ok(client.put(f"{path}/demand", headers=AS_PM, json={"lines": [
            {"role": "Developer", "skill": "python", "person_id": engineer["id"], "hours_per_week": 24,
             "start": TODAY.isoformat(), "end": (GO_LIVE - timedelta(days=1)).isoformat(), "kind": "hard"},
            {"role": "Test analyst", "skill": f"field-testing-{RUN}", "hours_per_week": 16,
             "start": TODAY.isoformat(), "end": (GO_LIVE - timedelta(days=1)).isoformat()}]}))
        booked = wait(client, lambda c: bookings(c, "project", pid), timeout=15)
        assert [(b["person_id"], b["role"], b["kind"]) for b in booked] == [(engineer["id"], "Developer", "hard")]
        wait(client, lambda c: role_requests(c, pid) == [("Test analyst", "open")], timeout=15)
        build = ok(client.post(f"{path}/milestones", headers=AS_PM, json={
            "name": "Build complete", "forecast_date": (TODAY + timedelta(days=7)).isoformat(), "baseline": True}), 201)
        go_live = ok(client.post(f"{path}/milestones", headers=AS_PM, json={
            "name": "Go-live", "kind": "go_live", "forecast_date": GO_LIVE.isoformat(), "baseline": True,
            "window_start": CUT_OVER.isoformat(), "window_end": (CUT_OVER + timedelta(hours=6)).isoformat(),
            "service_ids": [service["id"]]}), 201)
        assert go_live["baseline_date"] == GO_LIVE.isoformat()

        # --- the execute gate: the board first holds the project (capacity releases it), the PMO resumes it ---
        execute = open_review(client, pid, "execute")
        first = ok(vote(client, execute, BOARD[0], "hold", "Wait for the field tablets' delivery date."))
        assert first["state"] == "open"
        held = ok(vote(client, execute, BOARD[2], "hold", "Agreed: hold until the tablets are confirmed."))
        assert (held["state"], held["decision"]) == ("held", "hold")
        assert stage(client, pid) == "on_hold"
        wait(client, lambda c: not bookings(c, "project", pid), timeout=15)
        released = bookings(client, "project", pid, "released")
        assert [(b["id"], b["release_reason"]) for b in released] == [(booked[0]["id"], "project deferred")]
        wait(client, lambda c: role_requests(c, pid) == [("Test analyst", "canceled")], timeout=15)

        resumed = ok(client.post(f"{path}/resume", headers=PMO, json={"reason": "Tablets confirmed for next week."}),
                     201)
        assert (resumed["to_stage"], resumed["decided_by"]) == ("planning", "omar.pmo")
        rebooked = wait(client, lambda c: bookings(c, "project", pid), timeout=15)
        assert [(b["person_id"], b["role"]) for b in rebooked] == [(engineer["id"], "Developer")]
        assert rebooked[0]["id"] != booked[0]["id"]
        wait(client, lambda c: role_requests(c, pid) == [("Test analyst", "open")], timeout=15)
        pass_gate(client, pid, "execute")
        assert stage(client, pid) == "executing"

        # --- executing: the build milestone reached, the week reported, the new CI registered in the CMDB ---
        ok(client.post(f"{path}/milestones/{build['id']}/complete", headers=AS_PM,
                       json={"actual_date": TODAY.isoformat()}))
        report = ok(client.post(f"{path}/status-reports", headers=AS_PM, json={
            "narrative": "Build complete a week early; cut-over rehearsal next."}), 201)
        year, week, _ = TODAY.isocalendar()
        assert report["week"] == f"{year}-W{week:02d}" and report["reported_by"] == PM
        assert {m["name"] for m in report["milestones"]} == {"Build complete", "Go-live"}
        assert report["overall"] in {"green", "amber", "red"}

        app = ok(client.post("/change/v1/cis", headers=AS_OWNER, json={
            "name": f"field-app-e2e-{RUN}", "ci_class": "application", "criticality": 3,
            "owner_team": DELIVERY_TEAM}), 201)
        ok(client.patch(path, headers={**AS_PM, "If-Match": etag(client, path, AS_PM)}, json={
            "cis": [{"id": app["id"], "name": app["name"]}]}))
        registered = becomes_met(client, pid, "cis_registered")
        assert sorted(registered["details"]["registered"]) == sorted([service["id"], app["id"]])
        assert registered["since"] is not None

        # --- the handover gate opens while operations are not ready: a go quorum is refused, the vote not kept ---
        handover = open_review(client, pid, "handover")
        assert handover["unmet"] == ["runbooks_published", "support_capacity_booked", "go_live_change_approved"]
        ok(vote(client, handover, BOARD[0], comment="Go once operations are ready."))
        refused = vote(client, handover, BOARD[1])
        assert refused.status_code == 409, refused.text
        assert [c["name"] for c in refused.json()["unmet_criteria"]] == handover["unmet"]
        review_path = f"{path}/gates/handover/reviews/{handover['id']}"
        assert [v["voter"] for v in ok(client.get(review_path, headers=AS_PM))["votes"]] == [BOARD[0]]

        # Knowledge: a runbook for the new CI, linked to the project, reviewed by an editor who did not write it.
        runbook = ok(client.post("/knowledge/v1/articles", headers=RUNBOOK_AUTHOR, json={
            "title": f"Operate the field service app ({RUN})", "kind": "runbook", "project_id": pid,
            "ci_ids": [app["id"]], "service_ids": [service["id"]], "tags": ["field-service"],
            "body": "## Restart\n1. Drain the job queue\n2. Restart the app\n\n## Escalation\nDelivery team."}), 201)
        article = f"/knowledge/v1/articles/{runbook['id']}"
        assert ok(client.post(f"{article}/submit", headers=RUNBOOK_AUTHOR, json={}), 201)["state"] == "open"
        self_review = client.post(f"{article}/votes", headers=RUNBOOK_AUTHOR, json={"decision": "approve"})
        assert self_review.status_code == 403 and self_review.json()["reason"] == "own_article", self_review.text
        approved = ok(client.post(f"{article}/votes", headers=EDITOR, json={"decision": "approve"}))
        assert approved["article_state"] == "published"
        assert ok(client.get(article, headers=EDITOR))["status"] == "published"
        runbooks = becomes_met(client, pid, "runbooks_published")
        assert runbooks["details"]["articles"] == [runbook["id"]]

        # Capacity: the service owner books the support team's run work and on-call from before the go-live.
        run_work = ok(client.post("/capacity/v1/operations/run-work", headers=AS_OWNER, json={
            "team": SUPPORT_TEAM, "hours_per_week": 8, "start": (GO_LIVE - timedelta(days=7)).isoformat(),
            "end": (GO_LIVE + timedelta(days=90)).isoformat(), "description": "Field service app: first-line support"}),
            201)
        rotation = ok(client.post("/capacity/v1/operations/rotations", headers=AS_OWNER, json={
            "team": SUPPORT_TEAM, "members": [p["id"] for p in support], "rotation_weeks": 1, "hours_per_week": 10,
            "start": GO_LIVE.isoformat(), "end": (GO_LIVE + timedelta(days=27)).isoformat(),
            "description": "Field service app on-call"}), 201)
        support_fact = becomes_met(client, pid, "support_capacity_booked")
        assert support_fact["details"]["go_live"] == GO_LIVE.isoformat()

        # Change: the go-live change, linked to the project, submitted, assessed and approved.
        body = {"title": f"Go-live of the field service app ({RUN})", "type": "normal", "project_id": pid,
                "assignee_id": engineer["id"], "effort_hours": 6, "affected_cis": [app["id"]],
                "planned_start": CUT_OVER.isoformat(), "planned_end": (CUT_OVER + timedelta(hours=6)).isoformat(),
                "implementation_plan": "Deploy, switch DNS, smoke test.", "backout_plan": "Switch DNS back."}
        change = wait(client, lambda c: (r := c.post("/change/v1/changes", headers=AS_PM, json=body)
                                         ).status_code == 201 and r.json(), timeout=15)  # change learns the person
        change_path = f"/change/v1/changes/{change['id']}"
        assert ok(client.post(f"{change_path}/submit", headers=AS_PM))["state"] == "assess"
        assessed = ok(client.post(f"{change_path}/assess", headers=CHANGE_MANAGER, json={"comment": "Go-live CAB"}))
        assert (assessed["state"], assessed["risk"]) == ("authorize", "low"), assessed
        assert ok(client.post(f"{change_path}/approve", headers=CAB))["state"] == "scheduled"
        change_fact = becomes_met(client, pid, "go_live_change_approved")
        assert change["id"] in change_fact["why"]

        ready = readiness(client, pid)
        assert ready["ready"] and [f["name"] for f in ready["facts"]] == READINESS
        assert all(f["met"] and f["since"] for f in ready["facts"])

        # The board's second go vote now passes the gate: executing → transition.
        passed = ok(vote(client, handover, BOARD[1], comment="Operations are ready."))
        assert (passed["state"], passed["all_met"]) == ("passed", True)
        assert stage(client, pid) == "transition"

        # --- transition: the go-live change implemented, the go-live reached, the service owner accepts ---
        now = datetime.now(UTC)
        ok(client.post(f"{change_path}/start", headers=AS_PM, json={
            "actual_start": (now - timedelta(hours=4)).isoformat()}))
        done = ok(client.post(f"{change_path}/complete", headers=AS_PM, json={
            "outcome": "successful", "actual_end": (now - timedelta(hours=2)).isoformat()}))
        assert (done["state"], done["outcome"]) == ("review", "successful")
        assert ok(client.post(f"{change_path}/close", headers=AS_PM, json={}))["state"] == "closed"
        wait(client, lambda c: "implemented (successful)" in fact(c, pid, "go_live_change_approved")["why"],
             timeout=20)
        ok(client.post(f"{path}/milestones/{go_live['id']}/complete", headers=AS_PM, json={}))

        for stranger in (AS_PM, PMO):  # acceptance is operations' word, not the PMO's
            refused = client.post(f"{path}/handover/accept", headers=stranger, json={})
            assert refused.status_code == 403 and refused.json()["reason"] == "not_the_service_owner", refused.text
        acceptance = ok(client.post(f"{path}/handover/accept", headers=AS_OWNER, json={
            "comment": "Runbook reviewed; the field support desk takes it from today."}), 201)
        assert (acceptance["accepted_by"], acceptance["go_live_change_id"]) == (SERVICE_OWNER, change["id"])
        assert 2.0 <= acceptance["transition_hours"] < 2.1  # from the change's actual end two hours ago

        # --- transition → closed ---
        pass_gate(client, pid, "closure")
        assert stage(client, pid) == "closed"

        # Readiness still shows every fact met, and the acceptance.
        final = readiness(client, pid)
        assert final["ready"] and final["stage"] == "closed"
        assert [(f["name"], f["met"]) for f in final["facts"]] == [(name, True) for name in READINESS]
        assert final["acceptance"]["accepted_by"] == SERVICE_OWNER

        # The history lists every stage change with who decided it and why.
        history = ok(client.get(f"{path}/history", headers=AS_PM))["items"]
        moves = [e for e in history if e["from_state"] and e["to_state"] and e["from_state"] != e["to_state"]]
        assert [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in moves] == [
            ("screening", "idea", "proposed", BOARD[1]),
            ("investment", "proposed", "approved", BOARD[1]),
            ("mobilise", "approved", "planning", BOARD[1]),
            ("defer", "planning", "on_hold", BOARD[2]),
            ("resume", "on_hold", "planning", "omar.pmo"),
            ("execute", "planning", "executing", BOARD[1]),
            ("handover", "executing", "transition", BOARD[1]),
            ("closure", "transition", "closed", BOARD[1]),
        ]
        reasons = [e["detail"]["reason"] for e in moves]
        assert "tablets" in reasons[3] and reasons[4] == "Tablets confirmed for next week."
        assert "Operations are ready." in reasons[6]
        decisions = ok(client.get(f"{path}/decisions", headers=AS_PM))
        assert [(d["action"], d["gate"]) for d in decisions] == [
            ("screening", "screening"), ("investment", "investment"), ("mobilise", "mobilise"),
            ("defer", "execute"), ("resume", None), ("execute", "execute"), ("handover", "handover"),
            ("closure", "closure")]

        # Capacity, as docs/capacity-demand.md says: the hold released the first booking; closing the project
        # (which knowledge has seen by now: it drafted the lessons learned) releases nothing, and a closed change
        # and the support team's run work and on-call keep theirs.
        wait(client, lambda c: ok(c.get(f"/knowledge/v1/articles?project_id={pid}&kind=lessons_learned",
                                        headers=EDITOR))["items"], timeout=20)
        assert [b["id"] for b in bookings(client, "project", pid)] == [rebooked[0]["id"]]
        assert [b["id"] for b in bookings(client, "project", pid, "released")] == [booked[0]["id"]]
        assert [(b["person_id"], b["hours"]) for b in wait(client, lambda c: bookings(c, "change", change["id"]))
                ] == [(engineer["id"], 6)]
        assert {b["person_id"] for b in bookings(client, "operations", run_work["id"])} == {p["id"] for p in support}
        assert {b["person_id"] for b in bookings(client, "operations", rotation["id"])} == {p["id"] for p in support}
