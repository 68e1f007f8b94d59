"""The KPI loop end to end on `tandem up`: a project's go-live change is implemented successfully on a CI, then an
incident on that CI is reported to metrics without a cause; metrics' linking rule links it to the change, and every
KPI it touches moves: implementation-caused disruption (metrics), the delivering team's change success score
(change), and the project's status and risk register (portfolio)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.helpers import ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6]
TEAM = f"Loop delivery e2e-{RUN}"
PM = auth("lou.pm", "project_manager")
OWNER = auth("ola.owner", "service_owner")  # also the ITSM integration's account (service_owner feeds signals)
RM = auth("rita.manager", "resource_manager")
CHANGE_MANAGER = auth("mo.manager", "change_manager")
CAB = auth("carol.cab", "cab_member", "change_manager")  # the demo's "Change managers" approver group


def kpi(client: httpx.Client, key: str, dimension: str) -> float | None:
    return ok(client.get(f"/metrics/v1/kpis/{key}", params={"dimension": dimension}, headers=PM))["value"]


def team_score(client: httpx.Client) -> int | None:
    response = client.get(f"/change/v1/teams/{TEAM}/success-score", headers=PM)
    return response.json()["score"] if response.status_code == 200 else None


def resources(client: httpx.Client, pid: str) -> dict:
    status = ok(client.get(f"/portfolio/v1/projects/{pid}/status", headers=PM))
    return next(d for d in status["dimensions"] if d["dimension"] == "resources")


def go_live_issue(client: httpx.Client, pid: str) -> dict | None:
    risks = ok(client.get(f"/portfolio/v1/projects/{pid}/risks", headers=PM))["items"]
    return next((r for r in risks if r["title"] == "Go-live caused incidents"), None)


def test_an_incident_caused_by_a_go_live_moves_every_kpi_it_touches(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        # A delivery engineer in capacity, the application in change's CMDB, the project in portfolio.
        engineer = ok(client.post("/capacity/v1/people", headers=RM, json={
            "name": f"Lia Loop {RUN}", "team": TEAM, "weekly_hours": 40,
            "skills": [{"name": "python", "proficiency": 4}]}), 201)
        app = ok(client.post("/change/v1/cis", headers=OWNER, json={
            "name": f"loop-app-e2e-{RUN}", "ci_class": "application", "criticality": 3, "owner_team": TEAM}), 201)
        project = ok(client.post("/portfolio/v1/projects", headers=PM, json={
            "name": f"Loop portal {RUN} (e2e)", "sponsor": "sol.sponsor", "project_manager": "lou.pm",
            "delivery_team": TEAM}), 201)
        pid = project["id"]

        # The go-live change, linked to the project, approved and implemented successfully two hours ago.
        now = datetime.now(UTC)
        body = {"title": f"Go-live of the loop portal ({RUN})", "type": "normal", "project_id": pid,
                "assignee_id": engineer["id"], "effort_hours": 2, "affected_cis": [app["id"]],
                "planned_start": (now + timedelta(days=14)).isoformat(),  # lead time enough for a low risk
                "planned_end": (now + timedelta(days=14, hours=2)).isoformat(),
                "implementation_plan": "Deploy.", "backout_plan": "Redeploy the previous version."}
        change = wait(client, lambda c: (r := c.post("/change/v1/changes", headers=PM, json=body)
                                         ).status_code == 201 and r.json(), timeout=15)  # change learns the person
        path = f"/change/v1/changes/{change['id']}"
        ok(client.post(f"{path}/submit", headers=PM))
        assessed = ok(client.post(f"{path}/assess", headers=CHANGE_MANAGER, json={"comment": "Go-live CAB"}))
        assert assessed["risk"] == "low", assessed
        assert ok(client.post(f"{path}/approve", headers=CAB))["state"] == "scheduled"
        ok(client.post(f"{path}/start", headers=PM, json={"actual_start": (now - timedelta(hours=3)).isoformat()}))
        ok(client.post(f"{path}/complete", headers=PM, json={
            "outcome": "successful", "actual_end": (now - timedelta(hours=2)).isoformat()}))

        # Before the incident: a successful change (+3), no disruption, nothing in the project's status or register.
        assert wait(client, lambda c: team_score(c) == 3, timeout=20)
        assert wait(client, lambda c: kpi(c, "change_success_rate", f"project:{pid}") == 1.0, timeout=20)
        assert not kpi(client, "implementation_disruption", f"project:{pid}")
        assert resources(client, pid)["facts"]["implementation_disruption"] is None

        # The ITSM tool reports a P2 on the application an hour after the go-live, naming no cause.
        sent = ok(client.post("/metrics/v1/signals/incidents", headers=OWNER, json={
            "source_system": "servicenow", "items": [{
                "external_id": f"INC-{RUN}", "ci_id": app["id"], "priority": "P2",
                "opened_at": (now - timedelta(hours=1)).isoformat()}]}))
        assert [r["status"] for r in sent["results"]] == ["created"], sent

        # Metrics links it to the change (same CI, an hour after): 5 disruption points for the project and the team.
        [linked] = wait(client, lambda c: ok(c.get("/metrics/v1/signals/incidents", headers=PM, params={
            "change_id": change["id"]}))["items"], timeout=20)
        assert linked["external_id"] == f"INC-{RUN}"
        assert (linked["link"]["project_id"], linked["link"]["rule"]) == (pid, "same_ci"), linked
        assert wait(client, lambda c: kpi(c, "implementation_disruption", f"project:{pid}") == 5, timeout=20)
        assert kpi(client, "implementation_disruption", f"team:{TEAM}") == 5

        # Change: the team's score drops by the P2's weight once the link arrives (3 − 5); the rate is unchanged.
        assert wait(client, lambda c: team_score(c) == -2, timeout=20)
        assert kpi(client, "change_success_rate", f"project:{pid}") == 1.0

        # Portfolio: the resources status turns amber with the disruption explained, and the register has the issue.
        issue = wait(client, lambda c: go_live_issue(c, pid), timeout=20)
        assert (issue["kind"], issue["status"], issue["source"], issue["impact"]) == ("issue", "open", "automatic", 3)
        assert f"INC-{RUN} (P2)" in issue["source_explanation"]
        status = resources(client, pid)
        assert status["colour"] == "amber"
        assert status["facts"]["implementation_disruption"] == {"points": 5, "incidents": 1}
        assert "implementation-caused disruption: 1 incident(s) caused by the project's go-live weigh 5 point(s)" \
            in status["explanation"]
