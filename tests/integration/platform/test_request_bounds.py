"""Bounds on every date, duration, depth and number a request carries: a 422 problem naming the field, never a 500
or a silent 1970 (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tandem_shared.bounds import bounds_settings

from tests.integration.change.flows import MANAGER, REQUESTER, known_person, raise_change, window
from tests.support import auth, create_app, running

RESOURCE_MANAGER = auth("rita", "resource_manager")
PMO = auth("omar", "pmo")


def _refused(response, field: str) -> dict:
    assert response.status_code == 422, (field, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    return problem


# Beyond the horizon the suite runs with (tests/conftest.py), on either side.
BEYOND = 365.25 * (bounds_settings().planning_horizon_years + 1)


def _at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


async def test_change_dates_windows_effort_and_depth_are_bounded(databases, backend):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=None, workers=False)
    async with running(app) as client:
        person = await known_person(app)
        base = {"title": "Patch the gateway", "type": "normal"}
        cases = [
            ({**base, "planned_start": "9999-12-31T00:00:00Z", "planned_end": "9999-12-31T04:00:00Z"},
             "planned_start"),
            ({**base, "planned_start": _at(BEYOND), "planned_end": _at(BEYOND + 1)}, "planned_start"),
            ({**base, "planned_start": _at(-BEYOND), "planned_end": _at(-BEYOND + 1)}, "planned_start"),
            ({**base, "planned_start": 1_900_000_000, "planned_end": _at(2)}, "planned_start"),
            ({**base, "planned_start": "1900000000", "planned_end": _at(2)}, "planned_start"),
            ({**base, "planned_start": _at(1), "planned_end": _at(200)}, "planned_end"),
            ({**base, **window(), "assignee_id": str(person), "effort_hours": 5_000}, "effort_hours"),
        ]
        for body, field in cases:
            _refused(await client.post("/change/v1/changes", headers=REQUESTER, json=body), field)

        change = await raise_change(client, assignee_id=str(person), effort_hours=4)
        path = f"/change/v1/changes/{change['id']}"
        _refused(await client.get(f"{path}/next-windows?after=9999-12-31T00:00:00Z", headers=REQUESTER), "after")
        _refused(await client.get(f"{path}/next-windows?after=0.5", headers=REQUESTER), "after")
        _refused(await client.post(f"{path}/reschedule", headers=REQUESTER, json={
            "planned_start": "9999-12-30T00:00:00Z", "planned_end": "9999-12-31T00:00:00Z"}), "planned_start")
        for depth in ("11", "99999999999999999999999999", "1e309", "-1"):
            _refused(await client.post(f"{path}/impact?depth={depth}", headers=MANAGER), "depth")
        _refused(await client.get("/change/v1/changes?planned_to=0.5", headers=REQUESTER), "planned_to")
        _refused(await client.post("/change/v1/blackout-windows", headers=MANAGER, json={
            "name": "Freeze", "scope": "global", "start": "9999-12-30T00:00:00Z", "end": "9999-12-31T00:00:00Z"}),
            "start")
        ci = (await client.post("/change/v1/cis", headers=MANAGER, json={
            "name": "db1", "ci_class": "server", "criticality": 3, "environment": "production"})).json()["id"]
        _refused(await client.post(f"/change/v1/cis/{ci}/maintenance-windows", headers=MANAGER, json={
            "rrule": "FREQ=YEARLY", "starts_at": "9999-12-31T00:00:00Z", "duration_minutes": 60}), "starts_at")
        _refused(await client.get(f"/change/v1/calendar?from=0&to={_at(30)}", headers=REQUESTER), "from")
        assert (await client.get(f"{path}/next-windows?after={_at(1).replace('+00:00', 'Z')}",
                                 headers=REQUESTER)).status_code == 200

        schema = (await client.get("/change/openapi.json")).json()["components"]["schemas"]
        planned = schema["ChangeCreate"]["properties"]["planned_start"]
        assert "planning horizon" in planned["x-tandem-bounds"], planned
        assert schema["ChangeCreate"]["properties"]["effort_hours"]["maximum"] == 2000


async def test_capacity_dates_are_not_numbers_and_stay_within_the_horizon(databases, backend):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        person = (await client.post("/capacity/v1/people", headers=RESOURCE_MANAGER, json={
            "name": "Dana Kim", "team": "Platform", "weekly_hours": 40})).json()["id"]
        for query, field in (("to=0.5", "to"), ("from=0", "from"), ("from=9999-12-01", "from")):
            _refused(await client.get(f"/capacity/v1/people/{person}/utilisation?{query}", headers=RESOURCE_MANAGER),
                     field)
        _refused(await client.get("/capacity/v1/bookings?to=0.5", headers=RESOURCE_MANAGER), "to")
        _refused(await client.post("/capacity/v1/bookings", headers=RESOURCE_MANAGER, json={
            "person_id": person, "source": "operations", "source_id": "patching", "start": "9999-12-01T00:00:00Z",
            "end": "9999-12-08T00:00:00Z", "hours": 4}), "start")
        _refused(await client.post(f"/capacity/v1/people/{person}/time-off", headers=RESOURCE_MANAGER, json={
            "start_date": "1066-10-14", "end_date": "1066-10-15", "note": "Hastings"}), "start_date")


async def test_numbers_are_finite_json(databases, backend):
    app = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=None,
                     workers=False)
    async with running(app) as client:
        path = "/metrics/v1/kpis/change_success_rate/targets/organisation"
        headers = {**PMO, "Content-Type": "application/json", "If-Match": 'W/"0"'}
        for raw, field in ((b'{"target": NaN}', "target"), (b'{"green": Infinity, "amber": 0.5}', "green"),
                           (b'{"target": 1e400}', "target")):
            _refused(await client.put(path, headers=headers, content=raw), field)
        ok = await client.put(path, headers=headers, content=b'{"target": 0.97}')
        assert ok.status_code == 200, ok.text
