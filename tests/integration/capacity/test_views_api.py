"""Views through the API: person, team and skill utilisation, heatmap (JSON, CSV, pages), finder, alerts."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from tandem_capacity.bookings import service
from tandem_shared.uow import UnitOfWork

from tests.support import auth, check_episodes_now, create_app, running, transaction

MANAGER = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
BASE = "/capacity/v1"
WINDOW = "from=2027-01-04&to=2027-01-18"  # 2027-W01 .. 2027-W03


def _app(url: str):
    return create_app("capacity", database_url=url, bootstrap=None, workers=False)


async def _person(client, name: str, team: str, skills: list | None = None, hours: float = 40) -> str:
    body = {"name": name, "team": team, "weekly_hours": hours, "skills": skills or []}
    response = await client.post(f"{BASE}/people", headers=MANAGER, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _book(app, person: str, source: str, kind: str, start: str, end: str, hours: float) -> None:
    async with transaction(app) as session:
        await service.book(UnitOfWork.of(session), actor="rita", person_id=uuid.UUID(person), source=source,
                           source_id=f"{source}-{uuid.uuid4().hex[:6]}", kind=kind,
                           start=datetime.fromisoformat(start).replace(tzinfo=UTC),
                           end=datetime.fromisoformat(end).replace(tzinfo=UTC), hours=hours)


async def _world(app, client) -> dict[str, str]:
    ids = {
        "ana": await _person(client, "Ana", "Platform", [{"name": "Kubernetes", "proficiency": 4}]),
        "ben": await _person(client, "Ben", "Platform", [{"name": "kubernetes", "proficiency": 2}], hours=20),
        "cy": await _person(client, "Cy", "Network", [{"name": "BGP", "proficiency": 5}]),
    }
    # Ana: 30 h project (soft) and 15 h change (hard) in W01 = 45 h of 40; 10 h operations in W02.
    await _book(app, ids["ana"], "project", "soft", "2027-01-04T00:00", "2027-01-09T00:00", 30)
    await _book(app, ids["ana"], "change", "hard", "2027-01-05T00:00", "2027-01-06T00:00", 15)
    await _book(app, ids["ana"], "operations", "hard", "2027-01-11T00:00", "2027-01-16T00:00", 10)
    # Ben (20 h a week): 10 h project in W01.
    await _book(app, ids["ben"], "project", "hard", "2027-01-04T00:00", "2027-01-09T00:00", 10)
    await check_episodes_now(app)  # what the worker's background task does (this app runs without workers)
    return ids


async def test_person_team_and_skill_utilisation(databases, backend):
    app = _app(await databases.fresh("capacity", backend))
    async with running(app) as client:
        ids = await _world(app, client)
        person = (await client.get(f"{BASE}/people/{ids['ana']}/utilisation?{WINDOW}", headers=VIEWER)).json()
        first = person["weeks"][0]
        assert (first["project_hours"], first["change_hours"], first["soft_hours"], first["hard_hours"],
                first["booked_hours"], first["utilisation"]) == (30.0, 15.0, 30.0, 15.0, 45.0, 1.125)
        team = (await client.get(f"{BASE}/teams/Platform/utilisation?{WINDOW}", headers=VIEWER)).json()
        assert team["people"] == 2 and [w["week"] for w in team["weeks"]] == ["2027-W01", "2027-W02", "2027-W03"]
        w01, w02, w03 = team["weeks"]
        assert (w01["available_hours"], w01["booked_hours"], w01["soft_hours"], w01["hard_hours"]) == (
            60.0, 55.0, 30.0, 25.0)
        assert (w01["utilisation"], w01["people_overallocated"]) == (0.9167, 1)
        assert (w02["operations_hours"], w02["utilisation"], w02["people_overallocated"]) == (10.0, 0.1667, 0)
        assert w03["booked_hours"] == 0.0
        skilled = (await client.get(f"{BASE}/skills/KUBERNETES/utilisation?{WINDOW}&min_proficiency=3",
                                    headers=VIEWER)).json()
        assert (skilled["skill"], skilled["people"], skilled["weeks"][0]["booked_hours"]) == ("Kubernetes", 1, 45.0)
        assert (await client.get(f"{BASE}/skills/COBOL/utilisation", headers=VIEWER)).status_code == 404
        assert (await client.get(f"{BASE}/teams/Nobody/utilisation", headers=VIEWER)).status_code == 404


async def test_heatmap_pages_filters_and_csv(databases, backend):
    app = _app(await databases.fresh("capacity", backend))
    async with running(app) as client:
        ids = await _world(app, client)
        whole = (await client.get(f"{BASE}/heatmap?{WINDOW}", headers=VIEWER)).json()
        assert whole["weeks"] == ["2027-W01", "2027-W02", "2027-W03"] and whole["next_cursor"] is None
        assert [p["name"] for p in whole["people"]] == ["Ana", "Ben", "Cy"]
        ana, ben, cy = whole["people"]
        assert (ana["booked"], ana["available"], ana["utilisation"]) == ([45, 10, 0], [40, 40, 40], [1.125, 0.25, 0])
        assert (ben["booked"], ben["available"], ben["utilisation"]) == ([10, 0, 0], [20, 20, 20], [0.5, 0, 0])
        assert cy["booked"] == [0, 0, 0] and ana["id"] == ids["ana"]
        first = (await client.get(f"{BASE}/heatmap?{WINDOW}&limit=2", headers=VIEWER)).json()
        rest = (await client.get(f"{BASE}/heatmap?{WINDOW}&limit=2&cursor={first['next_cursor']}",
                                 headers=VIEWER)).json()
        assert [p["name"] for p in first["people"] + rest["people"]] == ["Ana", "Ben", "Cy"]
        assert rest["next_cursor"] is None
        skilled = (await client.get(f"{BASE}/heatmap?{WINDOW}&skill=kubernetes&min_proficiency=3",
                                    headers=VIEWER)).json()
        assert [p["name"] for p in skilled["people"]] == ["Ana"]
        network = (await client.get(f"{BASE}/heatmap?{WINDOW}&team=Network", headers=VIEWER)).json()
        assert [p["name"] for p in network["people"]] == ["Cy"]
        bad = await client.get(f"{BASE}/heatmap?{WINDOW}&cursor=nonsense", headers=VIEWER)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
        too_long = await client.get(f"{BASE}/heatmap?from=2027-01-04&to=2029-12-31", headers=VIEWER)
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "to"

        exported = await client.get(f"{BASE}/heatmap.csv?{WINDOW}&team=Platform", headers=VIEWER)
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(exported.text)))
        assert table[0] == ["person_id", "name", "team", "week", "booked_hours", "available_hours", "utilisation"]
        assert table[1] == [ids["ana"], "Ana", "Platform", "2027-W01", "45.0", "40", "1.125"]
        assert len(table) == 1 + 2 * 3


async def test_finder_ranks_by_skill_then_free_hours_then_name(databases, backend):
    app = _app(await databases.fresh("capacity", backend))
    async with running(app) as client:
        ids = await _world(app, client)
        await _person(client, "Dee", "Platform", [{"name": "Kubernetes", "proficiency": 4}])
        found = (await client.get(f"{BASE}/finder?skill=kubernetes&min_proficiency=3&{WINDOW}&hours_per_week=25",
                                  headers=VIEWER)).json()
        assert found["weeks"] == ["2027-W01", "2027-W02", "2027-W03"]
        ranked = [(m["name"], m["skill_match"], m["proficiency"], m["free_hours"], m["short_weeks"], m["fits"])
                  for m in found["items"]]
        # Dee and Ana both hold Kubernetes at 4: Dee is free for all 120 h; Ana has 0 + 30 + 40 free.
        assert ranked == [("Dee", "full", 4, 120.0, 0, True), ("Ana", "full", 4, 70.0, 1, False),
                          ("Ben", "partial", 2, 50.0, 3, False), ("Cy", "none", None, 120.0, 0, True)]
        team = (await client.get(f"{BASE}/finder?team=Network&{WINDOW}", headers=VIEWER)).json()["items"]
        assert [m["person_id"] for m in team] == [ids["cy"]]
        bad = await client.get(f"{BASE}/finder?min_proficiency=6", headers=VIEWER)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "min_proficiency"


async def test_alerts_list_open_episodes(databases, backend):
    app = _app(await databases.fresh("capacity", backend))
    async with running(app) as client:
        ids = await _world(app, client)
        alerts = (await client.get(f"{BASE}/alerts?status=open", headers=VIEWER)).json()["items"]
        assert [(a["person_id"], a["kind"], a["first_week"], a["last_week"], a["peak_utilisation"])
                for a in alerts] == [(ids["ana"], "overallocated", "2027-W01", "2027-W01", 1.125)]
        assert (await client.get(f"{BASE}/alerts?status=cleared", headers=VIEWER)).json()["items"] == []
