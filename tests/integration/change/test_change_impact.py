"""Stored impact of a change on both databases: redundancy, decisions kept, refusals, the risk summary."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.support import auth, create_app, running

MANAGER = auth("bob", "change_manager")
REQUESTER = auth("alice", "requester")
WINDOW = {"planned_start": "2026-12-01T22:00:00+00:00", "planned_end": "2026-12-02T02:00:00+00:00"}


async def _cmdb(client) -> dict[str, str]:
    """web (service) depends on app (min_up 2, runs on n1, n2, n3) and on db; report (service, crit 4) on db.

    min_up counts every provider of a CI, so the redundant pool is the CI's only providers here.
    """
    ids = {}
    for name, ci_class, criticality, min_up in [
        ("web", "business_service", 1, None), ("report", "business_service", 4, None),
        ("app", "application", 2, 2), ("db", "database", 3, None),
        ("n1", "server", 3, None), ("n2", "server", 3, None), ("n3", "server", 3, None),
    ]:
        r = await client.post("/change/v1/cis", headers=MANAGER, json={
            "name": name, "ci_class": ci_class, "criticality": criticality, "min_up": min_up})
        ids[name] = r.json()["id"]
    for source, target, kind in [("web", "app", "depends_on"), ("app", "n1", "runs_on"), ("app", "n2", "runs_on"),
                                 ("app", "n3", "runs_on"), ("web", "db", "depends_on"), ("report", "db", "depends_on")]:
        r = await client.post(f"/change/v1/cis/{ids[source]}/relationships", headers=MANAGER,
                              json={"target_id": ids[target], "type": kind})
        assert r.status_code == 201, r.text
    return ids


async def _change(client, *cis: str) -> str:
    r = await client.post("/change/v1/changes", headers=REQUESTER, json={
        "title": "Maintenance", "type": "normal", "affected_cis": list(cis), **WINDOW})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _names(impact: dict) -> dict[str, int]:
    return {i["name"]: i["depth"] for i in impact["impacted"]}


async def test_impact_respects_redundancy_and_keeps_decisions(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        ids = await _cmdb(client)
        one_node = await _change(client, ids["n1"])
        r = await client.post(f"/change/v1/changes/{one_node}/impact", headers=REQUESTER)
        assert r.status_code == 200, r.text
        assert _names(r.json()) == {"n1": 0} and r.json()["business_services"] == []

        two_nodes = await _change(client, ids["n1"], ids["n2"])
        impact = (await client.post(f"/change/v1/changes/{two_nodes}/impact", headers=MANAGER)).json()
        assert _names(impact) == {"n1": 0, "n2": 0, "app": 1, "web": 2}
        assert [s["name"] for s in impact["business_services"]] == ["web"]

        excluded = await client.patch(f"/change/v1/changes/{two_nodes}/impact/{ids['web']}", headers=MANAGER,
                                      json={"status": "excluded"})
        assert excluded.status_code == 200 and excluded.json()["status"] == "excluded"
        assert excluded.json()["decided_by"] == "bob"
        await client.patch(f"/change/v1/changes/{two_nodes}/impact/{ids['app']}", headers=MANAGER,
                           json={"status": "confirmed"})
        again = (await client.post(f"/change/v1/changes/{two_nodes}/impact?depth=1", headers=MANAGER)).json()
        # depth 1 no longer reaches web, but the decision on it is kept
        assert {i["name"]: i["status"] for i in again["impacted"]} == {
            "n1": "computed", "n2": "computed", "app": "confirmed", "web": "excluded"}
        read = (await client.get(f"/change/v1/changes/{two_nodes}/impact", headers=auth("vera", "viewer"))).json()
        assert read == again

        from tandem_change.cmdb.impact_service import impact_summary
        async with app.state.runtime.sessionmaker() as session:
            summary = await impact_summary(session, uuid.UUID(two_nodes))
        assert sorted(map(str, summary.impacted_ci_ids)) == sorted([ids["n1"], ids["n2"], ids["app"]])
        assert summary.business_service_ids == [] and summary.most_critical == 2
        assert summary.critical_business_services == 0

        db_change = await _change(client, ids["db"])
        full = (await client.post(f"/change/v1/changes/{db_change}/impact", headers=MANAGER)).json()
        assert _names(full) == {"db": 0, "report": 1, "web": 1}
        cut = (await client.post(f"/change/v1/changes/{db_change}/impact?max_criticality=2", headers=MANAGER)).json()
        assert _names(cut) == {"web": 1}  # the walk starts at db (3) without listing it
        async with app.state.runtime.sessionmaker() as session:
            summary = await impact_summary(session, uuid.UUID(db_change))
        assert summary.most_critical == 1 and summary.critical_business_services == 1
        assert [str(i) for i in summary.business_service_ids] == [ids["web"]]

        async with app.state.runtime.engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT payload FROM outbox WHERE event_type = 'change.request.impact_assessed.v1'"))).scalars().all()
        assert len(rows) == 5
        import json
        last = rows[-1] if isinstance(rows[-1], dict) else json.loads(rows[-1])
        assert last["data"]["impacted_business_services"] == [ids["web"]] and last["data"]["impacted_count"] == 1


async def test_impact_refusals(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with running(app) as client:
        ids = await _cmdb(client)
        change = await _change(client, ids["db"])
        base = f"/change/v1/changes/{change}/impact"
        assert (await client.post(f"/change/v1/changes/{uuid.uuid4()}/impact", headers=MANAGER)).status_code == 404
        assert (await client.get(f"/change/v1/changes/{uuid.uuid4()}/impact", headers=MANAGER)).status_code == 404
        for query, field in [("depth=11", "depth"), ("depth=-1", "depth"), ("max_criticality=0", "max_criticality")]:
            r = await client.post(f"{base}?{query}", headers=MANAGER)
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
        assert (await client.post(base, headers=auth("vera", "viewer"))).status_code == 403
        assert (await client.get(base, headers=MANAGER)).json()["impacted"] == []
        not_assessed = await client.patch(f"{base}/{ids['db']}", headers=MANAGER, json={"status": "confirmed"})
        assert not_assessed.status_code == 404 and "assess" in not_assessed.json()["detail"]
        await client.post(base, headers=MANAGER)
        assert (await client.patch(f"{base}/{ids['db']}", headers=REQUESTER,
                                   json={"status": "confirmed"})).status_code == 403
        odd = await client.patch(f"{base}/{ids['db']}", headers=MANAGER, json={"status": "computed"})
        assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "status"
        assert (await client.patch(f"{base}/{uuid.uuid4()}", headers=MANAGER,
                                   json={"status": "excluded"})).status_code == 404

        await client.post(f"/change/v1/changes/{change}/cancel", headers=REQUESTER)
        closed = await client.post(base, headers=MANAGER)
        assert closed.status_code == 409 and closed.json()["state"] == "canceled"
        assert (await client.patch(f"{base}/{ids['db']}", headers=MANAGER,
                                   json={"status": "excluded"})).status_code == 409

        # a retired CI leaves the walk
        await client.delete(f"/change/v1/cis/{ids['web']}", headers=MANAGER)
        fresh = await _change(client, ids["db"])
        impact = (await client.post(f"/change/v1/changes/{fresh}/impact", headers=MANAGER)).json()
        assert _names(impact) == {"db": 0, "report": 1}
