"""The CMDB API on both databases: CIs, relationships, windows, import, affected CIs, events on the broker."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from tandem_shared.events import CloudEvent

from tests.support import auth, create_app, eventually, read_topic, running, topic, walk_pages

MANAGER = auth("bob", "change_manager")
OWNER = auth("sol", "service_owner")
VIEWER = auth("vera", "viewer")
REQUESTER = auth("alice", "requester")
WINDOW = {"planned_start": "2026-12-01T22:00:00+00:00", "planned_end": "2026-12-02T02:00:00+00:00"}


async def _ci(client, name: str, ci_class: str = "server", **fields) -> dict:
    r = await client.post("/change/v1/cis", headers=MANAGER, json={"name": name, "ci_class": ci_class, **fields})
    assert r.status_code == 201, r.text
    return r.json()


async def _app(databases, backend, broker, **kwargs):
    return create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                      run_consumer=False, **kwargs)


async def test_ci_crud_filters_search_etag_and_retire(databases, backend, broker):
    app = await _app(databases, backend, broker, workers=False)
    async with running(app) as client:
        db = await _ci(client, "PAY-db-01", "database", criticality=1, owner_team="Payments")
        await _ci(client, "pay-app-01", "application", criticality=2, owner_team="Payments", environment="staging")
        await _ci(client, "hr-app", "application", criticality=4, owner_team="People")
        svc = await _ci(client, "Payments", "business_service", criticality=1)
        assert db["status"] == "active" and db["version"] == 1 and db["created_by"] == "bob"

        dup = await client.post("/change/v1/cis", headers=OWNER, json={"name": "hr-app", "ci_class": "server"})
        assert dup.status_code == 409 and "already exists" in dup.json()["detail"]
        bad = await client.post("/change/v1/cis", headers=MANAGER, json={"name": "x", "ci_class": "toaster",
                                                                          "criticality": 0})
        assert bad.status_code == 422 and {"ci_class", "criticality"} <= {e["field"] for e in bad.json()["errors"]}
        assert (await client.post("/change/v1/cis", headers=VIEWER,
                                  json={"name": "v", "ci_class": "server"})).status_code == 403

        names = lambda page: [c["name"] for c in page["items"]]  # noqa: E731
        get = lambda q: client.get(f"/change/v1/cis?{q}", headers=VIEWER)  # noqa: E731
        assert names((await get("")).json()) == ["PAY-db-01", "Payments", "hr-app", "pay-app-01"]
        assert names((await get("q=pAy")).json()) == ["PAY-db-01", "Payments", "pay-app-01"]
        assert names((await get("q=%25")).json()) == []  # wildcards are literal
        assert names((await get("ci_class=application&max_criticality=3")).json()) == ["pay-app-01"]
        assert names((await get("owner_team=Payments&environment=production")).json()) == ["PAY-db-01"]
        assert names((await client.get("/change/v1/services", headers=VIEWER)).json()) == ["Payments"]
        assert len(await walk_pages(client, "/change/v1/cis", VIEWER, limit=1)) == 4

        read = await client.get(f"/change/v1/cis/{db['id']}", headers=VIEWER)
        tag = read.headers["etag"]
        patched = await client.patch(f"/change/v1/cis/{db['id']}", headers={**MANAGER, "If-Match": tag},
                                     json={"criticality": 2, "min_up": 1, "owner_team": None})
        assert patched.status_code == 200, patched.text
        assert (patched.json()["criticality"], patched.json()["owner_team"], patched.json()["version"]) == (2, None, 2)
        stale = await client.patch(f"/change/v1/cis/{db['id']}", headers={**MANAGER, "If-Match": tag},
                                   json={"criticality": 3})
        assert stale.status_code == 412
        nulled = await client.patch(f"/change/v1/cis/{db['id']}", headers=MANAGER, json={"name": None})
        assert nulled.status_code == 422 and nulled.json()["errors"][0]["field"] == "name"
        taken = await client.patch(f"/change/v1/cis/{db['id']}", headers=MANAGER, json={"name": "hr-app"})
        assert taken.status_code == 409

        retired = await client.delete(f"/change/v1/cis/{svc['id']}", headers=MANAGER)
        assert retired.status_code == 200 and retired.json()["status"] == "retired"
        assert (await client.delete(f"/change/v1/cis/{svc['id']}", headers=MANAGER)).status_code == 409
        assert (await client.patch(f"/change/v1/cis/{svc['id']}", headers=MANAGER,
                                   json={"criticality": 5})).status_code == 409
        assert names((await client.get("/change/v1/services", headers=VIEWER)).json()) == []
        assert names((await get("status=retired")).json()) == ["Payments"]
        history = (await client.get(f"/change/v1/cis/{db['id']}/history", headers=VIEWER)).json()["items"]
        assert [h["action"] for h in history] == ["create", "update"]
        assert history[1]["changes"] == [{"field": "criticality", "old": 1, "new": 2},
                                         {"field": "min_up", "old": None, "new": 1},
                                         {"field": "owner_team", "old": "Payments", "new": None}]
        assert (await client.get(f"/change/v1/cis/{uuid.uuid4()}", headers=VIEWER)).status_code == 404


async def test_relationships_both_directions_and_refusals(databases, backend, broker):
    app = await _app(databases, backend, broker, workers=False)
    async with running(app) as client:
        app_ci = await _ci(client, "shop-app", "application", service_owner="sol")  # sol relates what sol owns
        vm = await _ci(client, "shop-vm", "virtual_machine")
        sw1, sw2 = await _ci(client, "sw1", "network_device"), await _ci(client, "sw2", "network_device")
        gone = await _ci(client, "old-vm", "virtual_machine")
        await client.delete(f"/change/v1/cis/{gone['id']}", headers=MANAGER)

        rel = await client.post(f"/change/v1/cis/{app_ci['id']}/relationships", headers=OWNER,
                                json={"target_id": vm["id"], "type": "runs_on"})
        assert rel.status_code == 201, rel.text
        assert (rel.json()["direction"], rel.json()["other_name"]) == ("outgoing", "shop-vm")

        async def refused(source, target, type, status, field=None):
            r = await client.post(f"/change/v1/cis/{source}/relationships", headers=MANAGER,
                                  json={"target_id": target, "type": type})
            assert r.status_code == status, r.text
            if field:
                assert r.json()["errors"][0]["field"] == field
            return r.json()

        assert "itself" in (await refused(vm["id"], vm["id"], "depends_on", 422, "target_id"))["detail"]
        assert "already" in (await refused(app_ci["id"], vm["id"], "runs_on", 409))["detail"]
        assert "retired" in (await refused(app_ci["id"], gone["id"], "depends_on", 422, "target_id"))["detail"]
        await refused(app_ci["id"], str(uuid.uuid4()), "depends_on", 422, "target_id")
        await refused(app_ci["id"], vm["id"], "owns", 422, "type")
        assert (await client.post(f"/change/v1/cis/{sw1['id']}/relationships", headers=MANAGER,
                                  json={"target_id": sw2["id"], "type": "connects_to"})).status_code == 201
        await refused(sw2["id"], sw1["id"], "connects_to", 409)  # symmetric duplicate

        seen_from_vm = (await client.get(f"/change/v1/cis/{vm['id']}/relationships", headers=VIEWER)).json()
        assert [(r["direction"], r["other_name"], r["type"]) for r in seen_from_vm] == [
            ("incoming", "shop-app", "runs_on")]
        assert (await client.delete(f"/change/v1/relationships/{rel.json()['id']}", headers=VIEWER)).status_code == 403
        assert (await client.delete(f"/change/v1/relationships/{rel.json()['id']}", headers=MANAGER)).status_code == 204
        assert (await client.get(f"/change/v1/cis/{vm['id']}/relationships", headers=VIEWER)).json() == []
        assert (await client.delete(f"/change/v1/relationships/{rel.json()['id']}", headers=MANAGER)).status_code == 404


async def test_maintenance_and_blackout_windows(databases, backend, broker):
    app = await _app(databases, backend, broker, workers=False)
    async with running(app) as client:
        db = await _ci(client, "crm-db", "database")
        svc = await _ci(client, "CRM", "business_service")
        base = f"/change/v1/cis/{db['id']}/maintenance-windows"
        ok = await client.post(base, headers=MANAGER, json={
            "rrule": "RRULE:FREQ=WEEKLY;BYDAY=SA", "starts_at": "2026-12-05T23:00:00+01:00", "duration_minutes": 240})
        assert ok.status_code == 201, ok.text
        assert ok.json()["rrule"] == "FREQ=WEEKLY;BYDAY=SA" and ok.json()["starts_at"].startswith("2026-12-05T22:00:00")
        for rule in ("FREQ=WEEKLY;BYDAY=XX", "every saturday", "FREQ=SECONDLY"):
            bad = await client.post(base, headers=MANAGER, json={"rrule": rule, "starts_at": "2026-12-05T22:00:00Z",
                                                                 "duration_minutes": 60})
            assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rrule", bad.text
        zero = await client.post(base, headers=MANAGER, json={"rrule": "FREQ=DAILY",
                                                              "starts_at": "2026-12-05T22:00:00Z",
                                                              "duration_minutes": 0})
        assert zero.status_code == 422 and zero.json()["errors"][0]["field"] == "duration_minutes"
        assert [w["id"] for w in (await client.get(base, headers=VIEWER)).json()] == [ok.json()["id"]]
        assert (await client.delete(f"/change/v1/maintenance-windows/{ok.json()['id']}",
                                    headers=MANAGER)).status_code == 204
        assert (await client.get(base, headers=VIEWER)).json() == []

        bw = "/change/v1/blackout-windows"
        freeze = await client.post(bw, headers=MANAGER, json={"name": "Year-end freeze", "scope": "global",
                                   "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z"})
        assert freeze.status_code == 201, freeze.text
        crm = await client.post(bw, headers=OWNER, json={"name": "CRM campaign", "scope": "service", "ci_id": svc["id"],
                                "start": "2026-11-25T00:00:00Z", "end": "2026-11-27T00:00:00Z"})
        assert crm.status_code == 201, crm.text
        for body, field in [
            ({"scope": "service", "ci_id": db["id"]}, "ci_id"),  # not a business service
            ({"scope": "ci"}, "ci_id"),
            ({"scope": "global", "ci_id": db["id"]}, "ci_id"),
            ({"scope": "ci", "ci_id": str(uuid.uuid4())}, "ci_id"),
            ({"scope": "global", "end": "2026-11-01T00:00:00Z"}, "end"),
        ]:
            r = await client.post(bw, headers=MANAGER, json={"name": "bad", "start": "2026-11-02T00:00:00Z",
                                                             "end": "2026-11-03T00:00:00Z", **body})
            assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (body, r.text)

        listed = lambda q: client.get(f"{bw}?{q}", headers=VIEWER)  # noqa: E731
        assert [w["name"] for w in (await listed("")).json()["items"]] == ["CRM campaign", "Year-end freeze"]
        assert [w["name"] for w in (await listed("from=2026-12-01T00:00:00Z")).json()["items"]] == ["Year-end freeze"]
        assert [w["name"] for w in (await listed("to=2026-12-01T00:00:00Z")).json()["items"]] == ["CRM campaign"]
        assert [w["name"] for w in (await listed(f"ci_id={svc['id']}")).json()["items"]] == ["CRM campaign"]
        assert [w["name"] for w in (await listed("scope=global")).json()["items"]] == ["Year-end freeze"]

        one = await client.get(f"{bw}/{freeze.json()['id']}", headers=VIEWER)
        moved = await client.patch(f"{bw}/{freeze.json()['id']}", headers={**MANAGER, "If-Match": one.headers["etag"]},
                                   json={"end": "2027-01-05T00:00:00Z"})
        assert moved.status_code == 200 and moved.json()["version"] == 2
        stale = await client.patch(f"{bw}/{freeze.json()['id']}", headers={**MANAGER, "If-Match": one.headers["etag"]},
                                   json={"name": "x"})
        assert stale.status_code == 412
        backwards = await client.patch(f"{bw}/{freeze.json()['id']}", headers=MANAGER,
                                       json={"end": "2026-12-01T00:00:00Z"})
        assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"
        rescoped = await client.patch(f"{bw}/{freeze.json()['id']}", headers=MANAGER, json={"scope": "ci"})
        assert rescoped.status_code == 422 and rescoped.json()["errors"][0]["field"] == "ci_id"
        assert (await client.delete(f"{bw}/{crm.json()['id']}", headers=MANAGER)).status_code == 204
        assert (await client.get(f"{bw}/{crm.json()['id']}", headers=VIEWER)).status_code == 404


async def test_bulk_import_applies_valid_rows_and_reports_each_invalid_one(databases, backend, broker):
    app = await _app(databases, backend, broker, workers=False)
    async with running(app) as client:
        existing = await _ci(client, "web-01", "server", criticality=3, owner_team="Web", service_owner="sol")
        csv_text = (
            "name,ci_class,criticality,environment,owner_team,service_owner,min_up,description\n"
            "web-01,server,2,,,,,\n"                      # 1: update criticality, keep owner_team
            "web-02,server,3,production,Web,,,\n"          # 2: create
            "db-01,database,9,production,,,,\n"            # 3: criticality out of range
            "lb-01,toaster,3,production,,,,\n"             # 4: unknown class
            ",server,3,,,,,\n"                             # 5: no name
            "web-02,server,4,,,,,\n"                       # 6: repeated in the file
            "cache-01,other,5,test,Cache,,2,Redis\n"       # 7: create
        )
        r = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "text/csv"}, content=csv_text)
        assert r.status_code == 200, r.text
        result = r.json()
        assert (result["created"], result["updated"]) == (2, 1)
        assert [(e["row"], e["field"]) for e in result["errors"]] == [
            (3, "criticality"), (4, "ci_class"), (5, "name"), (6, "name")]
        assert "row 2" in result["errors"][3]["message"]
        web01 = (await client.get(f"/change/v1/cis/{existing['id']}", headers=VIEWER)).json()
        assert (web01["criticality"], web01["owner_team"]) == (2, "Web")
        cache = (await client.get("/change/v1/cis?q=cache", headers=VIEWER)).json()["items"][0]
        assert (cache["min_up"], cache["environment"], cache["description"]) == (2, "test", "Redis")

        as_json = [{"name": "web-02", "ci_class": "server", "criticality": 1}, {"name": "x", "ci_class": "server",
                   "colour": "red"}, "not an object", {"name": "queue-01", "ci_class": "other"}]
        r = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "application/json"},
                              content=json.dumps(as_json))
        assert r.status_code == 200, r.text
        assert (r.json()["created"], r.json()["updated"]) == (1, 1)
        assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "colour"), (3, "row")]

        bad_header = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "text/csv"},
                                       content="name,ci_class,colour\na,server,red\n")
        assert bad_header.status_code == 422 and "colour" in bad_header.json()["detail"]
        too_many = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "application/json"},
                                     content=json.dumps([{"name": f"n{i}", "ci_class": "server"}
                                                         for i in range(10_001)]))
        assert too_many.status_code == 413 and "10000" in too_many.json()["detail"]
        xml = await client.post("/change/v1/cis/import", headers={**OWNER, "Content-Type": "application/xml"},
                                content="<a/>")
        assert xml.status_code == 415
        assert (await client.post("/change/v1/cis/import", headers={**VIEWER, "Content-Type": "text/csv"},
                                  content="name,ci_class\n")).status_code == 403
        async with app.state.runtime.engine.connect() as conn:
            count = (await conn.execute(sa.text("SELECT count(*) FROM configuration_items"))).scalar()
            events = (await conn.execute(sa.text(
                "SELECT event_type, count(*) FROM outbox GROUP BY event_type ORDER BY event_type"))).all()
        assert count == 4
        assert [tuple(e) for e in events] == [("change.ci.created.v1", 4), ("change.ci.updated.v1", 2)]


async def test_changes_name_affected_cis_by_id(databases, backend, broker):
    app = await _app(databases, backend, broker, workers=False)
    async with running(app) as client:
        a, b = await _ci(client, "ci-a"), await _ci(client, "ci-b")
        old = await _ci(client, "ci-old")
        await client.delete(f"/change/v1/cis/{old['id']}", headers=MANAGER)
        created = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Patch two servers", "type": "normal", "affected_cis": [a["id"], b["id"], a["id"]], **WINDOW})
        assert created.status_code == 201, created.text
        assert created.json()["affected_cis"] == [a["id"], b["id"]] and created.json()["version"] == 1
        unknown = str(uuid.uuid4())
        refused = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Bad CIs", "type": "normal", "affected_cis": [a["id"], unknown, old["id"]], **WINDOW})
        assert refused.status_code == 422
        error = refused.json()["errors"][0]
        assert error["field"] == "affected_cis"
        assert error["unknown_ids"] == [unknown] and error["retired_ids"] == [old["id"]]
        names = await client.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Names are not ids", "type": "normal", "affected_cis": ["ci-a"], **WINDOW})
        assert names.status_code == 422 and names.json()["errors"][0]["field"].startswith("affected_cis")
        async with app.state.runtime.engine.connect() as conn:
            linked = (await conn.execute(sa.text("SELECT count(*) FROM change_cis"))).scalar()
            changes = (await conn.execute(sa.text("SELECT count(*) FROM changes"))).scalar()
        assert (linked, changes) == (2, 1)

        # Editing the list in new replaces the links; an unknown id is refused and changes nothing.
        path = f"/change/v1/changes/{created.json()['id']}"
        edited = await client.patch(path, headers={**REQUESTER, "If-Match": created.headers["ETag"]},
                                    json={"affected_cis": [b["id"]]})
        assert edited.status_code == 200 and edited.json()["affected_cis"] == [b["id"]], edited.text
        bad = await client.patch(path, headers={**REQUESTER, "If-Match": edited.headers["ETag"]},
                                 json={"affected_cis": [unknown]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["unknown_ids"] == [unknown]
        async with app.state.runtime.engine.connect() as conn:
            links = (await conn.execute(sa.text("SELECT ci_id FROM change_cis"))).scalars().all()
        assert [uuid.UUID(str(ci)) for ci in links] == [uuid.UUID(b["id"])]


async def test_ci_events_reach_the_broker(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        a, b = await _ci(client, "evt-a", "application"), await _ci(client, "evt-b", "server")
        await client.patch(f"/change/v1/cis/{a['id']}", headers=MANAGER, json={"criticality": 1, "description": "x"})
        rel = (await client.post(f"/change/v1/cis/{a['id']}/relationships", headers=MANAGER,
                                 json={"target_id": b["id"], "type": "runs_on"})).json()
        await client.delete(f"/change/v1/relationships/{rel['id']}", headers=MANAGER)
        mw = (await client.post(f"/change/v1/cis/{b['id']}/maintenance-windows", headers=MANAGER, json={
            "rrule": "FREQ=DAILY", "starts_at": "2026-12-01T02:00:00Z", "duration_minutes": 60})).json()
        await client.delete(f"/change/v1/maintenance-windows/{mw['id']}", headers=MANAGER)
        bw = (await client.post("/change/v1/blackout-windows", headers=MANAGER, json={
            "name": "freeze", "scope": "ci", "ci_id": b["id"], "start": "2026-12-01T00:00:00Z",
            "end": "2026-12-02T00:00:00Z"})).json()
        await client.patch(f"/change/v1/blackout-windows/{bw['id']}", headers=MANAGER, json={"name": "freeze 2"})
        await client.delete(f"/change/v1/blackout-windows/{bw['id']}", headers=MANAGER)
        await client.delete(f"/change/v1/cis/{b['id']}", headers=MANAGER)
        expected = ["change.ci.created.v1", "change.ci.created.v1", "change.ci.updated.v1",
                    "change.ci_relationship.created.v1", "change.ci_relationship.deleted.v1",
                    "change.maintenance_window.created.v1", "change.maintenance_window.deleted.v1",
                    "change.blackout_window.created.v1", "change.blackout_window.updated.v1",
                    "change.blackout_window.deleted.v1", "change.ci.retired.v1"]

        async def published():
            events = [CloudEvent.from_bytes(m.value) for m in await read_topic(broker.bootstrap, topic("change"))]
            return events if len(events) >= len(expected) else None

        events = await eventually(published, timeout=20)
        # Partitions are keyed by entity: order holds per entity, not across the topic.
        assert sorted(e.type for e in events) == sorted(expected)
        by_type = {e.type: e for e in events}
        assert [e.type for e in events if e.subject == b["id"]] == ["change.ci.created.v1", "change.ci.retired.v1"]
        updated = by_type["change.ci.updated.v1"].data
        assert updated["changed_fields"] == ["criticality", "description"] and updated["changes"]["criticality"] == 1
        related = by_type["change.ci_relationship.created.v1"].data
        assert (related["source_id"], related["target_id"], related["type"]) == (a["id"], b["id"], "runs_on")
        assert by_type["change.blackout_window.updated.v1"].data["name"] == "freeze 2"
