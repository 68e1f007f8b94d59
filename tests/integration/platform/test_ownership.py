"""Ownership (docs/authorization.md): a writing role acts on what is its own, and the roles that act on anything of
a kind act on all of it; someone else's entity is a 403 problem that changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.integration.change.flows import MANAGER, REQUESTER, known_person, raise_change
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
        _forbidden(await client.patch(mine, headers=paul, json={"description": "Mine now"}), "edit")
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


async def test_a_service_owner_changes_only_their_own_configuration_items_and_windows(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    sofia, sam, cm = auth("sofia", "service_owner"), auth("sam", "service_owner"), auth("carl", "change_manager")
    async with running(app) as client:
        async def ci(name: str, headers: dict[str, str], **fields) -> str:
            created = await client.post("/change/v1/cis", headers=headers,
                                        json={"name": name, "ci_class": "server", **fields})
            assert created.status_code == 201, created.text
            return created.json()["id"]

        mine, named, other = await ci("mail-01", sofia), await ci("mail-02", cm, service_owner="sofia"), \
            await ci("wiki-01", sam)
        window = {"rrule": "FREQ=DAILY", "starts_at": "2030-01-01T02:00:00Z", "duration_minutes": 60}
        mw = await client.post(f"/change/v1/cis/{mine}/maintenance-windows", headers=sofia, json=window)
        rel = await client.post(f"/change/v1/cis/{mine}/relationships", headers=sofia,
                                json={"target_id": other, "type": "runs_on"})
        bw = await client.post("/change/v1/blackout-windows", headers=sofia, json={
            "name": "Mail freeze", "scope": "ci", "ci_id": mine, "start": "2030-01-01T00:00:00Z",
            "end": "2030-01-02T00:00:00Z"})
        assert (mw.status_code, rel.status_code, bw.status_code) == (201, 201, 201), (mw.text, rel.text, bw.text)

        _forbidden(await client.patch(f"/change/v1/cis/{mine}", headers=sam, json={"criticality": 1}), "edit")
        _forbidden(await client.delete(f"/change/v1/cis/{mine}", headers=sam), "retire")
        _forbidden(await client.post(f"/change/v1/cis/{mine}/relationships", headers=sam,
                                     json={"target_id": named, "type": "runs_on"}), "relate")
        _forbidden(await client.delete(f"/change/v1/relationships/{rel.json()['id']}", headers=sam), "unrelate")
        _forbidden(await client.post(f"/change/v1/cis/{mine}/maintenance-windows", headers=sam, json=window), "mw")
        _forbidden(await client.delete(f"/change/v1/maintenance-windows/{mw.json()['id']}", headers=sam), "mw off")
        blackout = f"/change/v1/blackout-windows/{bw.json()['id']}"
        _forbidden(await client.patch(blackout, headers=sam, json={"name": "Mine"}), "blackout")
        _forbidden(await client.delete(blackout, headers=sam), "blackout off")
        imported = await client.post("/change/v1/cis/import", headers=sam,
                                     json=[{"name": "mail-01", "ci_class": "server", "criticality": 1}])
        assert [e["field"] for e in imported.json()["errors"]] == ["name"], imported.text
        current = (await client.get(f"/change/v1/cis/{mine}", headers=sam)).json()
        assert (current["status"], current["criticality"]) == ("active", 3), current

        # The CI's named service owner, its registrar and change managers act on it.
        assert (await client.patch(f"/change/v1/cis/{named}", headers=sofia, json={"criticality": 2})).is_success
        assert (await client.patch(f"/change/v1/cis/{mine}", headers=sofia, json={"criticality": 2})).is_success
        assert (await client.patch(blackout, headers=sofia, json={"name": "Mail freeze 2"})).is_success
        assert (await client.patch(f"/change/v1/cis/{other}", headers=cm, json={"criticality": 2})).is_success
        assert (await client.delete(blackout, headers=cm)).status_code == 204


async def test_a_planner_changes_and_deletes_only_the_scenarios_they_made(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    pia, omar, rm = auth("pia", "project_manager"), auth("omar", "pmo"), auth("rae", "resource_manager")
    async with running(app) as client:
        person = await client.post("/capacity/v1/people", headers=rm,
                                   json={"name": "Dana Kim", "team": "Platform", "weekly_hours": 40})
        scenarios = []
        for _ in range(2):
            made = await client.post("/capacity/v1/scenarios", headers=pia, json={
                "name": "Hire later", "from": "2030-01-07", "to": "2030-03-31"})
            assert made.status_code == 201, made.text
            scenarios.append(f"/capacity/v1/scenarios/{made.json()['id']}")
        mine, other = scenarios
        add = {"action": "add", "person_id": person.json()["id"], "source": "operations", "source_id": "on-call",
               "kind": "soft", "start": "2030-01-07T00:00:00Z", "end": "2030-01-12T00:00:00Z", "hours": 8}
        _forbidden(await client.post(f"{mine}/moves", headers=omar, json=add), "move")
        _forbidden(await client.delete(mine, headers=omar), "delete")
        assert (await client.get(mine, headers=omar)).status_code == 200
        assert (await client.post(f"{mine}/moves", headers=pia, json=add)).status_code == 200
        assert (await client.delete(mine, headers=pia)).status_code == 204
        assert (await client.delete(other, headers=rm)).status_code == 204  # resource managers act on every one


async def test_a_service_owner_redefines_and_deletes_only_the_operations_work_they_defined(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    sofia, sam, rm = auth("sofia", "service_owner"), auth("sam", "service_owner"), auth("rae", "resource_manager")
    async with running(app) as client:
        person = (await client.post("/capacity/v1/people", headers=rm,
                                    json={"name": "Dana Kim", "team": "Ops", "weekly_hours": 40})).json()["id"]
        work = {"person_id": person, "hours_per_week": 4, "start": "2030-01-07", "end": "2030-01-25",
                "description": "Mail queue triage"}
        rotation = {"team": "Ops", "members": [person], "rotation_weeks": 1, "hours_per_week": 10,
                    "start": "2030-01-07", "end": "2030-01-27", "description": "Mail on-call"}
        definitions = []
        for path, body in (("run-work", work), ("rotations", rotation)):
            made = await client.post(f"/capacity/v1/operations/{path}", headers=sofia, json=body)
            assert made.status_code == 201, made.text
            definitions.append((f"/capacity/v1/operations/{path}/{made.json()['id']}", body))
        for url, body in definitions:
            _forbidden(await client.put(url, headers=sam, json={**body, "hours_per_week": 1}), ("redefine", url))
            _forbidden(await client.delete(url, headers=sam), ("delete", url))
            assert (await client.get(url, headers=sam)).json()["hours_per_week"] == body["hours_per_week"]
            redefined = await client.put(url, headers=sofia, json={**body, "hours_per_week": 2})
            assert redefined.status_code == 200, redefined.text
            assert (await client.delete(url, headers=rm)).status_code == 204  # resource managers act on all


async def test_a_requester_edits_submits_and_cancels_only_the_changes_they_raised(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    other = auth("rob", "requester")
    async with running(app) as client:
        change = await raise_change(client, assignee_id=str(await known_person(app)), effort_hours=2)
        path = f"/change/v1/changes/{change['id']}"
        _forbidden(await client.patch(path, headers=other, json={"title": "Mine now"}), "edit")
        _forbidden(await client.post(f"{path}/submit", headers=other), "submit")
        _forbidden(await client.post(f"{path}/cancel", headers=other, json={"comment": "Not needed"}), "cancel")
        _forbidden(await client.post(f"{path}/impact?depth=0", headers=other), "impact")
        _forbidden(await client.post(f"{path}/impact", headers=auth("sofia", "service_owner")), "impact")
        assert (await client.get(path, headers=other)).json()["state"] == "new"
        assert (await client.post(f"{path}/impact", headers=auth("cara", "cab_member"))).status_code == 200
        assert (await client.patch(path, headers=REQUESTER, json={"title": "Patch the mail relays"})).is_success
        canceled = await client.post(f"{path}/cancel", headers=MANAGER, json={"comment": "Duplicate"})
        assert canceled.status_code == 200 and canceled.json()["state"] == "canceled", canceled.text
