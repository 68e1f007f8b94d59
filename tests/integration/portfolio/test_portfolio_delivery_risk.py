"""Delivery risk through the real broker on both databases: change's team success score below the threshold raises
an automatic risk on every live project the team delivers and turns its resources status amber, explained; the
score recovering closes the entry, and a project naming the team later gets it at once."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.integration.change.flows import MANAGER, REQUESTER, act, known_person, raise_change, standard_model
from tests.support import auth, create_app, eventually, running

PM = auth("paula", "project_manager")
VIEWER = auth("vera", "viewer")
API = "/portfolio/v1"
TIMEOUT = 25.0


async def _risks(client, pid: str) -> list[dict]:
    response = await client.get(f"{API}/projects/{pid}/risks?status=open&status=closed", headers=VIEWER)
    assert response.status_code == 200, response.text
    return [r for r in response.json()["items"] if r["source"] == "automatic"]


async def _resources(client, pid: str) -> dict:
    response = await client.get(f"{API}/projects/{pid}/status", headers=VIEWER)
    return next(d for d in response.json()["dimensions"] if d["dimension"] == "resources")


async def test_a_failing_delivery_team_is_a_delivery_risk_until_its_score_recovers(databases, backend, broker):
    change = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                        run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(change) as ch, running(portfolio) as pf:
        assignee = await known_person(change, team="Platform")
        model = await standard_model(ch)

        async def implement(outcome: str) -> None:
            done = await raise_change(ch, type="standard", model_id=model, assignee_id=str(assignee))
            await act(ch, done["id"], "submit", REQUESTER)
            await act(ch, done["id"], "start", MANAGER)
            await act(ch, done["id"], "complete", MANAGER, {"outcome": outcome})

        created = await pf.post(f"{API}/projects", headers=PM, json={"name": "Data platform", "sponsor": "cfo",
                                                                     "project_manager": "paula"})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        named = await pf.patch(f"{API}/projects/{pid}", headers={**PM, "If-Match": created.headers["ETag"]},
                               json={"delivery_team": "Platform"})
        assert named.status_code == 200 and named.json()["delivery_team"] == "Platform", named.text
        assert (await _resources(pf, pid))["facts"]["delivery_team"] is None  # no score announced yet

        await implement("failed")  # Platform: −5
        [risk] = await eventually(lambda: _risks(pf, pid), timeout=TIMEOUT)
        assert (risk["title"], risk["status"], risk["probability"], risk["impact"], risk["owner"]) == (
            "Delivery team Platform: change success score -5", "open", 3, 3, "paula")
        assert "below the threshold 0" in risk["source_explanation"]
        resources = await _resources(pf, pid)
        assert resources["colour"] == "amber" and resources["facts"]["delivery_team"] == {
            "team": "Platform", "success_score": -5, "threshold": 0, "at_risk": True}
        assert "delivery team Platform's change success score is -5, below the threshold 0: a delivery risk" \
            in resources["explanation"]

        # A project naming the team later carries the risk from its creation.
        later = await pf.post(f"{API}/projects", headers=PM, json={"name": "Data catalogue", "sponsor": "cfo",
                                                                   "delivery_team": "Platform"})
        assert later.status_code == 201, later.text
        [inherited] = await _risks(pf, later.json()["id"])
        assert inherited["status"] == "open" and inherited["owner"] is None

        await implement("failed")  # −10: the same entry, more likely
        again = await eventually(lambda: _entry_where(pf, pid, probability=4), timeout=TIMEOUT)
        assert again["id"] == risk["id"] and again["title"].endswith("score -10")
        for _ in range(4):
            await implement("successful")  # −10 + 12 = 2: recovered
        closed = await eventually(lambda: _entry_where(pf, pid, status="closed"), timeout=TIMEOUT)
        assert closed["id"] == risk["id"] and "closed: the team's score recovered to 2" in closed["source_explanation"]
        resources = await _resources(pf, pid)
        assert resources["colour"] == "green" and resources["facts"]["delivery_team"]["success_score"] == 2
        assert len(await _risks(pf, pid)) == 1

        events = [e["type"] for e in await _outbox(portfolio) if e["subject"] == pid]
        assert events.count("portfolio.risk.raised.v1") == 1 and events.count("portfolio.risk.closed.v1") == 1


async def _entry_where(client, pid: str, **expected) -> dict | None:
    entries = await _risks(client, pid)
    return entries[0] if entries and all(entries[0][k] == v for k, v in expected.items()) else None


async def _outbox(app) -> list[dict]:
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT payload FROM outbox ORDER BY seq"))).all()
    return [row.payload if isinstance(row.payload, dict) else json.loads(row.payload) for row in rows]
