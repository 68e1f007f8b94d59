"""Portfolio execution on both databases: milestones and the schedule RAG, risks, scope changes, budget against
actual, status reports, and the resources dimension fed by capacity through the real broker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from tandem_portfolio.business_cases.models import BusinessCase, BusinessCaseLine
from tandem_portfolio.costs.models import ActualLabourCost
from tandem_portfolio.criteria import CRITERIA
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.status.models import StatusOverride
from tandem_shared.uow import UnitOfWork

from tests.support import (
    auth,
    book_for_project,
    check_episodes_now,
    create_app,
    eventually,
    running,
    transaction,
    walk_pages,
)

PM = auth("paula", "project_manager")
SPONSOR = auth("cfo", "viewer")
VIEWER = auth("vera", "viewer")
RM = auth("rita", "resource_manager")
TIMEOUT = 25.0
# 2055 shares 2027's calendar (1 March is a Monday) and lies far enough ahead that "today" never reaches it.
PROJECT = {"name": "Customer portal relaunch", "sponsor": "cfo", "start_date": "2055-01-04",
           "go_live_date": "2055-06-30", "budget_amount": "1000000.00", "budget_currency": "EUR"}


def _app(url: str, broker, **overrides):
    overrides.setdefault("run_consumer", False)
    return create_app("portfolio", database_url=url, bootstrap=broker.bootstrap, **overrides)


async def _project(client, **fields) -> str:
    created = await client.post("/portfolio/v1/projects", headers=PM, json={**PROJECT, **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _events(app, event_type: str) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"),
                                   {"t": event_type})).all()
    return [row.payload if isinstance(row.payload, dict) else json.loads(row.payload) for row in rows]


async def _status(client, pid: str) -> dict[str, dict]:
    response = await client.get(f"/portfolio/v1/projects/{pid}/status", headers=VIEWER)
    assert response.status_code == 200, response.text
    return {"overall": response.json()["overall"], **{d["dimension"]: d for d in response.json()["dimensions"]}}


async def test_milestone_slip_drives_the_schedule_colour_and_a_go_live_is_announced(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        pid = await _project(client)
        base = f"/portfolio/v1/projects/{pid}/milestones"
        design = await client.post(base, headers=PM, json={"name": "Design done", "forecast_date": "2055-03-01",
                                                           "baseline": True})
        assert design.status_code == 201, design.text
        assert design.headers["ETag"] == 'W/"1"' and design.json()["slip_working_days"] == 0
        ci, service = str(uuid.uuid4()), str(uuid.uuid4())
        go_live = await client.post(base, headers=SPONSOR, json={
            "name": "Portal live", "kind": "go_live", "forecast_date": "2055-06-26", "baseline": True,
            "window_start": "2055-06-26T22:00:00+02:00", "window_end": "2055-06-27T02:00:00Z",
            "service_ids": [service], "ci_ids": [ci]})
        assert go_live.status_code == 201, go_live.text
        bad = await client.post(base, headers=PM, json={"name": "Odd", "forecast_date": "2055-03-01",
                                                        "ci_ids": [ci]})
        assert bad.status_code == 422
        assert (await client.post(base, headers=VIEWER, json={"name": "No", "forecast_date": "2055-03-01"})
                ).status_code == 403
        assert (await _status(client, pid))["schedule"]["colour"] == "green"

        mid = design.json()["id"]
        stale = await client.patch(f"{base}/{mid}", headers={**PM, "If-Match": 'W/"7"'},
                                   json={"forecast_date": "2055-03-09"})
        assert stale.status_code == 412
        for forecast, slip, colour in (("2055-03-08", 5, "green"), ("2055-03-09", 6, "amber"),
                                       ("2055-03-22", 15, "amber"), ("2055-03-23", 16, "red")):
            current = (await client.get(f"{base}/{mid}", headers=PM)).headers["ETag"]
            moved = await client.patch(f"{base}/{mid}", headers={**PM, "If-Match": current},
                                       json={"forecast_date": forecast, "reason": "vendor late"})
            assert moved.status_code == 200 and moved.json()["slip_working_days"] == slip, moved.text
            schedule = (await _status(client, pid))["schedule"]
            assert (schedule["colour"], schedule["computed_colour"]) == (colour, colour), schedule
            assert schedule["facts"]["worst_slip_working_days"] == slip and "'Design done'" in schedule["explanation"]

        no_reason = await client.post(f"{base}/{mid}/baseline", headers=PM, json={})
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
        rebased = await client.post(f"{base}/{mid}/baseline", headers=PM, json={"reason": "scope change SC-4"})
        assert rebased.status_code == 200 and rebased.json()["baseline_date"] == "2055-03-23"
        assert (await _status(client, pid))["schedule"]["colour"] == "green"

        moved_window = await client.patch(f"{base}/{go_live.json()['id']}", headers=PM, json={
            "window_start": "2055-07-03T20:00:00Z", "window_end": "2055-07-04T02:00:00Z"})
        assert moved_window.status_code == 200, moved_window.text
        announced = await _events(app, "portfolio.milestone.go_live_scheduled.v1")
        assert [e["data"]["window_start"] for e in announced] == ["2055-06-26T20:00:00Z", "2055-07-03T20:00:00Z"]
        first = announced[0]
        assert first["subject"] == pid and first["data"]["milestone_id"] == go_live.json()["id"]
        assert (first["data"]["window_end"], first["data"]["ci_ids"], first["data"]["service_ids"]) == (
            "2055-06-27T02:00:00Z", [ci], [service])
        changed = await _events(app, "portfolio.milestone.forecast_changed.v1")
        assert [e["data"]["slip_working_days"] for e in changed] == [5, 6, 15, 16]
        assert len(await _events(app, "portfolio.milestone.planned.v1")) == 2

        kickoff = (await client.post(base, headers=PM, json={"name": "Kick-off", "forecast_date": "2026-11-02",
                                                              "baseline": True})).json()
        done = await client.post(f"{base}/{kickoff['id']}/complete", headers=PM, json={"actual_date": "2026-11-04"})
        assert done.status_code == 200 and done.json()["status"] == "completed", done.text
        [completed] = await _events(app, "portfolio.milestone.completed.v1")
        assert (completed["data"]["baseline_date"], completed["data"]["actual_date"], completed["data"]["slip_days"],
                completed["data"]["slip_working_days"]) == ("2026-11-02", "2026-11-04", 2, 2)
        assert (await client.delete(f"{base}/{kickoff['id']}", headers=PM)).status_code == 409
        assert await walk_pages(client, base, PM) == [kickoff["id"], mid, go_live.json()["id"]]
        assert await walk_pages(client, base, PM, "status=planned") == [mid, go_live.json()["id"]]

        async with transaction(app) as session:
            project = await ProjectRepository(session).get_or_404(uuid.UUID(pid))
            met = await CRITERIA["milestones_baselined"].evaluate(UnitOfWork.of(session), project,
                                                                  {"require_go_live": "true"})
        assert met.met and met.facts["milestones"] == 3
        extra = (await client.post(base, headers=PM, json={"name": "Unbaselined", "forecast_date": "2055-04-01"}))
        async with transaction(app) as session:
            project = await ProjectRepository(session).get_or_404(uuid.UUID(pid))
            unmet = await CRITERIA["milestones_baselined"].evaluate(UnitOfWork.of(session), project, {})
        assert not unmet.met and "Unbaselined" in unmet.why
        gone = await client.delete(f"{base}/{extra.json()['id']}", headers={**PM, "If-Match": 'W/"1"'})
        assert gone.status_code == 204


async def test_risk_register_crud_filters_and_events(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        pid = await _project(client)
        base = f"/portfolio/v1/projects/{pid}/risks"
        ids = {}
        for title, p, i in (("Vendor late", 3, 4), ("Key person leaves", 2, 5), ("Data loss", 1, 5),
                            ("Scope creep", 4, 4)):
            created = await client.post(base, headers=PM, json={"title": title, "probability": p, "impact": i,
                                                                "owner": "paula"})
            assert created.status_code == 201 and created.json()["score"] == p * i, created.text
            ids[title] = created.json()["id"]
        issue = await client.post(base, headers=PM, json={"kind": "issue", "title": "Licence expired", "impact": 2})
        assert (issue.json()["probability"], issue.json()["score"], issue.json()["source"]) == (5, 10, "manual")
        for body in ({"title": "No impact", "probability": 3}, {"title": "P6", "probability": 6, "impact": 1},
                     {"title": "No P", "impact": 3}):
            assert (await client.post(base, headers=PM, json=body)).status_code == 422, body

        order = await walk_pages(client, base, VIEWER)
        assert order[:2] == [ids["Scope creep"], ids["Vendor late"]] and len(order) == 5
        ascending = await walk_pages(client, base, VIEWER, "min_score=10&sort=score")
        assert sorted(ascending[:2]) == sorted([issue.json()["id"], ids["Key person leaves"]])  # both 10
        assert ascending[2:] == [ids["Vendor late"], ids["Scope creep"]]
        assert await walk_pages(client, base, VIEWER, "kind=issue") == [issue.json()["id"]]

        url = f"{base}/{ids['Vendor late']}"
        assert (await client.patch(url, headers={**PM, "If-Match": 'W/"9"'}, json={"impact": 5})).status_code == 412
        mitigating = await client.patch(url, headers={**SPONSOR, "If-Match": 'W/"1"'},
                                        json={"status": "mitigating", "probability": 2})
        assert mitigating.status_code == 200 and mitigating.json()["score"] == 8, mitigating.text
        closed = await client.patch(url, headers=PM, json={"status": "closed"})
        assert closed.status_code == 200 and closed.json()["closed_at"] is not None
        refused = await client.patch(url, headers=PM, json={"status": "occurred"})
        assert refused.status_code == 409 and refused.json()["allowed_transitions"] == ["open"]
        assert (await client.patch(url, headers=VIEWER, json={"impact": 1})).status_code == 403
        assert await walk_pages(client, base, VIEWER, "status=open&status=mitigating&min_score=16") == [
            ids["Scope creep"]]
        assert ids["Vendor late"] in await walk_pages(client, base, VIEWER, "status=closed")
        assert (await client.get(f"/portfolio/v1/projects/{uuid.uuid4()}/risks", headers=VIEWER)).status_code == 404

        assert len(await _events(app, "portfolio.risk.raised.v1")) == 5
        [updated] = await _events(app, "portfolio.risk.updated.v1")
        assert updated["data"]["changed"] == ["probability", "status"] and updated["subject"] == pid
        [closing] = await _events(app, "portfolio.risk.closed.v1")
        assert (closing["data"]["previous_status"], closing["data"]["closed_by"]) == ("mitigating", "paula")


async def test_an_approved_scope_change_is_published_and_moves_the_scope_colour(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        pid = await _project(client)
        base = f"/portfolio/v1/projects/{pid}/scope-changes"
        wrong = await client.post(base, headers=PM, json={"title": "SSO", "cost_impact": "10", "currency": "USD"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "currency"
        changes = []
        for title, cost in (("SSO for partners", "45000"), ("Drop the chat", "-30000"), ("Dark mode", "5000"),
                            ("Second language", "80000")):
            created = await client.post(base, headers=PM, json={"title": title, "cost_impact": cost,
                                                                "currency": "EUR", "schedule_impact_days": 5})
            assert created.status_code == 201 and created.json()["status"] == "proposed", created.text
            changes.append(created.json()["id"])
        amended = await client.patch(f"{base}/{changes[2]}", headers={**PM, "If-Match": 'W/"1"'},
                                     json={"cost_impact": "6000.00"})
        assert amended.status_code == 200 and amended.json()["cost_impact"] == "6000.00"
        for change in changes[:3]:
            approved = await client.post(f"{base}/{change}/approve", headers=SPONSOR, json={"note": "ok"})
            assert approved.status_code == 200 and approved.json()["decided_by"] == "cfo", approved.text
        rejected = await client.post(f"{base}/{changes[3]}/reject", headers=PM, json={})
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        again = await client.post(f"{base}/{changes[0]}/approve", headers=PM, json={})
        assert again.status_code == 409
        assert (await client.patch(f"{base}/{changes[0]}", headers=PM, json={"title": "x"})).status_code == 409

        published = await _events(app, "portfolio.project.scope_changed.v1")
        assert [e["data"]["approved_changes"] for e in published] == [1, 2, 3]
        assert published[-1]["data"]["total_cost_impact"] == "81000.00" and published[1]["data"]["cost_impact"] == \
            "-30000.00"
        assert all(e["subject"] == pid for e in published)
        scope = (await _status(client, pid))["scope"]
        # Three approved changes (amber); 81,000 is 8.1 % of the 1,000,000 budget (amber).
        assert scope["colour"] == "amber" and scope["facts"]["approved_changes"] == 3
        assert scope["facts"]["cost_impact_percent"] == 8.1
        assert await walk_pages(client, base, VIEWER, "status=approved") == changes[:3]


async def test_budget_against_actual_per_month(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        # 2026-01-16 … 2026-03-31 is 75 days: 16, 28 and 31 of them per month.
        pid = await _project(client, start_date="2026-01-16", go_live_date="2026-03-31", budget_amount="7500.00")
        base = f"/portfolio/v1/projects/{pid}/costs"
        for month, category, amount in (("2026-01", "licences", "1500.00"), ("2026-02", "services", "2000.00"),
                                        ("2026-02", "travel", "1000.00"), ("2026-03", "services", "3500.00")):
            entered = await client.post(base, headers=PM, json={"month": month, "category": category,
                                                                "amount": amount, "currency": "EUR"})
            assert entered.status_code == 201, entered.text
        for body, field in (({"month": "2026-04", "amount": "1", "currency": "USD"}, "currency"),
                            ({"month": "2099-01", "amount": "1", "currency": "EUR"}, "month"),
                            ({"month": "2026-13", "amount": "1", "currency": "EUR"}, "month"),
                            ({"month": "2026-01", "amount": "0", "currency": "EUR"}, "amount")):
            refused = await client.post(base, headers=PM, json={"category": "other", **body})
            assert refused.status_code == 422 and field in [e["field"] for e in refused.json()["errors"]], body
        assert (await client.post(base, headers=VIEWER, json={"month": "2026-01", "category": "x", "amount": "1",
                                                              "currency": "EUR"})).status_code == 403
        # The labour seam: a row capacity's bookings × cost rate will keep, summed into actual.
        async with transaction(app) as session:
            session.add(ActualLabourCost(project_id=uuid.UUID(pid), month=2026 * 12 + 2, amount=Decimal(200),
                                         currency="EUR", hours=2.5))

        budget = (await client.get(f"/portfolio/v1/projects/{pid}/budget", headers=VIEWER)).json()
        assert (budget["plan_source"], budget["currency"]) == ("budget_spread", "EUR")
        assert [(m["month"], m["planned"], m["actual_costs"], m["actual_labour"], m["actual"], m["variance"],
                 m["cumulative_variance"]) for m in budget["months"]] == [
            ("2026-01", "1600.00", "1500.00", "0.00", "1500.00", "-100.00", "-100.00"),
            ("2026-02", "2800.00", "3000.00", "0.00", "3000.00", "200.00", "100.00"),
            ("2026-03", "3100.00", "3500.00", "200.00", "3700.00", "600.00", "700.00")]
        assert (budget["planned_total"], budget["actual_total"], budget["variance_total"]) == (
            "7500.00", "8200.00", "700.00")
        money = (await _status(client, pid))["budget"]
        assert money["colour"] == "amber" and money["facts"]["overrun_percent"] == 9.33, money  # 700 / 7500

        page = await client.get(f"{base}?from=2026-02&to=2026-02", headers=VIEWER)
        assert sorted(c["category"] for c in page.json()["items"]) == ["services", "travel"]
        assert len(await walk_pages(client, base, VIEWER)) == 4
        entry = next(c for c in page.json()["items"] if c["category"] == "travel")
        fixed = await client.patch(f"{base}/{entry['id']}", headers={**PM, "If-Match": 'W/"1"'},
                                   json={"amount": "-250.00", "note": "refund"})
        assert fixed.status_code == 200 and fixed.json()["amount"] == "-250.00", fixed.text
        assert (await client.delete(f"{base}/{entry['id']}", headers={**PM, "If-Match": 'W/"1"'})).status_code == 412
        assert (await client.delete(f"{base}/{entry['id']}", headers=PM)).status_code == 204

        # A business case with cost lines replaces the spread budget as the plan (its benefits are not costs).
        async with transaction(app) as session:
            session.add(BusinessCase(project_id=uuid.UUID(pid), currency="EUR", discount_rate=0.08,
                                     horizon_start=2026 * 12, updated_by="paula"))
            await session.flush()
            for position, (month, kind, amount) in enumerate(((0, "capex", 4000), (1, "opex", 2000),
                                                              (1, "benefit", 9000), (2, "opex", 2000))):
                session.add(BusinessCaseLine(project_id=uuid.UUID(pid), position=position, month=2026 * 12 + month,
                                             kind=kind, amount=Decimal(amount)))
        planned = (await client.get(f"/portfolio/v1/projects/{pid}/budget", headers=VIEWER)).json()
        assert planned["plan_source"] == "business_case"
        assert [m["planned"] for m in planned["months"]] == ["4000.00", "2000.00", "2000.00"]


async def test_a_status_report_freezes_the_numbers(databases, backend, broker):
    app = _app(await databases.fresh("portfolio", backend), broker)
    async with running(app) as client:
        pid = await _project(client)
        base = f"/portfolio/v1/projects/{pid}"
        milestone = (await client.post(f"{base}/milestones", headers=PM, json={
            "name": "Build done", "forecast_date": "2055-03-09", "baseline": False})).json()
        await client.post(f"{base}/milestones/{milestone['id']}/baseline", headers=PM,
                          json={"baseline_date": "2055-03-01"})  # 6 working days late: amber
        for n in range(7):
            await client.post(f"{base}/risks", headers=PM, json={"title": f"Risk {n}", "probability": 1 + n % 5,
                                                                 "impact": 3})
        now = datetime.now(UTC)
        too_long = await client.put(f"{base}/status/overrides/budget", headers=PM, json={
            "colour": "red", "reason": "audit finding", "expires_at": (now + timedelta(days=31)).isoformat()})
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "expires_at"
        assert (await client.put(f"{base}/status/overrides/budget", headers=PM, json={
            "colour": "red", "reason": "audit",
            "expires_at": (now - timedelta(days=1)).isoformat()})).status_code == 422
        assert (await client.put(f"{base}/status/overrides/budget", headers=VIEWER, json={
            "colour": "red", "reason": "x", "expires_at": (now + timedelta(days=1)).isoformat()})).status_code == 403
        overridden = await client.put(f"{base}/status/overrides/budget", headers=SPONSOR, json={
            "colour": "red", "reason": "audit finding on invoices",
            "expires_at": (now + timedelta(days=7)).isoformat()})
        assert overridden.status_code == 200, overridden.text
        budget = next(d for d in overridden.json()["dimensions"] if d["dimension"] == "budget")
        assert (budget["colour"], budget["computed_colour"], budget["override"]["set_by"]) == ("red", "green", "cfo")
        assert overridden.json()["overall"] == "red"

        filed = await client.post(f"{base}/status-reports", headers=PM, json={"narrative": "Build slips a week."})
        assert filed.status_code == 201, filed.text
        report = filed.json()
        week = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])
        assert (report["week"], report["overall"], report["reported_by"]) == (week, "red", "paula")
        frozen = {d["dimension"]: d for d in report["dimensions"]}
        assert (frozen["schedule"]["colour"], frozen["budget"]["colour"], frozen["budget"]["overridden"]) == (
            "amber", "red", True)
        assert report["overrides"]["budget"]["reason"] == "audit finding on invoices"
        assert [r["score"] for r in report["top_risks"]] == [15, 12, 9, 6, 6]
        assert [m["slip_working_days"] for m in report["milestones"]] == [6]
        second = await client.post(f"{base}/status-reports", headers=PM, json={"narrative": "Again"})
        assert second.status_code == 409

        # Later changes move the live status, not the report.
        later = await client.patch(f"{base}/milestones/{milestone['id']}", headers=PM,
                                   json={"forecast_date": "2055-04-30"})
        assert later.status_code == 200
        assert (await client.delete(f"{base}/status/overrides/budget", headers=PM)).status_code == 204
        live = await _status(client, pid)
        assert (live["schedule"]["colour"], live["budget"]["colour"], live["budget"]["override"]) == ("red", "green",
                                                                                                       None)
        again = (await client.get(f"{base}/status-reports/{report['id']}", headers=VIEWER)).json()
        assert again == report
        assert await walk_pages(client, f"{base}/status-reports", VIEWER) == [report["id"]]
        assert (await client.patch(f"{base}/status-reports/{report['id']}", headers=PM, json={})).status_code == 405

        [event] = await _events(app, "portfolio.project.status_reported.v1")
        data = event["data"]
        assert event["subject"] == pid and (data["week"], data["overall"], data["open_milestones"]) == (week, "red", 1)
        assert {d["dimension"]: d["colour"] for d in data["dimensions"]} == {
            "schedule": "amber", "budget": "red", "scope": "green", "resources": "green"}
        assert data["dimensions"][0]["facts"]["worst_slip_working_days"] == 6
        assert [r["score"] for r in data["top_risks"]] == [15, 12, 9, 6, 6]

        # An override past its expiry is ignored when read, without anyone removing it.
        await client.put(f"{base}/status/overrides/scope", headers=PM, json={
            "colour": "amber", "reason": "pending CR", "expires_at": (now + timedelta(days=2)).isoformat()})
        assert (await _status(client, pid))["scope"]["colour"] == "amber"
        async with transaction(app) as session:
            await session.execute(sa.update(StatusOverride).values(set_at=now - timedelta(days=3),
                                                                   expires_at=now - timedelta(seconds=1)))
        scope = (await _status(client, pid))["scope"]
        assert (scope["colour"], scope["override"]) == ("green", None)


async def test_over_allocated_people_from_capacity_turn_resources_amber_then_red(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = _app(await databases.fresh("portfolio", backend), broker, run_consumer=True)
    async with running(capacity) as cap, running(portfolio) as pf:
        pid = await _project(pf)
        other = await _project(pf, name="Another project")
        people = {}
        for name in ("Dana", "Eli"):
            created = await cap.post("/capacity/v1/people", headers=RM,
                                     json={"name": name, "team": "Platform", "weekly_hours": 40})
            assert created.status_code == 201, created.text
            people[name] = created.json()["id"]

        async def book(person: str, project: str, hours: float) -> str:
            booked = await book_for_project(capacity, person_id=people[person], project_id=project,
                                            start="2055-03-01T00:00:00Z", end="2055-03-06T00:00:00Z", hours=hours)
            await check_episodes_now(capacity)
            return booked

        async def resources(colour: str) -> dict:
            dimension = (await _status(pf, pid))["resources"]
            return dimension if dimension["colour"] == colour else None

        dana = await book("Dana", pid, 30)
        await book("Dana", other, 30)  # 60 h in a 40 h week: 150 %
        amber = await eventually(lambda: resources("amber"), timeout=TIMEOUT)
        assert "Dana (Platform, from 2055-W09, peak 150 %)" in amber["explanation"], amber
        assert [p["name"] for p in amber["facts"]["overallocated_people"]] == ["Dana"]
        assert (await _status(pf, other))["resources"]["colour"] == "amber"

        await book("Eli", other, 50)  # over-allocated, but not on this project
        await book("Eli", pid, 1)  # now booked here too
        red = await eventually(lambda: resources("red"), timeout=TIMEOUT)
        assert [p["name"] for p in red["facts"]["overallocated_people"]] == ["Dana", "Eli"]

        released = await cap.post(f"/capacity/v1/bookings/{dana}/release", headers=RM, json={"reason": "re-planned"})
        assert released.status_code == 200, released.text
        await check_episodes_now(capacity)  # Dana is back to 30 h: her episode clears
        back = await eventually(lambda: resources("amber"), timeout=TIMEOUT)
        assert [p["name"] for p in back["facts"]["overallocated_people"]] == ["Eli"]
