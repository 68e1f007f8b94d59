"""The embedded default end to end: `tandem up` (its own broker, SQLite, demo data) driven over HTTP."""

from __future__ import annotations

import httpx
import pytest
from tandem_shared.seed_portfolio import PROJECTS as DEMO_PROJECTS
from tandem_shared.settings import SERVICES

from tests.e2e.helpers import wait as _wait
from tests.support import auth

pytestmark = pytest.mark.e2e
RM = auth("rita.manager", "resource_manager")
REQUESTER = auth("sam.requester", "requester")
CAB = auth("carol.cab", "cab_member")


def test_demo_data_and_every_service_behind_one_address(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=5) as client:
        index = client.get("/").json()["services"]
        assert sorted(index) == sorted(SERVICES)
        for service in SERVICES:
            assert client.get(f"/{service}/openapi.json").json()["info"]["title"].lower().endswith(service)
        people = client.get("/capacity/v1/people?limit=200", headers=RM).json()["items"]
        # Other end-to-end modules share this platform and add people of their own (without an email).
        assert len([p for p in people if (p["email"] or "").endswith("@example.org")]) == 8
        states = {c["state"] for c in client.get("/change/v1/changes?limit=200", headers=RM).json()["items"]}
        assert {"new", "assess", "scheduled", "canceled"} <= states
        assert client.get("/portfolio/v1/projects", headers=RM).json()["items"]
        assert client.get("/knowledge/v1/articles", headers=RM).json()["items"]
        articles = client.get("/knowledge/v1/articles?limit=200", headers=RM).json()["items"]
        # The demo's four; others are drafted from events (change reviews, the closed projects' lessons learned).
        assert len([a for a in articles if "demo" in a["tags"]]) == 4
        projects = client.get("/portfolio/v1/projects?limit=200", headers=RM).json()["items"]
        demo = [p for p in projects if not p["name"].endswith("(e2e)")]
        assert len(demo) == len(DEMO_PROJECTS)
        assert {p["stage"] for p in demo} == {"idea", "proposed", "approved", "planning", "executing", "transition",
                                               "closed", "on_hold", "terminated"}
        models = client.get("/portfolio/v1/scoring-models", headers=RM).json()["items"]
        assert all(client.get(f"/portfolio/v1/scoring-models/{m['id']}/ranking", headers=RM).json()["items"]
                   for m in models) and models
        assert client.get("/portfolio/v1/cash-flow", headers=RM).json()["currencies"][0]["periods"]

        def counted(c: httpx.Client) -> bool:
            # Articles drafted from the demo's events (the closed projects' lessons learned) may still be arriving.
            now = {k["key"]: k["value"] for k in c.get("/metrics/v1/kpis", headers=RM).json()["items"]}
            projects = len(c.get("/portfolio/v1/projects?limit=200", headers=RM).json()["items"])
            articles = len(c.get("/knowledge/v1/articles?limit=200", headers=RM).json()["items"])
            return now["projects_created"] == projects and now["articles_created"] == articles
        _wait(client, counted, timeout=10)
        assert client.get("/nowhere").status_code == 404


def test_approved_change_books_hours_and_moves_kpis_and_cancel_releases(platform_url: str) -> None:
    with httpx.Client(base_url=platform_url, timeout=5) as client:
        person = client.post("/capacity/v1/people", headers=RM, json={
            "name": "Ivy Flow", "team": "Platform", "skills": [{"name": "linux", "proficiency": 4}],
            "weekly_hours": 40}).json()
        body = {"title": "Resize the message queue", "type": "normal", "assignee_id": person["id"],
                "effort_hours": 10, "planned_start": "2055-03-01T08:00:00+00:00",
                "planned_end": "2055-03-01T18:00:00+00:00"}
        change = _wait(client, lambda c: (r := c.post("/change/v1/changes", headers=REQUESTER, json=body)
                                          ).status_code == 201 and r.json())
        path = f"/change/v1/changes/{change['id']}"

        assert client.post(f"{path}/approve", json={}).status_code == 401
        assert client.post(f"{path}/submit", headers=REQUESTER).json()["state"] == "assess"
        assessed = client.post(f"{path}/assess", headers=auth("mo.manager", "change_manager"))
        assert assessed.status_code == 200 and assessed.json()["state"] == "authorize", assessed.text
        assert assessed.json()["risk"] == "low"  # the demo's change managers group (carol.cab) authorises it
        own = client.post(f"{path}/approve", headers=auth("sam.requester", "requester", "cab_member"))
        assert own.status_code == 403 and own.headers["content-type"] == "application/problem+json"

        before = {k["key"]: k["value"] for k in client.get("/metrics/v1/kpis", headers=RM).json()["items"]}
        approved = client.post(f"{path}/approve", headers=CAB)
        assert approved.status_code == 200 and approved.json()["state"] == "scheduled"

        bookings_url = f"/capacity/v1/people/{person['id']}/bookings"
        booking = _wait(client, lambda c: c.get(bookings_url, headers=RM).json()["items"], timeout=5)
        assert [(b["source"], b["source_id"], b["hours"]) for b in booking] == [("change", change["id"], 10)]
        week = client.get(f"/capacity/v1/people/{person['id']}/utilisation?from=2055-03-01&to=2055-03-07",
                          headers=RM).json()
        rows = week["weeks"]
        assert rows[0]["week"] == "2055-W09" and rows[0]["booked_hours"] == 10 and rows[0]["utilisation"] == 0.25

        def kpis_moved(c: httpx.Client):
            now = {k["key"]: k for k in c.get("/metrics/v1/kpis", headers=RM).json()["items"]}
            return now if now["changes_approved"]["value"] == before["changes_approved"] + 1 and any(
                p["period"] == "2055-W09" and p["value"] == 10 for p in now["change_hours_booked"]["series"]) else None
        _wait(client, kpis_moved, timeout=5)

        canceled = client.post(f"{path}/cancel", headers=REQUESTER, json={"comment": "window lost"})
        assert canceled.json()["state"] == "canceled"
        _wait(client, lambda c: c.get(bookings_url, headers=RM).json()["items"] == [], timeout=5)
        released = client.get(f"{bookings_url}?status=released", headers=RM).json()["items"]
        assert [b["source_id"] for b in released] == [change["id"]]

        def released_in_kpis(c: httpx.Client):
            now = {k["key"]: k for k in c.get("/metrics/v1/kpis", headers=RM).json()["items"]}
            return now["changes_canceled"]["value"] == before["changes_canceled"] + 1 and all(
                p["value"] == 0 for p in now["change_hours_booked"]["series"] if p["period"] == "2055-W09")
        _wait(client, released_in_kpis, timeout=5)

        again = client.post(f"{path}/approve", headers=CAB)
        assert again.status_code == 409 and again.json()["allowed_transitions"] == []
