"""Actual labour cost through the real broker on both databases: capacity's project bookings × each person's cost
rate (capacity.person.cost_rate_changed.v1) fill portfolio's budget against actual, month by month."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.support import auth, book_for_project, create_app, eventually, running

PM = auth("paula", "project_manager")
VIEWER = auth("vera", "viewer")
RM = auth("rita", "resource_manager")
TIMEOUT = 25.0
# 2055 shares 2027's calendar: 2055-W09 is Monday 1 March to Sunday 7 March; 2055-W13 runs Monday 29 March to
# Sunday 4 April, its Thursday is 1 April, so its hours count in April.
PROJECT = {"name": "Customer portal relaunch", "sponsor": "cfo", "start_date": "2055-01-04",
           "go_live_date": "2055-06-30", "budget_amount": "600000.00", "budget_currency": "EUR"}


async def _labour(client, pid: str) -> dict[str, str]:
    budget = await client.get(f"/portfolio/v1/projects/{pid}/budget", headers=VIEWER)
    assert budget.status_code == 200, budget.text
    return {m["month"]: m["actual_labour"] for m in budget.json()["months"] if m["actual_labour"] != "0.00"}


async def _outbox(app, event_type: str) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"),
                                   {"t": event_type})).all()
    return [row.payload if isinstance(row.payload, dict) else json.loads(row.payload) for row in rows]


async def test_bookings_times_cost_rates_are_the_projects_actual_labour_cost(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(capacity) as cap, running(portfolio) as pf:
        created = await pf.post("/portfolio/v1/projects", headers=PM, json=PROJECT)
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        people = {}
        for name, rate in (("Dana", {"amount": "85.50", "currency": "EUR"}), ("Eli", None),
                           ("Finn", {"amount": "120.00", "currency": "USD"})):
            body = {"name": name, "team": "Platform", "weekly_hours": 40} | ({"cost_rate": rate} if rate else {})
            person = await cap.post("/capacity/v1/people", headers=RM, json=body)
            assert person.status_code == 201, person.text
            people[name] = person.json()["id"]

        async def book(person: str, start: str, end: str, hours: float) -> str:
            return await book_for_project(capacity, person_id=people[person], project_id=pid, start=start, end=end,
                                          hours=hours)

        march = await book("Dana", "2055-03-01T00:00:00Z", "2055-03-06T00:00:00Z", 30)
        await book("Dana", "2055-03-29T00:00:00Z", "2055-04-03T00:00:00Z", 10)  # 2055-W13: April
        await book("Eli", "2055-03-01T00:00:00Z", "2055-03-06T00:00:00Z", 20)  # no rate: not costed
        await book("Finn", "2055-03-01T00:00:00Z", "2055-03-06T00:00:00Z", 5)  # USD: not costed in EUR
        # 30 h × 85.50 in March, 10 h × 85.50 in April.
        expected = {"2055-03": "2565.00", "2055-04": "855.00"}
        assert await eventually(lambda: _matches(pf, pid, expected), timeout=TIMEOUT)

        # Eli gets a rate and Dana's rises: every booked month is costed again at the new rates.
        for name, rate in (("Eli", "60.00"), ("Dana", "100.00")):
            patched = await cap.patch(f"/capacity/v1/people/{people[name]}", headers=RM,
                                      json={"cost_rate": {"amount": rate, "currency": "EUR"}})
            assert patched.status_code == 200, patched.text
        expected = {"2055-03": "4200.00", "2055-04": "1000.00"}  # 30 × 100 + 20 × 60; 10 × 100
        assert await eventually(lambda: _matches(pf, pid, expected), timeout=TIMEOUT)
        budget = (await pf.get(f"/portfolio/v1/projects/{pid}/budget", headers=VIEWER)).json()
        march_row = next(m for m in budget["months"] if m["month"] == "2055-03")
        assert (march_row["actual_costs"], march_row["actual"], budget["currency"]) == ("0.00", "4200.00", "EUR")
        assert budget["actual_total"] == "5200.00"

        # A released booking costs nothing any more; a cleared rate stops costing its hours.
        released = await cap.post(f"/capacity/v1/bookings/{march}/release", headers=RM, json={"reason": "re-planned"})
        assert released.status_code == 200, released.text
        assert await eventually(lambda: _matches(pf, pid, {"2055-03": "1200.00", "2055-04": "1000.00"}),
                                timeout=TIMEOUT)
        cleared = await cap.patch(f"/capacity/v1/people/{people['Eli']}", headers=RM, json={"cost_rate": None})
        assert cleared.status_code == 200, cleared.text
        assert await eventually(lambda: _matches(pf, pid, {"2055-04": "1000.00"}), timeout=TIMEOUT)

        # What capacity published: the rate on creation, on each change, and when cleared (rate and currency null).
        rates = [(e["data"]["person_id"], e["data"]["rate"], e["data"]["currency"], e["subject"])
                 for e in await _outbox(capacity, "capacity.person.cost_rate_changed.v1")]
        assert rates == [(people["Dana"], "85.50", "EUR", people["Dana"]), (people["Finn"], "120.00", "USD",
                                                                             people["Finn"]),
                         (people["Eli"], "60.00", "EUR", people["Eli"]), (people["Dana"], "100.00", "EUR",
                                                                          people["Dana"]),
                         (people["Eli"], None, None, people["Eli"])]


async def _matches(client, pid: str, expected: dict[str, str]) -> bool:
    return await _labour(client, pid) == expected
