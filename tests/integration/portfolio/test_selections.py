"""Capacity-aware portfolio selection on SQLite and PostgreSQL with the real broker: portfolio's capacity outlook
follows capacity's snapshots; a run is answered at once or in the background; infeasible and bad input are 422
problems; committing a run resumes and defers projects, and capacity books and releases their demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tandem_portfolio.capacity_outlook.weeks import label

from tests.support import auth, create_app, eventually, running, walk_pages

PMO = auth("omar", "pmo")
PM = auth("pia", "project_manager")
RM = auth("rita", "resource_manager")
VIEWER = auth("vera", "viewer")
API = "/portfolio/v1"
TIMEOUT = 25.0


def _this_monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


async def _project(client, name: str, *, benefit: str, lines: list[dict] | None = None,
                   category: str = "grow") -> str:
    created = await client.post(f"{API}/projects", headers=PMO, json={
        "name": name, "sponsor": "sam", "category": category, "stage": "proposed"})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    month = f"{datetime.now(UTC).year + 1}-01"
    case = await client.put(f"{API}/projects/{pid}/business-case", headers=PMO, json={
        "currency": "EUR", "discount_rate": 0, "horizon_start": month, "lines": [
            {"month": month, "kind": "capex", "amount": "1000.00"},
            {"month": month, "kind": "benefit", "amount": benefit}]})
    assert case.status_code == 200, case.text
    if lines:
        planned = await client.put(f"{API}/projects/{pid}/demand", headers=PMO, json={"lines": lines})
        assert planned.status_code == 200, planned.text
    return pid


def _line(start: date, weeks: int, *, hours: float = 8, person: str | None = None) -> dict:
    line = {"role": "DBA", "skill": "dba", "hours_per_week": hours, "start": str(start),
            "end": str(start + timedelta(weeks=weeks, days=-3))}
    return line | ({"person_id": person} if person else {})


async def test_the_capacity_outlook_follows_capacitys_snapshots(databases, backend, broker, monkeypatch):
    monkeypatch.setenv("TANDEM_CAPACITY_SNAPSHOT_INTERVAL_SECONDS", "0.3")
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(capacity) as cap, running(portfolio) as pf:
        assert (await pf.get(f"{API}/capacity-outlook", headers=VIEWER)).status_code == 404
        dana = (await cap.post("/capacity/v1/people", headers=RM, json={
            "name": "Dana", "team": "Data", "weekly_hours": 40,
            "skills": [{"name": "DBA", "proficiency": 4}]})).json()["id"]
        monday = datetime.combine(_this_monday() + timedelta(weeks=2), datetime.min.time(), UTC)
        week = label(monday.date())

        async def book(hours: float) -> None:
            booked = await cap.post("/capacity/v1/bookings", headers=RM, json={
                "person_id": dana, "source": "operations", "source_id": "patching", "start": monday.isoformat(),
                "end": (monday + timedelta(hours=8)).isoformat(), "hours": hours})
            assert booked.status_code == 201, booked.text

        async def free_hours(expected: float) -> dict | None:
            answer = await pf.get(f"{API}/capacity-outlook", headers=VIEWER)
            if answer.status_code != 200:
                return None
            outlook = answer.json()
            dba = next((s for s in outlook["skills"] if s["skill"] == "dba"), None)
            found = next((w for w in dba["weeks"] if w["week"] == week), None) if dba else None
            return outlook if found and found["free_hours"] == expected else None

        await book(10)
        first = await eventually(lambda: free_hours(30.0), timeout=TIMEOUT)
        assert (first["pool"], first["first_week"], first["week_count"]) == ("all", label(_this_monday()), 26)
        dba_week = next(w for w in next(s for s in first["skills"] if s["skill"] == "dba")["weeks"]
                        if w["week"] == week)
        assert (dba_week["supply_hours"], dba_week["booked_hours"]) == (40.0, 10.0)
        await book(15)
        second = await eventually(lambda: free_hours(15.0), timeout=TIMEOUT)
        assert second["sequence"] > first["sequence"]

        # A run plans against the snapshot by default: its weeks, and what is free in them.
        pid = await _project(pf, "Data platform", benefit="50000.00",
                             lines=[_line(monday.date(), 1, hours=20)])
        run = await pf.post(f"{API}/selections", headers=PMO, json={
            "name": "From the snapshot", "default_window_weeks": 0, "candidates": {"project_ids": [pid]}})
        assert run.status_code == 201, run.text
        body = run.json()
        assert body["weeks"][0] == label(_this_monday()) and len(body["weeks"]) == 26
        [excluded] = body["result"]["excluded"]  # 20 h asked, 15 h free that week
        assert (excluded["binding"]["kind"], excluded["binding"]["skill"]) == ("capacity", "dba")
        assert week in excluded["binding"]["weeks"]


async def test_runs_at_once_in_the_background_infeasible_and_listed(databases, backend, broker, monkeypatch):
    app = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                     bootstrap=broker.bootstrap)
    async with running(app) as client:
        start = _this_monday() + timedelta(weeks=3)
        a = await _project(client, "Alpha", benefit="90000.00", lines=[_line(start, 3, hours=30)])
        b = await _project(client, "Bravo", benefit="60000.00", lines=[_line(start, 3, hours=30)], category="run")
        c = await _project(client, "Charlie", benefit="40000.00", lines=[_line(start, 3, hours=20)])
        first = label(_this_monday())
        body = {"name": "Base case", "horizon": {"first_week": first, "weeks": 12}, "default_window_weeks": 0,
                "candidates": {"project_ids": [a, b, c]},
                "capacity": {"source": "explicit", "skills": {"dba": {label(start + timedelta(weeks=k)): 50
                                                                      for k in range(12)}}},
                "frontier": {"budget_factors": [0.5, 1.0]}, "budget": {str(start.year + 1): "3000.00"}}
        run = await client.post(f"{API}/selections", headers=PMO, json=body)
        assert run.status_code == 201, run.text
        done = run.json()
        assert run.headers["location"] == f"{API}/selections/{done['id']}"
        assert done["status"] == "done" and done["result"]["solver_status"] == "optimal"
        # 50 h a week: Alpha (30 h) with Charlie (20 h) is worth more than Alpha with nothing or Bravo with Charlie.
        assert {p["name"] for p in done["result"]["selected"]} == {"Alpha", "Charlie"}
        assert [p["name"] for p in done["result"]["excluded"]] == ["Bravo"]
        assert [p["budget_factor"] for p in done["frontier"]] == [0.5, 1.0]

        # A what-if: 20 h more from the project's start lets all three in.
        more = await client.post(f"{API}/selections", headers=RM, json={
            **body, "name": "Hire a DBA", "capacity": {**body["capacity"], "deltas": [
                {"skill": "dba", "hours_per_week": 30, "from_week": label(start)}]}, "budget": {}})
        assert more.status_code == 201, more.text
        compared = (await client.get(f"{API}/selections/compare?a={done['id']}&b={more.json()['id']}",
                                     headers=VIEWER)).json()
        assert ([p["name"] for p in compared["only_in_b"]], compared["only_in_a"]) == (["Bravo"], [])
        assert compared["value"]["difference"] > 0

        # Infeasible: two must-do projects that exclude each other; the run is kept to be read.
        infeasible = await client.post(f"{API}/selections", headers=PMO, json={
            **body, "name": "Both", "must_do": [a, b], "exclusions": [{"a": a, "b": b}]})
        assert infeasible.status_code == 422, infeasible.text
        problem = infeasible.json()
        assert infeasible.headers["content-type"] == "application/problem+json"
        assert problem["conflicts"] and problem["selection_id"]
        kept = (await client.get(f"{API}/selections/{problem['selection_id']}", headers=VIEWER)).json()
        assert (kept["status"], kept["conflicts"]) == ("infeasible", problem["conflicts"])

        # Bad input names the field; a viewer may not run one.
        bad = await client.post(f"{API}/selections", headers=PMO, json={**body, "never_do": [a], "must_do": [a]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "never_do.0", bad.text
        bad = await client.post(f"{API}/selections", headers=PMO, json={**body, "budget": {"27": "1"}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("budget"), bad.text
        assert (await client.post(f"{API}/selections", headers=VIEWER, json=body)).status_code == 403

        # Larger than the threshold: 202, then the worker solves it.
        monkeypatch.setenv("TANDEM_PORTFOLIO_SELECTION_SYNC_MAX_CANDIDATES", "2")
        queued = await client.post(f"{API}/selections", headers=PMO, json={**body, "name": "In the background"})
        assert queued.status_code == 202, queued.text
        assert queued.json()["status"] in ("queued", "running")

        async def solved() -> dict | None:
            read = (await client.get(queued.headers["location"], headers=VIEWER)).json()
            return read if read["status"] == "done" else None

        background = await eventually(solved, timeout=TIMEOUT)
        assert {p["name"] for p in background["result"]["selected"]} == {"Alpha", "Charlie"}
        frontier = await client.get(f"{API}/selections/{background['id']}/frontier?budget_factor=2", headers=VIEWER)
        assert [p["budget_factor"] for p in frontier.json()["points"]] == [2.0], frontier.text

        listed = await walk_pages(client, f"{API}/selections", VIEWER)
        assert len(listed) == 4 and listed[0] == background["id"]
        assert await walk_pages(client, f"{API}/selections", VIEWER, "status=infeasible") == [kept["id"]]
        history = (await client.get(f"{API}/selections/{background['id']}/history", headers=VIEWER)).json()["items"]
        assert [(h["action"], h["actor"]) for h in history] == [("create", "omar"), ("solve", "tandem")]


async def test_committing_a_selection_books_and_releases_capacity(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap, run_consumer=False)
    async with running(capacity) as cap, running(portfolio) as pf:
        people = [(await cap.post("/capacity/v1/people", headers=RM, json={
            "name": name, "team": "Data", "weekly_hours": 40, "skills": [{"name": "DBA", "proficiency": 3}]}
        )).json()["id"] for name in ("Dana", "Eli")]
        start = _this_monday() + timedelta(weeks=3)
        keep = await _project(pf, "Keep", benefit="90000.00", lines=[_line(start, 3, person=people[0])])
        drop = await _project(pf, "Drop", benefit="60000.00", lines=[_line(start, 3, person=people[1])])

        async def bookings(pid: str, status: str) -> list:
            url = f"/capacity/v1/bookings?source=project&source_id={pid}&status={status}"
            return (await cap.get(url, headers=VIEWER)).json()["items"]

        await eventually(lambda: bookings(drop, "active"), timeout=TIMEOUT)
        await eventually(lambda: bookings(keep, "active"), timeout=TIMEOUT)
        # Keep is put on hold: capacity releases its bookings.
        held = await pf.post(f"{API}/projects/{keep}/defer", headers=PMO, json={"reason": "Waiting for the board"})
        assert held.status_code == 201, held.text
        await eventually(lambda: bookings(keep, "released"), timeout=TIMEOUT)

        # The DBAs are busy in the three weeks planned: Keep may start up to three weeks later; Drop excludes it.
        first = label(_this_monday())
        busy = {label(start + timedelta(weeks=k)) for k in range(3)}
        free = {label(_this_monday() + timedelta(weeks=k)): (0 if label(_this_monday() + timedelta(weeks=k)) in busy
                                                             else 40) for k in range(16)}
        run = await pf.post(f"{API}/selections", headers=PMO, json={
            "name": "Keep, later", "horizon": {"first_week": first, "weeks": 16}, "default_window_weeks": 3,
            "candidates": {"project_ids": [keep, drop]}, "exclusions": [{"a": keep, "b": drop}],
            "capacity": {"source": "explicit", "skills": {"dba": free}}})
        assert run.status_code == 201, run.text
        selection = run.json()
        [selected] = selection["result"]["selected"]
        assert (selected["name"], selected["shift_weeks"]) == ("Keep", 3)
        assert selection["result"]["excluded"][0]["binding"]["kind"] == "exclusion"

        # Only the PMO commits, once.
        url = f"{API}/selections/{selection['id']}/commit"
        assert (await pf.post(url, headers=PM, json={})).status_code == 403
        committed = await pf.post(url, headers=PMO, json={"reason": "Q1 portfolio review"})
        assert committed.status_code == 200, committed.text
        assert {(p["project_id"], p["action"], p["to_stage"]) for p in committed.json()["projects"]} == {
            (keep, "resume", "proposed"), (drop, "defer", "on_hold")}
        again = await pf.post(url, headers=PMO, json={})
        assert again.status_code == 409, again.text

        # Capacity books Keep's demand again, three weeks later, and releases Drop's.
        later = str(start + timedelta(weeks=3))

        async def booked_later() -> list:
            active = await bookings(keep, "active")
            return active if active and min(b["start"][:10] for b in active) >= later else []

        assert await eventually(booked_later, timeout=TIMEOUT)
        released = await eventually(lambda: bookings(drop, "released"), timeout=TIMEOUT)
        assert {b["release_reason"] for b in released} == {"project deferred"}
        assert await bookings(drop, "active") == []
        decisions = (await pf.get(f"{API}/projects/{keep}/decisions", headers=VIEWER)).json()
        assert decisions[-1]["action"] == "resume" and decisions[-1]["reason"] == "Q1 portfolio review"
