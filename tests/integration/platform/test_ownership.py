"""Ownership (docs/authorization.md): a writing role acts on what is its own, and the roles that act on anything of
a kind act on all of it; someone else's entity is a 403 problem that changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.support import auth, create_app, running


def _forbidden(response, context) -> None:
    assert response.status_code == 403, (context, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_requester_edits_only_the_articles_they_wrote_or_own(databases, backend):
    app = create_app("knowledge", database_url=await databases.fresh("knowledge", backend), bootstrap=None,
                     workers=False)
    author, other = auth("rita", "requester"), auth("rob", "requester")
    async with running(app) as client:
        created = await client.post("/knowledge/v1/articles", headers=author,
                                    json={"title": "Reset a VPN token", "kind": "how_to", "body": "Steps"})
        assert created.status_code == 201, created.text
        path = f"/knowledge/v1/articles/{created.json()['id']}"
        _forbidden(await client.patch(path, headers=other, json={"body": "Call me instead"}), "edit")
        _forbidden(await client.post(f"{path}/submit", headers=other), "submit")
        _forbidden(await client.post(f"{path}/retire", headers=other, json={"reason": "mine now"}), "retire")
        assert (await client.get(path, headers=other)).json()["title"] == "Reset a VPN token"
        assert (await client.patch(path, headers=author, json={"body": "Steps, then reboot"})).status_code == 200
        edited = await client.patch(path, headers=auth("kim", "knowledge_editor"), json={"title": "Reset VPN token"})
        assert edited.status_code == 200, edited.text  # knowledge editors act on every article


async def test_a_project_manager_defers_and_terminates_only_their_own_projects(databases, backend):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend), bootstrap=None,
                     workers=False)
    pia, paul = auth("pia", "project_manager"), auth("paul", "project_manager")
    async with running(app) as client:
        ids = []
        for name in ("Mail migration", "Wiki migration"):
            created = await client.post("/portfolio/v1/projects", headers=pia, json={"name": name})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        mine, theirs = (f"/portfolio/v1/projects/{pid}" for pid in ids)
        _forbidden(await client.post(f"{mine}/defer", headers=paul, json={"reason": "not mine"}), "defer")
        _forbidden(await client.post(f"{mine}/terminate", headers=paul, json={"reason": "not mine"}), "terminate")
        _forbidden(await client.put(f"{mine}/demand", headers=paul, json={"lines": []}), "demand")
        milestone = {"name": "Cut-over", "forecast_date": "2030-03-01"}
        _forbidden(await client.post(f"{mine}/milestones", headers=paul, json=milestone), "milestone")
        assert (await client.get(mine, headers=paul)).json()["stage"] == "idea"
        deferred = await client.post(f"{mine}/defer", headers=pia, json={"reason": "Budget freeze"})
        assert deferred.status_code == 201, deferred.text
        ended = await client.post(f"{theirs}/terminate", headers=auth("omar", "pmo"), json={"reason": "Duplicate"})
        assert ended.status_code == 201, ended.text  # the PMO acts on every project
        named = await client.patch(f"{mine}", headers=pia, json={"project_manager": "paul"})
        assert named.status_code == 200, named.text
        terminated = await client.post(f"{mine}/terminate", headers=paul, json={"reason": "Handed to me"})
        assert terminated.status_code == 201, terminated.text  # the project's named manager


async def test_a_project_manager_moves_and_releases_only_the_bookings_they_made(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    pia, paul, rm = auth("pia", "project_manager"), auth("paul", "project_manager"), auth("rae", "resource_manager")
    async with running(app) as client:
        person = await client.post("/capacity/v1/people", headers=rm,
                                   json={"name": "Dana Kim", "team": "Platform", "weekly_hours": 40})
        assert person.status_code == 201, person.text
        bookings = []
        for _ in range(2):
            booked = await client.post("/capacity/v1/bookings", headers=pia, json={
                "person_id": person.json()["id"], "source_id": "patch-night", "start": "2030-01-07T00:00:00Z",
                "end": "2030-01-12T00:00:00Z", "hours": 8})
            assert booked.status_code == 201, booked.text
            bookings.append(f"/capacity/v1/bookings/{booked.json()['id']}")
        mine, other = bookings
        _forbidden(await client.post(f"{mine}/release", headers=paul, json={"reason": "mine now"}), "release")
        _forbidden(await client.post(f"{mine}/confirm", headers=paul), "confirm")
        _forbidden(await client.post(f"{mine}/move", headers=paul, json={"hours": 1, "reason": "mine now"}), "move")
        assert (await client.get(mine, headers=paul)).json()["status"] == "active"
        assert (await client.post(f"{mine}/release", headers=pia)).json()["status"] == "released"
        released = await client.post(f"{other}/release", headers=rm)
        assert released.status_code == 200 and released.json()["status"] == "released", released.text
