"""Portfolio governance through the API on SQLite and PostgreSQL with the real broker: strategic objectives, gate
configuration, an idea through its gates to execution, a blocked gate, recycle, hold and resume, and a kill that
capacity answers by releasing the project's bookings."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from tandem_shared.tables import outbox

from tests.support import auth, create_app, eventually, running, walk_pages

PMO = auth("omar", "pmo")
PM = auth("pia", "project_manager")
SPONSOR = auth("sam", "requester")
ANN, BO, CY = auth("ann", "viewer"), auth("bo", "pmo"), auth("cy", "viewer")  # board members need no role
VIEWER = auth("vera", "viewer")
API = "/portfolio/v1"
OBJECTIVE = {"name": "Reduce cost to serve", "weight": 3, "period_start": "2027-01-01", "period_end": "2027-12-31"}
LINE = {"role": "DBA", "hours_per_week": 8, "start": "2027-01-04", "end": "2027-01-29"}
TIMEOUT = 25.0


def _app(url: str, broker, **kwargs):
    return create_app("portfolio", database_url=url, bootstrap=broker.bootstrap, **kwargs)


async def _events(app, *types: str) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type.in_(types))
                                  .order_by(outbox.c.seq))
        return [row.payload for row in rows]


async def _board(client, gate: str, members: list[str], *, value: int = 2, kind: str = "number",
                 criteria: list[dict] | None = None, portfolio: str = "default") -> dict:
    current = (await client.get(f"{API}/portfolios/{portfolio}/gates/{gate}", headers=PMO)).json()
    body = {"criteria": current["criteria"] if criteria is None else criteria,
            "board": {"members": members, "quorum": {"kind": kind, "value": value}}}
    response = await client.put(f"{API}/portfolios/{portfolio}/gates/{gate}", headers=PMO, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _pass(client, pid: str, gate: str, voters=(ANN, BO)) -> dict:
    opened = await client.post(f"{API}/projects/{pid}/gates/{gate}/reviews", headers=PM, json={})
    assert opened.status_code == 201, opened.text
    review = opened.json()
    assert review["all_met"], review["criteria"]
    for headers in voters:
        voted = await client.post(f"{API}/projects/{pid}/gates/{gate}/reviews/{review['id']}/votes", headers=headers,
                                  json={"vote": "go"})
        assert voted.status_code == 200, voted.text
    assert voted.json()["state"] == "passed", voted.json()
    return voted.json()


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def test_strategic_objectives_are_the_pmos(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        created = await client.post(f"{API}/objectives", headers=PMO, json=OBJECTIVE)
        assert created.status_code == 201, created.text
        objective = created.json()
        assert (objective["weight"], objective["active"], objective["version"]) == (3.0, True, 1)
        assert created.headers["ETag"] == 'W/"1"'
        _problem(await client.post(f"{API}/objectives", headers=PM, json=OBJECTIVE), 403)
        _problem(await client.post(f"{API}/objectives", headers=PMO,
                                   json={**OBJECTIVE, "name": "reduce COST to serve"}), 409)
        for body, field in (({**OBJECTIVE, "name": "Backwards", "period_end": "2026-12-31"}, "period_end"),
                            ({**OBJECTIVE, "name": "Weightless", "weight": 0}, "weight")):
            assert field in [e["field"] for e in _problem(await client.post(f"{API}/objectives", headers=PMO,
                                                                           json=body), 422)["errors"]]
        others = [(await client.post(f"{API}/objectives", headers=PMO, json={
            **OBJECTIVE, "name": name, "weight": weight, "period_start": start, "period_end": end})).json()["id"]
            for name, weight, start, end in (("Grow digital revenue", 5, "2027-01-01", "2028-12-31"),
                                             ("Retire legacy", 1, "2026-01-01", "2026-12-31"))]
        assert await walk_pages(client, f"{API}/objectives", VIEWER) == [others[0], objective["id"], others[1]]
        assert await walk_pages(client, f"{API}/objectives", VIEWER, "sort=-weight") == [
            others[0], objective["id"], others[1]]
        on = (await client.get(f"{API}/objectives?on=2028-06-01", headers=VIEWER)).json()["items"]
        assert [o["id"] for o in on] == [others[0]]

        url = f"{API}/objectives/{objective['id']}"
        _problem(await client.patch(url, headers={**PMO, "If-Match": 'W/"9"'}, json={"weight": 4}), 412)
        bad = _problem(await client.patch(url, headers=PMO, json={"period_end": "2026-01-01"}), 422)
        assert bad["errors"][0]["field"] == "period_end"
        _problem(await client.patch(url, headers=PMO, json={"weight": None}), 422)
        patched = await client.patch(url, headers={**PMO, "If-Match": 'W/"1"'}, json={"weight": 4, "active": False})
        assert patched.status_code == 200 and patched.headers["ETag"] == 'W/"2"'
        assert (patched.json()["weight"], patched.json()["active"]) == (4.0, False)
        inactive = (await client.get(f"{API}/objectives?active=false", headers=VIEWER)).json()["items"]
        assert [o["id"] for o in inactive] == [objective["id"]]

        # An idea cannot serve an inactive objective; a linked one cannot be deleted.
        refused = _problem(await client.post(f"{API}/projects", headers=SPONSOR, json={
            "name": "Chatbot", "objectives": [{"objective_id": objective["id"], "contribution": 3}]}), 422)
        assert refused["errors"][0]["field"] == "objectives.0.objective_id"
        idea = await client.post(f"{API}/projects", headers=SPONSOR, json={
            "name": "Chatbot", "objectives": [{"objective_id": others[0], "contribution": 3}]})
        assert idea.status_code == 201, idea.text
        linked = (await client.get(f"{API}/projects?objective_id={others[0]}", headers=VIEWER)).json()["items"]
        assert [p["id"] for p in linked] == [idea.json()["id"]]
        _problem(await client.delete(f"{API}/objectives/{others[0]}", headers=PMO), 409)
        assert (await client.delete(url, headers=PMO)).status_code == 204
        _problem(await client.get(url, headers=VIEWER), 404)

        events = await _events(app, "portfolio.objective.created.v1", "portfolio.objective.updated.v1",
                               "portfolio.objective.deleted.v1")
        assert [e["type"] for e in events] == ["portfolio.objective.created.v1"] * 3 + [
            "portfolio.objective.updated.v1", "portfolio.objective.deleted.v1"]
        assert events[3]["data"] == {"id": objective["id"], "changed": {"weight": 4.0, "active": False},
                                     "updated_by": "omar", "version": 2}
        assert events[0]["subject"] == objective["id"] and events[0]["data"]["weight"] == 3.0


async def test_owners_edit_a_project_with_if_match(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        ci = str(uuid.uuid4())
        created = await client.post(f"{API}/projects", headers=auth("carl", "requester"), json={
            "name": "Backup refresh", "sponsor": "sam", "start_date": "2027-01-04", "cis": [{"id": ci}]})
        pid, url = created.json()["id"], f"{API}/projects/{created.json()['id']}"
        assert [p["id"] for p in (await client.get(f"{API}/projects?touches={ci}", headers=VIEWER)).json()["items"]] \
            == [pid]
        _problem(await client.patch(url, headers=auth("eve", "project_manager"), json={"name": "Mine now"}), 403)
        _problem(await client.patch(url, headers={**SPONSOR, "If-Match": 'W/"5"'}, json={"name": "Stale"}), 412)
        for body, field in (({"objectives": None}, "objectives"), ({"name": None}, "name"),
                            ({"go_live_date": "2026-12-31"}, "go_live_date"),
                            ({"budget_amount": 10}, "budget_currency"),
                            ({"stage": "approved"}, "stage")):
            problem = _problem(await client.patch(url, headers=SPONSOR, json=body), 422)
            assert field in [e["field"] for e in problem["errors"]], (field, problem)
        edited = await client.patch(url, headers={**SPONSOR, "If-Match": created.headers["ETag"]}, json={
            "cis": [], "services": [{"id": ci, "name": "Backups"}], "project_manager": "pia",
            "stakeholders": [{"sub": "olga", "role": "other"}]})
        assert edited.status_code == 200 and edited.headers["ETag"] == 'W/"2"', edited.text
        assert (edited.json()["cis"], edited.json()["services"]) == ([], [{"id": ci, "name": "Backups"}])
        assert edited.json()["stakeholders"] == [{"sub": "sam", "role": "sponsor"},
                                                 {"sub": "pia", "role": "project_manager"},
                                                 {"sub": "olga", "role": "other"}]
        same = await client.patch(url, headers=PM, json={"project_manager": "pia", "cis": []})
        assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed: no new version, no event
        [updated] = await _events(app, "portfolio.project.updated.v1")
        assert updated["data"]["changed"] == {
            "cis": [], "project_manager": "pia", "services": [{"id": ci, "name": "Backups"}],
            "stakeholders": [{"sub": "olga", "role": "other"}]}
        assert (await client.post(f"{url}/terminate", headers=PM, json={"reason": "Superseded"})).status_code == 201
        assert _problem(await client.patch(url, headers=PMO, json={"name": "Too late"}), 409)[
            "allowed_transitions"] == []


async def test_gates_are_configured_per_portfolio(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        names = {c["name"]: c for c in (await client.get(f"{API}/gate-criteria", headers=VIEWER)).json()}
        assert {"sponsor_named", "objectives_linked", "project_manager_named", "service_owner_named",
                "demand_planned", "touches_named"} <= set(names)
        assert "min" in names["objectives_linked"]["params"]
        built_in = (await client.get(f"{API}/portfolios/default/gates/screening", headers=VIEWER)).json()
        assert (built_in["source"], built_in["version"], built_in["board"]["members"]) == ("built_in", None, [])
        assert (built_in["from_stage"], built_in["to_stage"]) == ("idea", "proposed")
        assert [c["name"] for c in built_in["criteria"]] == ["problem_stated", "sponsor_named", "objectives_linked"]
        gates = (await client.get(f"{API}/portfolios/default/gates", headers=VIEWER)).json()
        assert [g["gate"] for g in gates] == ["screening", "investment", "mobilise", "execute", "handover", "closure"]

        url = f"{API}/portfolios/default/gates/screening"
        board = {"members": ["ann", "bo"], "quorum": {"kind": "number", "value": 2}}
        _problem(await client.put(url, headers=PM, json={"criteria": [], "board": board}), 403)
        for body, field in (
            ({"criteria": [{"name": "astrology"}], "board": board}, "criteria.0.name"),
            ({"criteria": [{"name": "objectives_linked", "params": {"max": 3}}], "board": board},
             "criteria.0.params.max"),
            ({"criteria": [{"name": "sponsor_named"}, {"name": "sponsor_named"}], "board": board}, "criteria.1.name"),
            ({"criteria": [], "board": {**board, "quorum": {"kind": "number", "value": 3}}}, "board.quorum.value"),
            ({"criteria": [], "board": {**board, "quorum": {"kind": "percentage", "value": 101}}},
             "board.quorum.value"),
            ({"criteria": [], "board": {**board, "quorum": {"kind": "most", "value": 1}}}, "board.quorum.kind"),
            ({"criteria": [], "board": {**board, "members": ["ann", "ann"]}}, "board.members"),
        ):
            problem = _problem(await client.put(url, headers=PMO, json=body), 422)
            assert field in [e["field"] for e in problem["errors"]], (field, problem)
        assert "sponsor_named" in _problem(await client.put(url, headers=PMO, json={
            "criteria": [{"name": "astrology"}], "board": board}), 422)["detail"]  # lists what is available
        _problem(await client.put(f"{API}/portfolios/default/gates/nirvana", headers=PMO,
                                  json={"criteria": [], "board": board}), 422)

        put = await client.put(url, headers=PMO, json={
            "criteria": [{"name": "objectives_linked", "params": {"min": 2}}], "board": board})
        assert put.status_code == 200 and put.headers["ETag"] == 'W/"1"', put.text
        assert (put.json()["source"], put.json()["updated_by"]) == ("portfolio", "omar")
        inherited = (await client.get(f"{API}/portfolios/digital/gates/screening", headers=VIEWER)).json()
        assert (inherited["source"], inherited["criteria"]) == ("default_portfolio", put.json()["criteria"])
        _problem(await client.put(url, headers={**PMO, "If-Match": 'W/"7"'}, json={"criteria": [], "board": board}),
                 412)
        own = await client.put(f"{API}/portfolios/digital/gates/screening", headers=PMO, json={
            "criteria": [], "board": {"members": ["cy"], "quorum": {"kind": "percentage", "value": 100}}})
        assert own.status_code == 200 and own.json()["source"] == "portfolio"
        again = await client.put(url, headers={**PMO, "If-Match": 'W/"1"'}, json={"criteria": [], "board": board})
        assert again.status_code == 200 and again.json()["version"] == 2


async def test_an_idea_passes_its_gates_to_execution_and_waits_for_unmet_criteria(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        # The sponsor sits on the board but never votes on their own project; 2 of the others pass a gate.
        for gate in ("screening", "investment", "mobilise", "execute"):
            await _board(client, gate, ["sam", "ann", "bo", "cy"])
        objective = (await client.post(f"{API}/objectives", headers=PMO, json=OBJECTIVE)).json()
        submitted = await client.post(f"{API}/projects", headers=SPONSOR, json={
            "name": "Self-service portal", "category": "grow", "sponsor": "sam", "project_manager": "pia",
            "problem_statement": "40 % of calls ask for a ticket's status.",
            "objectives": [{"objective_id": objective["id"], "contribution": 4}],
            "services": [{"id": str(uuid.uuid4()), "name": "Customer portal"}], "cis": [{"id": str(uuid.uuid4())}]})
        assert submitted.status_code == 201, submitted.text
        project = submitted.json()
        pid = project["id"]
        assert project["stage"] == "idea"
        assert project["stakeholders"] == [{"sub": "sam", "role": "sponsor"}, {"sub": "pia", "role": "project_manager"}]
        reviews = f"{API}/projects/{pid}/gates"

        # Out of turn: 409 names what the stage allows; a board member who is not an owner cannot open a review.
        assert _problem(await client.post(f"{reviews}/investment/reviews", headers=PM, json={}), 409)[
            "allowed_transitions"] == ["defer", "screening", "terminate"]
        _problem(await client.post(f"{reviews}/screening/reviews", headers=ANN, json={}), 403)
        opened = await client.post(f"{reviews}/screening/reviews", headers=PM, json={"comment": "Ready"})
        assert opened.status_code == 201, opened.text
        review = opened.json()
        assert (review["state"], review["voters"], review["all_met"]) == ("open", ["ann", "bo", "cy"], True)
        assert [(c["name"], c["met"]) for c in review["criteria"]] == [
            ("problem_stated", True), ("sponsor_named", True), ("objectives_linked", True)]
        assert opened.headers["Location"].endswith(f"/gates/screening/reviews/{review['id']}")
        _problem(await client.post(f"{reviews}/screening/reviews", headers=PM), 409)  # one open review at a time
        votes = f"{reviews}/screening/reviews/{review['id']}/votes"
        own = _problem(await client.post(votes, headers=SPONSOR, json={"vote": "go"}), 403)
        assert own["reason"] == "own_sponsor" and "sponsor" in own["detail"]
        assert _problem(await client.post(votes, headers=VIEWER, json={"vote": "go"}), 403)["reason"] == "not_a_member"
        assert "comment" in [e["field"] for e in _problem(await client.post(votes, headers=ANN, json={
            "vote": "kill"}), 422)["errors"]]
        first = await client.post(votes, headers=ANN, json={"vote": "go", "comment": "Clear problem"})
        assert first.status_code == 200 and first.json()["state"] == "open", first.text
        assert (first.json()["tally"]["go"], first.json()["waiting_on"]) == (1, ["bo", "cy"])
        _problem(await client.post(votes, headers=ANN, json={"vote": "go"}), 409)  # once each
        passed = await client.post(votes, headers=BO, json={"vote": "go"})
        assert (passed.json()["state"], passed.json()["decision"], passed.json()["decided_by"]) == (
            "passed", "go", "bo")
        assert (await client.get(f"{API}/projects/{pid}", headers=VIEWER)).json()["stage"] == "proposed"
        assert _problem(await client.post(votes, headers=CY, json={"vote": "go"}), 409)["allowed_transitions"] == []

        await _pass(client, pid, "investment")
        await _pass(client, pid, "mobilise")

        # The execute gate waits for the demand plan and the receiving service's owner and support team.
        opened = (await client.post(f"{reviews}/execute/reviews", headers=PM, json={})).json()
        assert opened["unmet"] == ["demand_planned", "service_owner_named"] and not opened["all_met"]
        votes = f"{reviews}/execute/reviews/{opened['id']}/votes"
        assert (await client.post(votes, headers=ANN, json={"vote": "go"})).status_code == 200
        blocked = _problem(await client.post(votes, headers=BO, json={"vote": "go"}), 409)
        assert [c["name"] for c in blocked["unmet_criteria"]] == ["demand_planned", "service_owner_named"]
        assert "service_owner_named" in blocked["detail"]
        still = (await client.get(f"{reviews}/execute/reviews/{opened['id']}", headers=VIEWER)).json()
        assert (still["state"], still["tally"]["go"]) == ("open", 1)  # the blocked vote was not kept
        assert (await client.put(f"{API}/projects/{pid}/demand", headers=PM, json={"lines": [LINE]})).status_code == 200
        current = await client.get(f"{API}/projects/{pid}", headers=VIEWER)
        edited = await client.patch(f"{API}/projects/{pid}", headers={**PM, "If-Match": current.headers["ETag"]},
                                    json={"service_owner": "sofia", "support_team": "Service desk L2"})
        assert edited.status_code == 200, edited.text
        assert {"sub": "sofia", "role": "service_owner"} in edited.json()["stakeholders"]
        live = (await client.get(f"{reviews}/execute/reviews/{opened['id']}", headers=VIEWER)).json()
        assert live["all_met"] and live["unmet"] == []
        done = await client.post(votes, headers=BO, json={"vote": "go", "comment": "Ready to build"})
        assert done.status_code == 200 and done.json()["state"] == "passed", done.text

        final = (await client.get(f"{API}/projects/{pid}", headers=VIEWER)).json()
        assert final["stage"] == "executing"
        decisions = (await client.get(f"{API}/projects/{pid}/decisions", headers=VIEWER)).json()
        assert [(d["action"], d["from_stage"], d["to_stage"], d["gate"], d["decided_by"]) for d in decisions] == [
            ("screening", "idea", "proposed", "screening", "bo"), ("investment", "proposed", "approved", "investment",
                                                                   "bo"),
            ("mobilise", "approved", "planning", "mobilise", "bo"), ("execute", "planning", "executing", "execute",
                                                                     "bo")]
        assert "ann: go (Clear problem)" in decisions[0]["reason"]
        listed = (await client.get(f"{reviews}/screening/reviews", headers=VIEWER)).json()["items"]
        assert [r["id"] for r in listed] == [review["id"]]
        history = [h["action"]
                   for h in (await client.get(f"{API}/projects/{pid}/history", headers=VIEWER)).json()["items"]]
        assert history.count("gate_vote") == 8 and history.count("open_gate_review") == 4

        changed = await _events(app, "portfolio.project.stage_changed.v1")
        assert [(e["data"]["from_stage"], e["data"]["to_stage"], e["data"]["gate"]) for e in changed] == [
            ("idea", "proposed", "screening"), ("proposed", "approved", "investment"),
            ("approved", "planning", "mobilise"), ("planning", "executing", "execute")]
        decided = await _events(app, "portfolio.gate.decided.v1")
        assert [e["data"]["decision"] for e in decided] == ["go"] * 4 and {e["subject"] for e in decided} == {pid}
        assert decided[-1]["data"]["criteria"] == [
            {"name": "project_manager_named", "met": True, "why": "project manager: pia"},
            {"name": "demand_planned", "met": True, "why": "1 demand line(s), 8 h/week in all; 1 line(s) needed"},
            {"name": "service_owner_named", "met": True, "why": "service owner sofia, support team Service desk L2"}]
        assert [v["voter"] for v in decided[-1]["data"]["votes"]] == ["ann", "bo"]
        updated = await _events(app, "portfolio.project.updated.v1")
        assert updated[0]["data"]["changed"] == {"service_owner": "sofia", "support_team": "Service desk L2"}
        assert len(await _events(app, "portfolio.gate.vote_cast.v1")) == 8


async def test_recycle_keeps_the_stage_hold_defers_and_the_pmo_resumes(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        await _board(client, "screening", ["ann", "bo", "cy"], criteria=[{"name": "sponsor_named"}])
        pid = (await client.post(f"{API}/projects", headers=PM, json={
            "name": "Data lake", "sponsor": "sam", "project_manager": "pia"})).json()["id"]
        assert (await client.put(f"{API}/projects/{pid}/demand", headers=PM, json={"lines": [LINE]})).status_code == 200
        reviews = f"{API}/projects/{pid}/gates/screening/reviews"

        async def decide(*ballots) -> dict:
            review = (await client.post(reviews, headers=PM)).json()
            for headers, vote in ballots:
                response = await client.post(f"{reviews}/{review['id']}/votes", headers=headers,
                                             json={"vote": vote, "comment": f"{vote}!"})
                assert response.status_code == 200, response.text
            return response.json()

        # 2 of 3 must say go: recycle, recycle leaves go out of reach; the project stays for a new review.
        recycled = await decide((ANN, "recycle"), (BO, "recycle"))
        assert (recycled["state"], recycled["decision"]) == ("recycled", "recycle")
        assert (await client.get(f"{API}/projects/{pid}", headers=VIEWER)).json()["stage"] == "idea"
        # A tie between hold and kill holds.
        held = await decide((ANN, "kill"), (BO, "hold"))
        assert (held["state"], held["decision"]) == ("held", "hold")
        project = (await client.get(f"{API}/projects/{pid}", headers=VIEWER)).json()
        assert (project["stage"], project["held_from_stage"]) == ("on_hold", "idea")
        assert _problem(await client.post(reviews, headers=PM), 409)["allowed_transitions"] == ["resume", "terminate"]

        _problem(await client.post(f"{API}/projects/{pid}/resume", headers=PM, json={"reason": "back"}), 403)
        resumed = await client.post(f"{API}/projects/{pid}/resume", headers=PMO, json={"reason": "Budget is back"})
        assert resumed.status_code == 201, resumed.text
        assert (resumed.json()["from_stage"], resumed.json()["to_stage"]) == ("on_hold", "idea")
        # A review left open when the project is put on hold by hand is canceled with the stage it was for.
        dangling = (await client.post(reviews, headers=PM)).json()
        assert (await client.post(f"{API}/projects/{pid}/defer", headers=PMO, json={"reason": "pause"})).status_code \
            == 201
        assert (await client.get(f"{reviews}/{dangling['id']}", headers=VIEWER)).json()["state"] == "canceled"

        types = [e["type"] for e in await _events(app, "portfolio.gate.decided.v1", "portfolio.project.deferred.v1",
                                                  "portfolio.project.stage_changed.v1",
                                                  "portfolio.project.demand_planned.v1")]
        assert types == [
            "portfolio.project.demand_planned.v1",
            "portfolio.gate.decided.v1",  # recycle: nothing released, no stage change
            "portfolio.gate.decided.v1", "portfolio.project.stage_changed.v1", "portfolio.project.deferred.v1",
            "portfolio.project.stage_changed.v1", "portfolio.project.demand_planned.v1",  # resumed: booked again
            "portfolio.project.stage_changed.v1", "portfolio.project.deferred.v1"]
        decisions = (await client.get(f"{API}/projects/{pid}/decisions", headers=VIEWER)).json()
        assert [(d["action"], d["to_stage"], d["decided_by"]) for d in decisions] == [
            ("recycle", "idea", "bo"), ("defer", "on_hold", "bo"), ("resume", "idea", "omar"),
            ("defer", "on_hold", "omar")]


async def test_a_kill_at_a_gate_releases_the_projects_capacity(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    portfolio = _app(await databases.fresh("portfolio", backend), broker, run_consumer=False)
    async with running(capacity) as cap, running(portfolio) as pf:
        person = (await cap.post("/capacity/v1/people", headers=auth("rita", "resource_manager"), json={
            "name": "Dana", "team": "Data", "weekly_hours": 40})).json()["id"]
        await _board(pf, "screening", ["ann"], value=1, criteria=[])
        pid = (await pf.post(f"{API}/projects", headers=PM,
                             json={"name": "Doomed pilot", "sponsor": "sam"})).json()["id"]
        planned = await pf.put(f"{API}/projects/{pid}/demand", headers=PM, json={"lines": [
            {**LINE, "person_id": person, "kind": "soft"}]})
        assert planned.status_code == 200, planned.text

        async def bookings(status: str) -> list:
            url = f"/capacity/v1/bookings?source=project&source_id={pid}&status={status}"
            return (await cap.get(url, headers=VIEWER)).json()["items"]

        await eventually(lambda: bookings("active"), timeout=TIMEOUT)
        review = (await pf.post(f"{API}/projects/{pid}/gates/screening/reviews", headers=PM)).json()
        killed = await pf.post(f"{API}/projects/{pid}/gates/screening/reviews/{review['id']}/votes", headers=ANN,
                               json={"vote": "kill", "comment": "No strategic fit"})
        assert (killed.json()["state"], killed.json()["decision"]) == ("killed", "kill"), killed.text
        assert (await pf.get(f"{API}/projects/{pid}", headers=VIEWER)).json()["stage"] == "terminated"

        released = await eventually(lambda: bookings("released"), timeout=TIMEOUT)
        assert [b["release_reason"] for b in released] == ["project terminated"]
        assert await bookings("active") == []
        [terminated] = await _events(portfolio, "portfolio.project.terminated.v1")
        assert terminated["data"]["terminated_by"] == "ann" and "No strategic fit" in terminated["data"]["reason"]


async def test_two_racing_openers_get_one_review_and_a_409_naming_it(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker, workers=False)
    async with running(app) as client:
        await _board(client, "screening", ["ann", "bo"], value=1, criteria=[{"name": "sponsor_named"}])
        pid = (await client.post(f"{API}/projects", headers=PM, json={"name": "Race", "sponsor": "sam"})).json()["id"]
        reviews = f"{API}/projects/{pid}/gates/screening/reviews"
        # Both pass the "no review open yet" check before either inserts; the partial unique index stops the second.
        answers = await asyncio.gather(client.post(reviews, headers=PM, json={}),
                                       client.post(reviews, headers=PMO, json={}))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        opened = next(a for a in answers if a.status_code == 201).json()
        refused = _problem(next(a for a in answers if a.status_code == 409), 409)
        assert refused["open_review"] == opened["id"] and "screening review is open" in refused["detail"]
        listed = (await client.get(reviews, headers=VIEWER)).json()["items"]
        assert [(r["id"], r["state"]) for r in listed] == [(opened["id"], "open")]
