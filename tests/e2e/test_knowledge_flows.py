"""Knowledge that teams trust, end to end on `tandem up`: the two acceptance flows.

1. A change fails: knowledge drafts its post-implementation review, an editor who did not write it fills it in, a
   second editor approves it, and the published review is found by full-text search with its match highlighted.
2. A project reaches transition: knowledge drafts the handover runbook of the service it delivers, owned by the
   service owner, who completes it; another editor approves it and portfolio's `runbooks_published` turns met.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.helpers import ok, wait
from tests.support import auth

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6]
KB = "/knowledge/v1"
RM = auth("rita.manager", "resource_manager")
REQUESTER = auth("sam.requester", "requester")
CHANGE_MANAGER = auth("mo.manager", "change_manager")
CAB = auth("carol.cab", "cab_member", "change_manager")  # the demo's "Change managers" approver group
FILLER = auth("lena.ops", "knowledge_editor")  # completes event-written drafts
EDITOR = auth("kate.editor", "knowledge_editor")  # reviews what others wrote
READER = auth("vic.viewer", "viewer")

# Flow 2: a portfolio only this test uses, so its gates can be the quickest the platform allows.
API = "/portfolio/v1"
PORTFOLIO = f"knowledge-e2e-{RUN}"
SPONSOR, PM, SERVICE_OWNER = "sol.sponsor", "pia.pm", "sofia.owner"
BOARD = ["gina.board", "hal.board"]  # neither the sponsor nor the project manager
PMO = auth("omar.pmo", "pmo")
AS_PM = auth(PM, "project_manager")
AS_OWNER = auth(SERVICE_OWNER, "service_owner")
GATES = {  # the stages up to transition, one cheap criterion each; a board of two, one go vote decides
    "screening": ["sponsor_named"],
    "investment": ["sponsor_named"],
    "mobilise": ["project_manager_named"],
    "execute": ["project_manager_named"],
    "handover": ["service_owner_named"],
}


# --- small helpers (the patterns of test_portfolio_governance.py) -------------------------------------------------

def etag(client: httpx.Client, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def person(client: httpx.Client, name: str, team: str) -> dict:
    return ok(client.post("/capacity/v1/people", headers=RM, json={
        "name": name, "team": team, "weekly_hours": 40, "skills": [{"name": "python", "proficiency": 4}]}), 201)


def configure_gates(client: httpx.Client) -> None:
    for gate, criteria in GATES.items():
        ok(client.put(f"{API}/portfolios/{PORTFOLIO}/gates/{gate}", headers=PMO, json={
            "criteria": [{"name": name, "params": {}} for name in criteria],
            "board": {"members": BOARD, "quorum": {"kind": "number", "value": 1}}}))


def pass_gate(client: httpx.Client, project: str, gate: str) -> None:
    review = ok(client.post(f"{API}/projects/{project}/gates/{gate}/reviews", headers=AS_PM,
                            json={"comment": f"Ready for the {gate} gate."}), 201)
    assert review["all_met"], review
    path = f"{API}/projects/{project}/gates/{gate}/reviews/{review['id']}/votes"
    decided = ok(client.post(path, headers=auth(BOARD[0], "viewer"), json={"vote": "go", "comment": "Go."}))
    assert (decided["state"], decided["decision"]) == ("passed", "go"), decided


def fact(client: httpx.Client, project: str, name: str) -> dict:
    facts = ok(client.get(f"{API}/projects/{project}/readiness", headers=AS_OWNER))["facts"]
    return next(f for f in facts if f["name"] == name)


def complete_and_publish(client: httpx.Client, article: dict, writer: dict[str, str], body: str) -> dict:
    """`writer` fills the draft in (If-Match) and submits it; the author may not approve, EDITOR publishes it."""
    path = f"{KB}/articles/{article['id']}"
    stale = etag(client, path, writer)
    edited = client.patch(path, headers={**writer, "If-Match": stale}, json={"body": body})
    assert edited.status_code == 200, edited.text
    refused = client.patch(path, headers={**writer, "If-Match": stale}, json={"body": body + "\nAgain."})
    assert refused.status_code == 412, refused.text  # the ETag moved with the edit
    assert edited.json()["contributors"] == [edited.json()["contributors"][0]]
    submitted = ok(client.post(f"{path}/submit", headers={**writer, "If-Match": edited.headers["ETag"]}, json={}),
                   201)
    assert submitted["state"] == "open"
    own = client.post(f"{path}/votes", headers=writer, json={"decision": "approve"})
    assert own.status_code == 403 and own.json()["reason"] == "own_article", own.text
    approved = ok(client.post(f"{path}/votes", headers=EDITOR, json={"decision": "approve", "comment": "Clear."}))
    assert approved["article_state"] == "published", approved
    published = ok(client.get(path, headers=READER))
    assert (published["status"], published["body"], published["published_by"]) == ("published", body, "kate.editor")
    return published


# --- 1. a failed change: its review drafted, completed, reviewed, published and found --------------------------

def test_failed_change_review_drafted_completed_reviewed_published_and_found(platform_url: str) -> None:
    team = f"Ledger team e2e-{RUN}"
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        engineer = person(client, f"Lou Ledger {RUN}", team)
        app = ok(client.post("/change/v1/cis", headers=AS_OWNER, json={
            "name": f"ledger-api-e2e-{RUN}", "ci_class": "application", "criticality": 3, "owner_team": team}), 201)
        start = datetime.now(UTC) + timedelta(days=30)
        title = f"Rotate the zephyrine ledger {RUN} signing keys"
        body = {"title": title, "type": "normal", "assignee_id": engineer["id"], "effort_hours": 2,
                "affected_cis": [app["id"]], "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(hours=2)).isoformat(),
                "implementation_plan": "Rotate, redeploy, verify.", "backout_plan": "Restore the old keys."}
        change = wait(client, lambda c: (r := c.post("/change/v1/changes", headers=REQUESTER, json=body)
                                         ).status_code == 201 and r.json(), timeout=15)  # change learns the person
        path = f"/change/v1/changes/{change['id']}"
        assert ok(client.post(f"{path}/submit", headers=REQUESTER))["state"] == "assess"
        assert ok(client.post(f"{path}/assess", headers=CHANGE_MANAGER, json={"comment": "Routine"}))["state"] \
            == "authorize"
        assert ok(client.post(f"{path}/approve", headers=CAB))["state"] == "scheduled"
        ok(client.post(f"{path}/start", headers=REQUESTER, json={}))
        failed = ok(client.post(f"{path}/complete", headers=REQUESTER, json={"outcome": "failed"}))
        assert (failed["state"], failed["outcome"]) == ("review", "failed")

        # Knowledge drafts the post-implementation review from change's event.
        drafts = wait(client, lambda c: ok(c.get(f"{KB}/articles?change_id={change['id']}&kind=change_review",
                                                 headers=EDITOR))["items"], timeout=20)
        assert len(drafts) == 1
        draft = drafts[0]
        assert (draft["status"], draft["author"], draft["owner"]) == ("draft", "tandem", team), draft
        assert title in draft["title"] and "failed" in draft["body"].lower()
        # Drafts are not for readers: search finds it for an editor, not for a viewer.
        phrase = f'"zephyrine ledger {RUN}"'
        assert not ok(client.get(f"{KB}/search", headers=READER, params={"q": phrase}))["items"]

        # An editor who did not write it fills it in; another approves; readers get it.
        text = (draft["body"] + "\n\n## What happened\nThe new zephyrine keys were not trusted by the HSM; "
                "the rotation was rolled back after 20 minutes.\n\n## What we do next\nPre-load the HSM trust "
                "store before rotating.\n")
        published = complete_and_publish(client, draft, FILLER, text)
        assert published["contributors"] == ["lena.ops"] and published["change_id"] == change["id"]

        # Found by search, for anyone, with the phrase marked in the title and the snippet.
        found = ok(client.get(f"{KB}/search", headers=READER, params={"q": phrase}))
        assert [(i["id"], i["kind"], i["status"]) for i in found["items"]] == [
            (draft["id"], "change_review", "published")], found
        hit = found["items"][0]
        assert "<mark>" in hit["title_highlight"] and "<mark>" in hit["snippet"], hit
        assert f"zephyrine ledger {RUN}".lower() in hit["snippet"].lower().replace("<mark>", "").replace("</mark>", "")
        by_change = ok(client.get(f"{KB}/search", headers=READER,
                                  params={"q": "hsm trust store", "change_id": change["id"]}))
        assert [i["id"] for i in by_change["items"]] == [draft["id"]]


# --- 2. a project reaching transition: the handover drafted, completed, reviewed, published, counted -------------

def test_project_in_transition_gets_a_handover_runbook_that_meets_runbooks_published(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=10) as client:
        configure_gates(client)
        service = ok(client.post("/change/v1/cis", headers=AS_OWNER, json={
            "name": f"Parcel tracking (e2e {RUN})", "ci_class": "business_service", "criticality": 3,
            "owner_team": f"Parcel support e2e-{RUN}", "service_owner": SERVICE_OWNER}), 201)
        project = ok(client.post(f"{API}/projects", headers=AS_PM, json={
            "name": f"Parcel tracking {RUN}, knowledge flows (e2e)", "category": "run", "portfolio": PORTFOLIO,
            "sponsor": SPONSOR, "project_manager": PM,
            "problem_statement": "Customers cannot see where their parcels are."}), 201)
        pid = project["id"]
        path = f"{API}/projects/{pid}"
        # Operations named and the service touched: knowledge learns them from the update event.
        ok(client.patch(path, headers={**AS_PM, "If-Match": etag(client, path, AS_PM)}, json={
            "service_owner": SERVICE_OWNER, "support_team": f"Parcel support e2e-{RUN}",
            "services": [{"id": service["id"], "name": service["name"]}]}))
        for gate in GATES:
            pass_gate(client, pid, gate)
        assert ok(client.get(path, headers=AS_PM))["stage"] == "transition"
        assert not fact(client, pid, "runbooks_published")["met"]

        # Knowledge drafts the handover of the delivered service, owned by the service owner.
        drafts = wait(client, lambda c: ok(c.get(f"{KB}/articles?project_id={pid}&kind=handover",
                                                 headers=AS_OWNER))["items"], timeout=20)
        assert len(drafts) == 1
        draft = drafts[0]
        assert (draft["status"], draft["author"], draft["owner"]) == ("draft", "tandem", SERVICE_OWNER), draft
        assert draft["service_ids"] == [service["id"]] and service["name"] in draft["title"]

        # The service owner completes it; another editor reviews and publishes it.
        text = draft["body"] + "\n\n## Restart\n1. Drain the tracking queue\n2. Restart the tracker\n"
        published = complete_and_publish(client, draft, AS_OWNER, text)
        assert published["contributors"] == [SERVICE_OWNER]

        # Portfolio hears of the publication: the handover gate's runbooks_published is met by it.
        runbooks = wait(client, lambda c: (f := fact(c, pid, "runbooks_published"))["met"] and f, timeout=20)
        assert runbooks["details"]["articles"] == [draft["id"]], runbooks
