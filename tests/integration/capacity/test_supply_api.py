"""Supply through the API: teams, skills, person updates, schedules, time off, holidays and available hours."""

from __future__ import annotations

from tests.support import auth, create_app, running

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"


def _app(url: str):
    return create_app("capacity", database_url=url, bootstrap=None, workers=False)


async def _person(client, name: str = "Dana Kim", **extra) -> str:
    body = {"name": name, "team": "Platform", "weekly_hours": 40, **extra}
    response = await client.post(f"{BASE}/people", headers=MANAGER, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _available(client, pid: str, first: str, last: str) -> dict[str, float]:
    response = await client.get(f"{BASE}/people/{pid}/availability?from={first}&to={last}", headers=VIEWER)
    assert response.status_code == 200, response.text
    return {w["week"]: w["available_hours"] for w in response.json()["weeks"]}


async def test_teams_and_skills_catalogue(databases, backend):
    async with running(_app(await databases.fresh("capacity", backend))) as client:
        created = await client.post(f"{BASE}/teams", headers=MANAGER,
                                    json={"name": "Network", "description": "WAN and LAN", "manager": "nora"})
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"{BASE}/teams/Network"
        again = await client.post(f"{BASE}/teams", headers=MANAGER, json={"name": "Network"})
        assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"
        # A person naming an unknown team or skills adds them to the catalogue.
        await _person(client, skills=[{"name": "Kubernetes", "proficiency": 4}])
        await _person(client, "Cleo Diaz", skills=[{"name": "kubernetes", "proficiency": 2}])
        teams = (await client.get(f"{BASE}/teams", headers=VIEWER)).json()["items"]
        assert [t["name"] for t in teams] == ["Network", "Platform"]
        skills = (await client.get(f"{BASE}/skills", headers=VIEWER)).json()["items"]
        assert [(s["name"], s["category"]) for s in skills] == [("Kubernetes", None)]
        dup = await client.post(f"{BASE}/skills", headers=MANAGER, json={"name": "KUBERNETES"})
        assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "name"
        sql = await client.post(f"{BASE}/skills", headers=MANAGER,
                                json={"name": "SQL", "category": "data", "description": "Relational queries"})
        assert sql.status_code == 201, sql.text
        data = (await client.get(f"{BASE}/skills?category=data", headers=VIEWER)).json()["items"]
        assert [s["name"] for s in data] == ["SQL"]

        team = await client.get(f"{BASE}/teams/Network", headers=VIEWER)
        stale = await client.patch(f"{BASE}/teams/Network", headers={**MANAGER, "If-Match": 'W/"9"'},
                                   json={"manager": "ned"})
        assert stale.status_code == 412
        changed = await client.patch(f"{BASE}/teams/Network", headers={**MANAGER, "If-Match": team.headers["etag"]},
                                     json={"manager": "ned"})
        assert changed.status_code == 200 and changed.json()["manager"] == "ned"
        assert changed.json()["description"] == "WAN and LAN" and changed.headers["etag"] != team.headers["etag"]
        assert (await client.get(f"{BASE}/teams/Nowhere", headers=VIEWER)).status_code == 404
        assert (await client.post(f"{BASE}/teams", headers=VIEWER, json={"name": "X"})).status_code == 403


async def test_person_location_cost_rate_and_skills_by_patch(databases, backend):
    async with running(_app(await databases.fresh("capacity", backend))) as client:
        pid = await _person(client)
        person = await client.get(f"{BASE}/people/{pid}", headers=VIEWER)
        assert person.json()["location"] is None and person.json()["cost_rate"] is None
        patched = await client.patch(f"{BASE}/people/{pid}", headers=MANAGER, json={
            "location": "Berlin", "cost_rate": {"amount": "85.50", "currency": "eur"}, "team": "Data",
            "skills": [{"name": "dbt", "proficiency": 3}]})
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert (body["location"], body["cost_rate"], body["team"]) == (
            "Berlin", {"amount": "85.50", "currency": "EUR"}, "Data")
        assert body["skills"] == [{"name": "dbt", "proficiency": 3}]
        assert (await client.get(f"{BASE}/people/{pid}", headers=VIEWER)).json() == body
        assert [t["name"] for t in (await client.get(f"{BASE}/teams", headers=VIEWER)).json()["items"]] == [
            "Data", "Platform"]
        for bad, field in [({"cost_rate": {"amount": "-1", "currency": "EUR"}}, "cost_rate.amount"),
                           ({"cost_rate": {"amount": "10", "currency": "EURO"}}, "cost_rate.currency"),
                           ({"weekly_hours": 0}, "weekly_hours"), ({"team": None}, "body"), ({"age": 3}, "age")]:
            response = await client.patch(f"{BASE}/people/{pid}", headers=MANAGER, json=bad)
            assert response.status_code == 422, (bad, response.text)
            assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
        stale = await client.patch(f"{BASE}/people/{pid}", headers={**MANAGER, "If-Match": person.headers["etag"]},
                                   json={"location": None})
        assert stale.status_code == 412
        current = (await client.get(f"{BASE}/people/{pid}", headers=VIEWER)).headers["etag"]
        assert current == 'W/"2"'
        cleared = await client.patch(f"{BASE}/people/{pid}", headers=MANAGER, json={"cost_rate": None})
        assert cleared.json()["cost_rate"] is None and cleared.json()["location"] == "Berlin"


async def test_schedules_time_off_and_holidays_set_available_hours(databases, backend):
    async with running(_app(await databases.fresh("capacity", backend))) as client:
        pid = await _person(client, location="Berlin")
        assert await _available(client, pid, "2026-12-21", "2027-01-04") == {
            "2026-W52": 40.0, "2026-W53": 40.0, "2027-W01": 40.0}
        schedules = {"schedules": [
            {"effective_from": "2027-01-06", "mon": 8, "tue": 8, "wed": 4, "thu": 0, "fri": 0},
            {"effective_from": "2026-12-30", "mon": 6, "tue": 6, "wed": 6, "thu": 6, "fri": 6, "sat": 0, "sun": 0},
        ]}
        put = await client.put(f"{BASE}/people/{pid}/schedules", headers=MANAGER, json=schedules)
        assert put.status_code == 200, put.text
        got = (await client.get(f"{BASE}/people/{pid}/schedules", headers=VIEWER)).json()["schedules"]
        assert [s["effective_from"] for s in got] == ["2026-12-30", "2027-01-06"]
        # W53: Mon, Tue 8 h (weekly_hours), Wed to Fri 6 h; W01: Mon, Tue 6 h, then Wed 4 h (part time).
        assert await _available(client, pid, "2026-12-28", "2027-01-11") == {
            "2026-W53": 34.0, "2027-W01": 16.0, "2027-W02": 20.0}

        imported = await client.post(f"{BASE}/holidays", headers=MANAGER, json={"holidays": [
            {"location": "Berlin", "date": "2027-01-01", "name": "New Year"},
            {"location": "Paris", "date": "2027-01-01", "name": "Jour de l'an"}]})
        assert imported.json() == {"created": 2, "updated": 0}
        renamed = await client.post(f"{BASE}/holidays", headers=MANAGER, json={"holidays": [
            {"location": "Berlin", "date": "2027-01-01", "name": "Neujahr"}]})
        assert renamed.json() == {"created": 0, "updated": 1}
        twice = await client.post(f"{BASE}/holidays", headers=MANAGER, json={"holidays": [
            {"location": "Rome", "date": "2027-01-06", "name": "A"}, {"location": "Rome", "date": "2027-01-06",
                                                                      "name": "B"}]})
        assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "holidays.1"
        berlin = (await client.get(f"{BASE}/holidays?location=Berlin", headers=VIEWER)).json()["items"]
        assert [(h["date"], h["name"]) for h in berlin] == [("2027-01-01", "Neujahr")]
        assert (await _available(client, pid, "2026-12-28", "2026-12-28")) == {"2026-W53": 28.0}

        off = await client.post(f"{BASE}/people/{pid}/time-off", headers=MANAGER, json={
            "start_date": "2027-01-04", "end_date": "2027-01-05", "kind": "vacation"})
        assert off.status_code == 201, off.text
        pending = await client.post(f"{BASE}/people/{pid}/time-off", headers=MANAGER, json={
            "start_date": "2027-01-11", "end_date": "2027-01-11", "hours_per_day": 3, "kind": "training",
            "approved": False})
        assert await _available(client, pid, "2027-01-04", "2027-01-11") == {"2027-W01": 4.0, "2027-W02": 20.0}
        approve = await client.post(f"{BASE}/people/{pid}/time-off/{pending.json()['id']}/approve", headers=MANAGER)
        assert approve.status_code == 200 and approve.json()["approved"] is True
        assert await _available(client, pid, "2027-01-11", "2027-01-11") == {"2027-W02": 17.0}
        listed = (await client.get(f"{BASE}/people/{pid}/time-off", headers=VIEWER)).json()["items"]
        assert [(t["start_date"], t["kind"]) for t in listed] == [
            ("2027-01-04", "vacation"), ("2027-01-11", "training")]
        deleted = await client.delete(f"{BASE}/people/{pid}/time-off/{off.json()['id']}", headers=MANAGER)
        assert deleted.status_code == 204
        assert await _available(client, pid, "2027-01-04", "2027-01-04") == {"2027-W01": 16.0}
        holiday_id = berlin[0]["id"]
        assert (await client.delete(f"{BASE}/holidays/{holiday_id}", headers=MANAGER)).status_code == 204
        assert await _available(client, pid, "2026-12-28", "2026-12-28") == {"2026-W53": 34.0}

        for body, field in [({"start_date": "2027-01-05", "end_date": "2027-01-04"}, "body"),
                            ({"start_date": "2027-01-05", "end_date": "2027-01-05", "kind": "party"}, "kind"),
                            ({"start_date": "2027-01-05", "end_date": "2027-01-05", "hours_per_day": 0},
                             "hours_per_day")]:
            response = await client.post(f"{BASE}/people/{pid}/time-off", headers=MANAGER, json=body)
            assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
        bad = await client.put(f"{BASE}/people/{pid}/schedules", headers=MANAGER, json={"schedules": [
            {"effective_from": "2027-01-06", "mon": 25, "tue": 8, "wed": 4, "thu": 0, "fri": 0}]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "schedules.0.mon"
        unknown = "00000000-0000-0000-0000-000000000000"
        assert (await client.get(f"{BASE}/people/{unknown}/schedules", headers=VIEWER)).status_code == 404
        missing = await client.delete(f"{BASE}/people/{pid}/time-off/{unknown}", headers=MANAGER)
        assert missing.status_code == 404
