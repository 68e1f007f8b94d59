"""Project demand through the real broker: portfolio plans, capacity books named lines and opens role requests;
re-plans move, release and cancel; deferral releases everything."""

from __future__ import annotations

import sqlalchemy as sa
from tandem_shared.tables import outbox

from tests.support import auth, create_app, eventually, running

RM = auth("rita", "resource_manager")
PM = auth("paula", "project_manager")
VIEWER = auth("vera", "viewer")
TIMEOUT = 25.0


async def _count(app, sql: str) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(sql))).scalar()


async def test_plan_assign_replan_and_defer(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap, run_consumer=False)
    async with running(capacity) as cap, running(portfolio) as pf:
        ids = {}
        for name, level in (("Dana", 4), ("Eli", 2)):
            body = {"name": name, "team": "Data", "weekly_hours": 40,
                    "skills": [{"name": "PostgreSQL", "proficiency": level}]}
            ids[name] = (await cap.post("/capacity/v1/people", headers=RM, json=body)).json()["id"]
        project = (await pf.post("/portfolio/v1/projects", headers=PM, json={"name": "Portal relaunch"})).json()
        lead = {"role": "Lead", "person_id": ids["Dana"], "hours_per_week": 20, "start": "2027-01-06",
                "end": "2027-01-19", "kind": "hard"}
        dba = {"role": "DBA", "skill": "PostgreSQL", "min_proficiency": 3, "hours_per_week": 10,
               "start": "2027-01-04", "end": "2027-01-15"}
        tester = {"role": "Tester", "hours_per_week": 8, "start": "2027-01-04", "end": "2027-01-08"}
        planned = await pf.put(f"/portfolio/v1/projects/{project['id']}/demand", headers=PM,
                               json={"lines": [lead, dba, tester]})
        assert planned.status_code == 200, planned.text
        line_ids = [line["id"] for line in planned.json()["lines"]]

        async def project_bookings(status: str = "active"):
            url = f"/capacity/v1/bookings?source=project&source_id={project['id']}&status={status}"
            return (await cap.get(url, headers=VIEWER)).json()["items"]

        async def requests(status: str = "open"):
            url = f"/capacity/v1/role-requests?project_id={project['id']}&status={status}"
            return (await cap.get(url, headers=VIEWER)).json()["items"]

        [booking] = await eventually(project_bookings, timeout=TIMEOUT)
        # 20 h per full Mon–Fri week: Wed–Fri of W01 is 3/5, all of W02, Mon–Tue of W03 is 2/5.
        assert booking["weeks"] == [{"week": "2027-W01", "hours": 12.0}, {"week": "2027-W02", "hours": 20.0},
                                    {"week": "2027-W03", "hours": 8.0}]
        assert (booking["person_id"], booking["hours"], booking["kind"], booking["role"], booking["source_line"]) == (
            ids["Dana"], 40.0, "hard", "Lead", line_ids[0])
        assert (booking["start"], booking["end"]) == ("2027-01-06T00:00:00Z", "2027-01-20T00:00:00Z")
        opened = await requests()
        assert sorted((r["role"], r["skill"], r["min_proficiency"], r["line_id"]) for r in opened) == [
            ("DBA", "PostgreSQL", 3, line_ids[1]), ("Tester", None, 1, line_ids[2])]
        skilled = (await cap.get("/capacity/v1/role-requests?skill=postgresql", headers=VIEWER)).json()["items"]
        assert [r["role"] for r in skilled] == ["DBA"]

        # Eli's PostgreSQL is 2 (< 3): refused; Dana fills it.
        request_id = skilled[0]["id"]
        refused = await cap.post(f"/capacity/v1/role-requests/{request_id}/assign", headers=RM,
                                 json={"person_id": ids["Eli"]})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "person_id"
        filled = await cap.post(f"/capacity/v1/role-requests/{request_id}/assign", headers=RM,
                                json={"person_id": ids["Dana"]})
        assert filled.status_code == 200, filled.text
        assert (filled.json()["status"], filled.json()["person_id"]) == ("filled", ids["Dana"])
        again = await cap.post(f"/capacity/v1/role-requests/{request_id}/assign", headers=RM,
                               json={"person_id": ids["Dana"]})
        assert again.status_code == 409
        dba_booking = next(b for b in await project_bookings() if b["source_line"] == line_ids[1])
        assert dba_booking["weeks"] == [{"week": "2027-W01", "hours": 10.0}, {"week": "2027-W02", "hours": 10.0}]
        assert dba_booking["id"] == filled.json()["booking_id"] and dba_booking["kind"] == "soft"

        # Re-plan: the lead drops to 10 h/w, the DBA line runs a week longer, the tester goes, Eli joins.
        replan = {"lines": [{**lead, "id": line_ids[0], "hours_per_week": 10},
                            {**dba, "id": line_ids[1], "end": "2027-01-22"},
                            {"role": "Analyst", "person_id": ids["Eli"], "hours_per_week": 5,
                             "start": "2027-01-11", "end": "2027-01-15"}]}
        response = await pf.put(f"/portfolio/v1/projects/{project['id']}/demand", headers=PM, json=replan)
        assert response.status_code == 200, response.text
        # The same plan sent back as read (every line with its id) changes nothing in capacity.
        as_read = (await pf.get(f"/portfolio/v1/projects/{project['id']}/demand", headers=VIEWER)).json()["lines"]
        same = await pf.put(f"/portfolio/v1/projects/{project['id']}/demand", headers=PM, json={"lines": as_read})
        assert same.status_code == 200 and same.json()["lines"] == response.json()["lines"]
        await eventually(lambda: _inbox_at_least(capacity, 3), timeout=TIMEOUT)
        active = {b["role"]: b for b in await project_bookings()}
        assert set(active) == {"Lead", "DBA", "Analyst"}
        assert active["Lead"]["id"] == booking["id"] and active["Lead"]["hours"] == 20.0
        assert active["DBA"]["id"] == dba_booking["id"] and active["DBA"]["person_id"] == ids["Dana"]
        assert [w["hours"] for w in active["DBA"]["weeks"]] == [10.0, 10.0, 10.0]
        assert active["Analyst"]["weeks"] == [{"week": "2027-W02", "hours": 5.0}]
        assert [r["role"] for r in await requests("canceled")] == ["Tester"]
        assert [r["role"] for r in await requests("filled")] == ["DBA"]
        assert await _count(capacity, "SELECT count(*) FROM outbox WHERE event_type = "
                                      "'capacity.booking.moved.v1'") == 2
        assert await _count(capacity, "SELECT count(*) FROM outbox WHERE event_type = "
                                      "'capacity.booking.created.v1'") == 3
        assert await _count(capacity, "SELECT count(*) FROM outbox WHERE event_type = "
                                      "'capacity.booking.released.v1'") == 0

        deferred = await pf.post(f"/portfolio/v1/projects/{project['id']}/defer", headers=PM,
                                 json={"reason": "budget moved to 2028"})
        assert deferred.status_code == 201, deferred.text

        async def all_released():
            return not await project_bookings() and len(await project_bookings("released")) == 3

        await eventually(all_released, timeout=TIMEOUT)
        assert sorted(r["role"] for r in await requests("canceled")) == ["DBA", "Tester"]
        released = await project_bookings("released")
        assert {b["release_reason"] for b in released} == {"project deferred"}
        async with capacity.state.runtime.engine.connect() as conn:
            outcome = (await conn.execute(sa.select(outbox.c.event_type).where(
                outbox.c.event_type == "capacity.booking.released.v1"))).all()
        assert len(outcome) == 3


async def _inbox_at_least(app, expected: int) -> bool:
    """Plan, re-plan and the identical re-plan applied."""
    return await _count(app, "SELECT count(*) FROM inbox WHERE event_type = "
                             "'portfolio.project.demand_planned.v1'") >= expected
