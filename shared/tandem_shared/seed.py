"""The demo organisation, loaded through the public API so that every event flows as in real use."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tandem_shared.auth import mint_dev_token
from tandem_shared.seed_portfolio import seed_portfolio
from tandem_shared.settings import platform_settings

log = logging.getLogger(__name__)

PEOPLE = [
    ("Ana Rivera", "Platform", [("linux", 5), ("kubernetes", 4), ("postgresql", 3)], 40),
    ("Ben Okafor", "Platform", [("kubernetes", 5), ("terraform", 4)], 40),
    ("Chloé Martin", "Network", [("firewalls", 5), ("bgp", 4)], 40),
    ("Dev Patel", "Network", [("load-balancers", 4), ("firewalls", 3)], 32),
    ("Eva Lindqvist", "Applications", [("java", 5), ("payments", 4)], 40),
    ("Farid Haddad", "Applications", [("python", 4), ("postgresql", 4)], 24),
    ("Grace Kim", "Service Desk", [("itil", 4), ("windows", 3)], 40),
    ("Hugo Weber", "Service Desk", [("itil", 3), ("networking", 2)], 20),
]
# The demo CMDB: name, class, criticality (1 = most critical), owner team, min_up (redundancy).
CIS = [
    ("Payments", "business_service", 1, "Applications", None),
    ("Customer portal", "business_service", 2, "Applications", None),
    ("pay-gw-app", "application", 1, "Applications", 1),  # runs on two gateway nodes; one is enough
    ("pay-gw-01", "server", 2, "Platform", None),
    ("pay-gw-02", "server", 2, "Platform", None),
    ("pay-db", "database", 1, "Platform", None),
    ("core-switch-01", "network_device", 1, "Network", None),
    ("vpn-concentrator", "network_device", 2, "Network", None),
    ("k8s-control-plane", "other", 2, "Platform", None),
    ("portal-app", "application", 2, "Applications", None),
    ("legacy-ftp", "server", 4, "Platform", None),
]
RELATIONSHIPS = [  # source depends on / runs on target
    ("Payments", "pay-gw-app", "depends_on"),
    ("pay-gw-app", "pay-gw-01", "runs_on"),
    ("pay-gw-app", "pay-gw-02", "runs_on"),
    ("pay-gw-app", "pay-db", "depends_on"),
    ("pay-gw-01", "core-switch-01", "depends_on"),
    ("pay-gw-02", "core-switch-01", "depends_on"),
    ("Customer portal", "portal-app", "depends_on"),
    ("portal-app", "k8s-control-plane", "runs_on"),
    ("portal-app", "pay-gw-app", "depends_on"),
]
ARTICLES = [
    ("Restart the payment gateway safely", "runbook"),
    ("Known error: VPN drops after sleep", "known_error"),
    ("How to request firewall changes", "how_to"),
    ("Lessons learned: 2026 storage migration", "lessons_learned"),
]


def _headers(sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(platform_settings(), sub, list(roles))}"}


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        request = response.request
        raise RuntimeError(f"{request.method} {request.url} → {response.status_code}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


# What `seed` does, in order: `tandem seed` shows a progress bar over them.
PHASES = ("approver groups and change model", "people", "articles", "CMDB", "portfolio", "changes")
APPROVERS = {"Change managers": ["carol.cab"], "Change advisory board": ["carol.cab", "dan.cab"],
             "Emergency CAB": ["carol.cab", "erin.ecab"]}


def _approvers(client: httpx.Client, headers: dict[str, str]) -> None:
    """Members for the approver groups the change migration seeds."""
    groups = _check(client.get("/change/v1/approver-groups", headers=headers))["items"]
    for group in groups:
        if group["name"] in APPROVERS:
            _check(client.patch(f"/change/v1/approver-groups/{group['id']}", headers=headers,
                                json={"members": APPROVERS[group["name"]]}))


def _approve(client: httpx.Client, path: str) -> None:
    """Every eligible member of each open step votes approve until the change is scheduled."""
    while True:
        approvals = _check(client.get(f"{path}/approvals", headers=_headers("carol.cab", "cab_member")))
        step = approvals["current_step"]
        if approvals["change_state"] != "authorize" or step is None:
            return
        voted = {v["voter"] for v in step["votes"]}
        voter = next(v for v in step["voters"] if v not in voted)
        _check(client.post(f"{path}/votes", headers=_headers(voter, "cab_member"),
                           json={"decision": "approve", "comment": "Approved at CAB"}))


def seed(url: str, *, timeout: float = 30.0, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Create people, a portfolio (seed_portfolio.py), articles, a CMDB and changes in several states; return counts.

    `progress` is called with each of PHASES as it starts.
    """
    phase = progress or (lambda _name: None)
    rm = _headers("rita.manager", "resource_manager")
    ke = _headers("kate.editor", "knowledge_editor")
    requester = _headers("sam.requester", "requester")
    cab = _headers("carol.cab", "change_manager", "cab_member")
    with httpx.Client(base_url=url, timeout=10) as client:
        phase(PHASES[0])
        _approvers(client, cab)
        model = _check(client.post("/change/v1/change-models", headers=cab, json={
            "name": "Rotate TLS certificates", "description": "Replace certificates before they expire",
            "implementation_plan": "Issue, install, reload, verify the chain.",
            "backout_plan": "Reinstall the previous certificate and reload.", "default_effort_hours": 2}))
        phase(PHASES[1])
        people = [
            _check(client.post("/capacity/v1/people", headers=rm, json={
                "name": name, "email": name.lower().replace(" ", ".").replace("é", "e") + "@example.org",
                "team": team, "skills": [{"name": s, "proficiency": p} for s, p in skills], "weekly_hours": hours}))
            for name, team, skills, hours in PEOPLE
        ]
        phase(PHASES[2])
        for title, kind in ARTICLES:
            _check(client.post("/knowledge/v1/articles", headers=ke, json={
                "title": title, "kind": kind, "body": f"# {title}\n\nDemo article.", "tags": ["demo"]}))

        monday = (datetime.now(UTC) + timedelta(days=7 - datetime.now(UTC).weekday())).replace(
            hour=20, minute=0, second=0, microsecond=0)
        phase(PHASES[3])
        cis = _seed_cmdb(client, cab, monday)
        phase(PHASES[4])
        portfolio = seed_portfolio(client, people, cis)  # meanwhile change hears of the people it assigns below
        plans = [  # title, type, assignee index, effort, day offset, hours long, final state, affected CI
            ("Patch payment gateway cluster", "normal", 4, 6, 0, 4, "scheduled", "pay-gw-01"),
            ("Replace core switch line card", "normal", 2, 8, 2, 6, "assess", "core-switch-01"),
            ("Rotate database TLS certificates", "standard", 0, 2, 3, 2, "scheduled", "pay-db"),
            ("Hotfix VPN concentrator", "emergency", 3, 3, 1, 2, "scheduled", "vpn-concentrator"),
            ("Upgrade Kubernetes control plane", "normal", 1, 12, 8, 8, "new", "k8s-control-plane"),
            ("Decommission legacy FTP server", "normal", 5, 4, 9, 3, "canceled", "legacy-ftp"),
        ]
        phase(PHASES[5])
        deadline = time.monotonic() + timeout
        made = 0
        for title, kind, who, effort, offset, length, final, ci in plans:
            start = monday + timedelta(days=offset)
            body = {"title": title, "type": kind, "assignee_id": people[who]["id"], "effort_hours": effort,
                    "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=length)).isoformat(),
                    "affected_cis": [cis[ci]]}
            if kind == "standard":
                body["model_id"] = model["id"]
            while True:  # change learns about people from capacity's events, a few milliseconds later
                response = client.post("/change/v1/changes", headers=requester, json=body)
                if response.status_code != 422 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            change = _check(response)
            path = f"/change/v1/changes/{change['id']}"
            _check(client.post(f"{path}/impact", headers=cab))
            if final == "new":  # an edit: its /history shows the field with its old and new value
                _check(client.patch(path, headers={**requester, "X-Correlation-ID": "seed-refine-k8s"}, json={
                    "justification": "The control plane version leaves vendor support next quarter."}))
            else:
                _check(client.post(f"{path}/submit", headers=requester))
            if final == "scheduled" and kind == "normal":
                _check(client.post(f"{path}/assess", headers=cab, json={"comment": "Assessed at CAB"}))
            if final == "scheduled" and kind != "standard":
                _approve(client, path)
            if final == "canceled":
                _check(client.post(f"{path}/cancel", headers=requester, json={"comment": "No longer needed"}))
            made += 1
    counts = {"people": len(people), "articles": len(ARTICLES), "cis": len(cis), "changes": made, **portfolio}
    log.info("demo data loaded: %s", counts)
    return counts


def _seed_cmdb(client: httpx.Client, headers: dict[str, str], monday: datetime) -> dict[str, str]:
    """Create the demo CIs, their relationships and a blackout window; return CI ids by name."""
    ids = {}
    for name, ci_class, criticality, team, min_up in CIS:
        ids[name] = _check(client.post("/change/v1/cis", headers=headers, json={
            "name": name, "ci_class": ci_class, "criticality": criticality, "owner_team": team,
            "min_up": min_up, "environment": "production"}))["id"]
    for source, target, kind in RELATIONSHIPS:
        _check(client.post(f"/change/v1/cis/{ids[source]}/relationships", headers=headers,
                           json={"target_id": ids[target], "type": kind}))
    # Weeks after the demo changes, so it never blocks them.
    start = monday + timedelta(days=28)
    _check(client.post("/change/v1/blackout-windows", headers=headers, json={
        "name": "Payments quarter-end close", "scope": "service", "ci_id": ids["Payments"],
        "start": start.isoformat(), "end": (start + timedelta(days=3)).isoformat(),
        "reason": "Finance closes the quarter; no changes to payments."}))
    return ids


def seed_once(url: str, data_dir: Path) -> None:
    """Seed unless this data folder was seeded before."""
    marker = data_dir / "seeded.json"
    if marker.exists():
        return
    counts = seed(url)
    marker.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), **counts}))
