"""Who changed what, through the API of every service (SQLite and PostgreSQL): an edit sent with a correlation id
shows in the aggregate's /history with the fields it changed (old and new values), the actor and that id."""

from __future__ import annotations

from typing import Any

from tests.support import auth, create_app, running

VIEWER = auth("vera", "viewer")


def _app(service: str, url: str):  # noqa: ANN202
    return create_app(service, database_url=url, bootstrap=None, workers=False)


def _traced(headers: dict[str, str], correlation_id: str) -> dict[str, str]:
    return {**headers, "X-Correlation-ID": correlation_id}


async def _last(client, path: str) -> dict[str, Any]:  # noqa: ANN001
    response = await client.get(path, headers=VIEWER)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"][-1]


def _changed(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


async def test_a_change_requests_edit(databases, backend):
    requester = auth("alice", "requester")
    async with running(_app("change", await databases.fresh("change", backend))) as client:
        created = await client.post("/change/v1/changes", headers=requester, json={
            "title": "Rotate TLS", "type": "normal", "outage_required": False,
            "planned_start": "2030-12-02T22:00:00+00:00", "planned_end": "2030-12-03T02:00:00+00:00"})
        assert created.status_code == 201, created.text
        path = f"/change/v1/changes/{created.json()['id']}"
        edited = await client.patch(path, headers=_traced(requester, "edit-change-1"),
                                    json={"title": "Rotate TLS certificates", "outage_required": True,
                                          "type": "normal"})
        assert edited.status_code == 200, edited.text

        entry = await _last(client, path + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("update", "alice", "edit-change-1")
        assert _changed(entry) == {"title": ("Rotate TLS", "Rotate TLS certificates"), "outage_required": (False, True)}
        assert entry["detail"]["fields"] == ["outage_required", "title"]  # what the row said before: still there

        first = await client.get(path + "/history?limit=1", headers=VIEWER)
        assert [e["action"] for e in first.json()["items"]] == ["create"] and first.json()["limit"] == 1
        rest = await client.get(f"{path}/history?limit=1&cursor={first.json()['next_cursor']}", headers=VIEWER)
        assert [e["action"] for e in rest.json()["items"]] == ["update"] and rest.json()["next_cursor"] is None

        moved = await client.post(path + "/reschedule", headers=_traced(requester, "move-change-1"), json={
            "planned_start": "2030-12-09T22:00:00+00:00", "planned_end": "2030-12-10T02:00:00+00:00"})
        assert moved.status_code == 200, moved.text
        entry = await _last(client, path + "/history")
        assert (entry["action"], entry["correlation_id"]) == ("reschedule", "move-change-1")
        assert _changed(entry) == {"planned_start": ("2030-12-02T22:00:00+00:00", "2030-12-09T22:00:00+00:00"),
                                   "planned_end": ("2030-12-03T02:00:00+00:00", "2030-12-10T02:00:00+00:00")}


async def test_a_teams_edit(databases, backend):
    manager = auth("rita", "resource_manager")
    async with running(_app("capacity", await databases.fresh("capacity", backend))) as client:
        created = await client.post("/capacity/v1/teams", headers=manager,
                                    json={"name": "Platform", "description": "Clusters", "manager": "mia"})
        assert created.status_code == 201, created.text
        edited = await client.patch("/capacity/v1/teams/Platform", headers=_traced(manager, "edit-team-1"),
                                    json={"description": "Clusters and databases", "manager": "mia"})
        assert edited.status_code == 200, edited.text

        entry = await _last(client, "/capacity/v1/teams/Platform/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("update", "rita", "edit-team-1")
        assert _changed(entry) == {"description": ("Clusters", "Clusters and databases")}  # the manager stayed
        assert (await client.get("/capacity/v1/teams/Nobody/history", headers=VIEWER)).status_code == 404


async def test_an_articles_edit(databases, backend):
    editor = auth("kim", "knowledge_editor")
    async with running(_app("knowledge", await databases.fresh("knowledge", backend))) as client:
        created = await client.post("/knowledge/v1/articles", headers=editor, json={
            "title": "Restart the gateway", "kind": "runbook", "body": "1. Drain"})
        assert created.status_code == 201, created.text
        path = f"/knowledge/v1/articles/{created.json()['id']}"
        edited = await client.patch(path, headers=_traced(editor, "edit-article-1"),
                                    json={"title": "Restart the payment gateway", "owner": "payments-team"})
        assert edited.status_code == 200, edited.text

        entry = await _last(client, path + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("edit", "kim", "edit-article-1")
        assert _changed(entry) == {"title": ("Restart the gateway", "Restart the payment gateway"),
                                   "owner": ("kim", "payments-team")}


async def test_a_projects_edit(databases, backend):
    manager = auth("paula", "project_manager")
    async with running(_app("portfolio", await databases.fresh("portfolio", backend))) as client:
        created = await client.post("/portfolio/v1/projects", headers=manager, json={
            "name": "Portal relaunch", "budget_amount": "1000", "budget_currency": "EUR"})
        assert created.status_code == 201, created.text
        path = f"/portfolio/v1/projects/{created.json()['id']}"
        edited = await client.patch(path, headers=_traced(manager, "edit-project-1"),
                                    json={"name": "Customer portal relaunch", "budget_amount": "1250.5"})
        assert edited.status_code == 200, edited.text

        entry = await _last(client, path + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("update", "paula", "edit-project-1")
        assert _changed(entry) == {"name": ("Portal relaunch", "Customer portal relaunch"),
                                   "budget_amount": ("1000.00", "1250.50")}


async def test_a_kpi_targets_edit(databases, backend):
    pmo = auth("pat", "pmo")
    url = "/metrics/v1/kpis/csat_average/targets/service:svc-pay"
    async with running(_app("metrics", await databases.fresh("metrics", backend))) as client:
        body = {"target": 4.5, "green": 3.9, "amber": 3.0, "owner": "svc-pay-owner"}
        assert (await client.put(url, headers=_traced(pmo, "set-target-1"), json=body)).status_code == 200
        moved = await client.put(url, headers=_traced(pmo, "set-target-2"), json={**body, "green": 4.1})
        assert moved.status_code == 200, moved.text

        entry = await _last(client, url + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("set_target", "pat", "set-target-2")
        assert _changed(entry) == {"green": (3.9, 4.1)}


async def test_a_persons_edit_and_a_bookings_move(databases, backend):
    manager = auth("rita", "resource_manager")
    async with running(_app("capacity", await databases.fresh("capacity", backend))) as client:
        people = [(await client.post("/capacity/v1/people", headers=manager, json={
            "name": name, "team": "Platform", "weekly_hours": 40})).json()["id"] for name in ("Dana", "Eli")]
        person = f"/capacity/v1/people/{people[0]}"
        edited = await client.patch(person, headers=_traced(manager, "edit-person-1"), json={"weekly_hours": 32})
        assert edited.status_code == 200, edited.text
        entry = await _last(client, person + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("update", "rita", "edit-person-1")
        assert _changed(entry) == {"weekly_hours": (40, 32)}

        booked = await client.post("/capacity/v1/bookings", headers=manager, json={
            "person_id": people[0], "source": "operations", "source_id": "patch-night", "kind": "soft",
            "start": "2027-01-04T00:00:00Z", "end": "2027-01-18T00:00:00Z", "hours": 30})
        assert booked.status_code == 201, booked.text
        booking = f"/capacity/v1/bookings/{booked.json()['id']}"
        moved = await client.post(booking + "/move", headers=_traced(manager, "move-booking-1"), json={
            "person_id": people[1], "hours": 20, "reason": "Dana is on leave"})
        assert moved.status_code == 200, moved.text

        entry = await _last(client, booking + "/history")
        assert (entry["action"], entry["actor"], entry["correlation_id"]) == ("move", "rita", "move-booking-1")
        assert _changed(entry) == {"person_id": (people[0], people[1]), "hours": (30, 20)}
