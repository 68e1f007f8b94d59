"""The portfolio API on a real database (SQLite and PostgreSQL) with the real broker: intake, reading, listing."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from tests.support import auth, create_app, eventually, running, walk_pages

PM = auth("paula", "project_manager")
PMO = auth("omar", "pmo")
PROPOSAL = {
    "name": "Customer portal relaunch", "category": "transform", "sponsor": "cfo", "description": "Replace it.",
    "start_date": "2027-01-04", "go_live_date": "2027-06-30", "budget_amount": "1250000.5", "budget_currency": "EUR",
}


def _app(url: str, broker):
    return create_app("portfolio", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)


async def test_create_read_history_and_event(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        created = await client.post("/portfolio/v1/projects", headers=PM, json=PROPOSAL)
        assert created.status_code == 201, created.text
        project = created.json()
        pid = project["id"]
        assert created.headers["Location"] == f"/portfolio/v1/projects/{pid}"
        assert created.headers["ETag"] == 'W/"1"'
        assert project["stage"] == "idea" and project["category"] == "transform"  # an intake is an idea
        assert project["created_by"] == "paula" and project["version"] == 1
        assert (project["portfolio"], project["objectives"], project["services"], project["cis"]) == (
            "default", [], [], [])
        assert project["stakeholders"] == [{"sub": "cfo", "role": "sponsor"}]
        assert project["budget_amount"] == "1250000.50" and project["budget_currency"] == "EUR"

        read = await client.get(f"/portfolio/v1/projects/{pid}", headers=auth("vera", "viewer"))
        assert read.status_code == 200 and read.headers["ETag"] == 'W/"1"'
        assert read.json() == project

        minimal = await client.post("/portfolio/v1/projects", headers=PMO, json={"name": "Backup refresh"})
        assert minimal.status_code == 201, minimal.text
        assert minimal.json()["category"] == "grow" and minimal.json()["budget_amount"] is None

        history = (await client.get(f"/portfolio/v1/projects/{pid}/history", headers=PM)).json()["items"]
        assert [(h["actor"], h["action"], h["to_state"]) for h in history] == [("paula", "create", "idea")]

        async def all_published():
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT payload, published_at FROM outbox ORDER BY seq"))).all()
            return rows if len(rows) == 2 and all(r.published_at for r in rows) else None

        rows = await eventually(all_published)
        payload = rows[0].payload if isinstance(rows[0].payload, dict) else json.loads(rows[0].payload)
        assert payload["type"] == "portfolio.project.created.v1" and payload["subject"] == pid
        assert payload["actor"] == "paula"
        assert payload["data"] == {
            "id": pid, "name": "Customer portal relaunch", "category": "transform", "stage": "idea",
            "sponsor": "cfo", "start_date": "2027-01-04", "go_live_date": "2027-06-30", "created_by": "paula",
            "project_manager": None, "service_owner": None, "support_team": None, "delivery_team": None,
            "services": [], "cis": []}


async def test_bad_input_is_a_problem_naming_the_field(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        cases = [
            ({"name": "ab"}, "name"),
            ({"name": "Backwards", "start_date": "2027-06-01", "go_live_date": "2027-05-31"}, "go_live_date"),
            ({"name": "Negative", "budget_amount": -1, "budget_currency": "EUR"}, "budget_amount"),
            ({"name": "Fractions", "budget_amount": "10.001", "budget_currency": "EUR"}, "budget_amount"),
            ({"name": "Too big", "budget_amount": "1000000000000", "budget_currency": "EUR"}, "budget_amount"),
            ({"name": "No currency", "budget_amount": 100}, "budget_currency"),
            ({"name": "Lower currency", "budget_amount": 100, "budget_currency": "eur"}, "budget_currency"),
            ({"name": "Odd category", "category": "shrink"}, "category"),
            ({"name": "Set own stage", "stage": "approved"}, "stage"),
            ({"name": "Odd portfolio", "portfolio": "a b"}, "portfolio"),
            ({"name": "Over-contributing", "objectives": [{"objective_id": str(uuid.uuid4()), "contribution": 6}]},
             "objectives.0.contribution"),
            ({"name": "Unknown objective", "objectives": [{"objective_id": str(uuid.uuid4()), "contribution": 3}]},
             "objectives.0.objective_id"),
            ({"name": "Bad CI", "cis": [{"id": "not-a-uuid"}]}, "cis.0.id"),
            ({"name": "Sponsor twice", "stakeholders": [{"sub": "cfo", "role": "sponsor"}]}, "stakeholders"),
            ({"name": "Bad date", "start_date": "2027-02-30"}, "start_date"),
        ]
        for body, field in cases:
            response = await client.post("/portfolio/v1/projects", headers=PM, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
        same_day = await client.post("/portfolio/v1/projects", headers=PM, json={
            "name": "One-day go-live", "start_date": "2027-06-01", "go_live_date": "2027-06-01"})
        assert same_day.status_code == 201, same_day.text

        unknown = uuid.uuid4()
        for path in (f"/portfolio/v1/projects/{unknown}", f"/portfolio/v1/projects/{unknown}/history"):
            missing = await client.get(path, headers=PM)
            assert missing.status_code == 404 and missing.json()["status"] == 404
        assert (await client.get("/portfolio/v1/projects")).status_code == 401
        assert (await client.post("/portfolio/v1/projects", json={"name": "No token"})).status_code == 401
        refused = await client.post("/portfolio/v1/projects", headers=auth("vera", "viewer"), json={"name": "Viewer"})
        assert refused.status_code == 403 and "requester" in refused.json()["required_roles"]
        assert "viewer" not in refused.json()["required_roles"]
        # Any writing role submits an idea; only the PMO enters a project as proposed.
        requester = auth("alice", "requester", "change_manager")
        idea = await client.post("/portfolio/v1/projects", headers=requester, json={"name": "Requester's idea"})
        assert idea.status_code == 201 and idea.json()["stage"] == "idea"
        skip = await client.post("/portfolio/v1/projects", headers=requester,
                                 json={"name": "Skip", "stage": "proposed"})
        assert skip.status_code == 403 and skip.json()["required_roles"] == ["pmo"]
        proposed = await client.post("/portfolio/v1/projects", headers=PMO,
                                     json={"name": "Mandated", "stage": "proposed"})
        assert proposed.status_code == 201 and proposed.json()["stage"] == "proposed"
        assert (await client.get("/portfolio/v1/projects?cursor=garbage", headers=PM)).status_code == 422
        bad_filter = await client.get("/portfolio/v1/projects?stage=dreaming", headers=PM)
        assert bad_filter.status_code == 422 and bad_filter.json()["errors"][0]["field"] == "stage"
        async with app.state.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM projects"))).scalar() == 3


async def test_list_paginates_with_a_stable_cursor_and_filters(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        specs = [("Zeta platform", "run", "cio"), ("Alpha 100% uptime", "grow", "cfo"),
                 ("Beta migration", "transform", "cio"),
                 ("Gamma ALPHA pilot", "grow", None), ("Delta cleanup", "run", "cfo")]
        ids = []
        for name, category, sponsor in specs:
            r = await client.post("/portfolio/v1/projects", headers=PM, json={
                "name": name, "category": category, **({"sponsor": sponsor} if sponsor else {})})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])


        assert await walk_pages(client, "/portfolio/v1/projects", PM) == list(reversed(ids))
        assert await walk_pages(client, "/portfolio/v1/projects", PM, "sort=created_at") == ids
        # Capitalised, distinct first letters: the same order under any collation.
        assert await walk_pages(client, "/portfolio/v1/projects", PM, "sort=name") == [
            ids[1], ids[2], ids[4], ids[3], ids[0]]

        async def ids_for(query: str) -> list[str]:
            r = await client.get(f"/portfolio/v1/projects?{query}", headers=PM)
            assert r.status_code == 200, r.text
            return sorted(p["id"] for p in r.json()["items"])

        assert await ids_for("category=run") == sorted([ids[0], ids[4]])
        assert await ids_for("sponsor=cfo") == sorted([ids[1], ids[4]])
        assert await ids_for("category=grow&sponsor=cfo") == [ids[1]]
        assert await ids_for("stage=idea") == sorted(ids)
        assert await ids_for("stage=closed") == []
        assert await ids_for("q=alpha") == sorted([ids[1], ids[3]])
        assert await ids_for("q=%25") == [ids[1]]  # a literal %, not a wildcard
        assert await ids_for("q=_") == []
