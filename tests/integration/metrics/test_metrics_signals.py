"""Service signals over HTTP on both databases: batches applied row by row and idempotent per (source system,
external id), uptime from outages and service hours, CSAT, incidents linked to changes the consumer learnt of,
targets with their threshold-crossed events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tandem_shared.contracts.change import ChangeImpactAssessed, ChangeImplemented
from tandem_shared.tables import audit_log, outbox

from tests.integration.metrics.test_metrics_api import VIEWER, _consumer_app, _publish
from tests.support import auth, create_app, eventually, running

FEEDER = auth("monitor", "service_owner")
PMO = auth("pat", "pmo")
OPENED = datetime(2026, 12, 2, 9, tzinfo=UTC)


async def _app(databases, backend, broker, **overrides):  # noqa: ANN001, ANN202 - fixtures
    return create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=broker.bootstrap,
                      run_consumer=False, **overrides)


def _incident(external_id: str, **fields: object) -> dict:
    return {"external_id": external_id, "service_id": "svc-pay", "ci_id": "db-1", "priority": "P2",
            "opened_at": OPENED.isoformat(), **fields}


async def _outbox(app, event_type: str) -> list[dict]:  # noqa: ANN001 - the app
    async with app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.payload).where(outbox.c.event_type == event_type)
                                   .order_by(outbox.c.seq))).scalars().all()
    return [row["data"] for row in rows]


async def _kpi(client, key: str, **query: str) -> dict:  # noqa: ANN001 - the client
    response = await client.get(f"/metrics/v1/kpis/{key}", params=query, headers=VIEWER)
    assert response.status_code == 200, response.text
    return response.json()


async def test_incident_batches_apply_valid_rows_report_invalid_ones_and_replays_are_idempotent(
        databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        rows = [_incident("INC1"), _incident("INC2", priority="P7"), _incident("INC3", priority="P1", ci_id=None),
                {"external_id": "INC4", "priority": "P3", "opened_at": OPENED.isoformat()},
                _incident("INC5", resolved_at=(OPENED - timedelta(hours=1)).isoformat()), "not an object",
                _incident("INC6", opened_at="yesterday")]
        response = await client.post("/metrics/v1/signals/incidents", headers=FEEDER,
                                     json={"source_system": "servicenow", "items": rows})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["received"], body["created"], body["rejected"]) == (7, 2, 5)
        results = body["results"]
        assert [r["status"] for r in results] == ["created", "rejected", "created", "rejected", "rejected",
                                                  "rejected", "rejected"]
        assert {r["index"]: [e["field"] for e in r["errors"]] for r in results if r["status"] == "rejected"} == {
            1: ["priority"], 3: ["service_id"], 4: ["resolved_at"], 5: ["item"], 6: ["opened_at"]}
        first_id = results[0]["id"]

        # The same content again: a no-op. Changed content: an update, audited field by field.
        again = await client.post("/metrics/v1/signals/incidents", headers=FEEDER,
                                  json={"source_system": "servicenow", "items": [_incident("INC1")]})
        assert again.json()["results"][0] == {"index": 0, "status": "unchanged", "id": first_id,
                                              "external_id": "INC1", "errors": []}
        resolved = (OPENED + timedelta(hours=4)).isoformat()
        changed = await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json={"items": [
            _incident("INC1", source_system="servicenow", priority="P1", resolved_at=resolved)]})
        assert changed.json()["results"][0]["status"] == "updated" and changed.json()["updated"] == 1
        async with app.state.runtime.engine.connect() as conn:
            audits = (await conn.execute(sa.select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "update_signal", audit_log.c.entity_id == first_id))).all()
        assert len(audits) == 1 and audits[0].actor == "monitor"
        assert audits[0].detail["changes"]["priority"] == {"before": "P2", "after": "P1"}
        assert audits[0].detail["changes"]["resolved_at"]["before"] is None and audits[0].detail["version"] == 2
        # Another source system's INC1 is another incident.
        other = await client.post("/metrics/v1/signals/incidents", headers=FEEDER,
                                  json={"items": [_incident("INC1", source_system="jira")]})
        assert other.json()["results"][0]["status"] == "created" and other.json()["results"][0]["id"] != first_id

        kpi = await _kpi(client, "incidents_opened", dimension="service:svc-pay", granularity="week",
                         **{"from": "2026-W49", "to": "2026-W49"})
        assert kpi["series"] == [{"period": "2026-W49", "value": 3.0, "status": None}]
        mttr = await _kpi(client, "mean_time_to_resolve_hours", granularity="month", **{"from": "2026-12",
                                                                                       "to": "2026-12"})
        assert mttr["series"][0]["value"] == 4.0 and mttr["series"][0]["status"] == "green"

        # Whole-body errors are 422; roles are checked.
        for body in ({"items": []}, {"rows": [_incident("X")]}, {"items": [_incident(f"B{i}") for i in range(1001)]}):
            bad = await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json=body)
            assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        denied = await client.post("/metrics/v1/signals/incidents", headers=VIEWER, json={"items": [_incident("Y")]})
        assert denied.status_code == 403
        missing_source = await client.post("/metrics/v1/signals/incidents", headers=FEEDER,
                                           json={"items": [_incident("Z")]})
        assert missing_source.json()["results"][0]["errors"][0]["field"] == "source_system"


async def test_outages_give_uptime_within_service_hours_and_new_hours_recompute_it(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        tue = datetime(2026, 12, 1, tzinfo=UTC)
        rows = [{"external_id": "O1", "service_id": "svc-web", "start": (tue + timedelta(hours=7)).isoformat(),
                 "end": (tue + timedelta(hours=9)).isoformat()},
                {"external_id": "O2", "service_id": "svc-web", "start": (tue + timedelta(hours=8, minutes=30))
                 .isoformat(), "end": (tue + timedelta(hours=10)).isoformat()},
                {"external_id": "O3", "service_id": "svc-web", "start": (tue + timedelta(hours=12)).isoformat(),
                 "end": (tue + timedelta(hours=13)).isoformat(), "planned": True},
                {"external_id": "O4", "service_id": "svc-web", "start": tue.isoformat(), "end": tue.isoformat()}]
        response = await client.post("/metrics/v1/signals/outages", headers=FEEDER,
                                     json={"source_system": "prometheus", "items": rows})
        assert [r["status"] for r in response.json()["results"]] == ["created"] * 3 + ["rejected"]
        assert response.json()["results"][3]["errors"][0]["field"] == "end"
        week = {"dimension": "service:svc-web", "granularity": "week", "from": "2026-W49", "to": "2026-W49"}
        down = await _kpi(client, "service_downtime_unplanned_minutes", **week)
        assert down["series"][0]["value"] == 180  # 07:00-10:00 merged, 24x7
        planned = await _kpi(client, "service_downtime_planned_minutes", **week)
        assert planned["series"][0]["value"] == 60
        uptime = await _kpi(client, "service_uptime", **week)
        assert uptime["series"][0]["value"] == pytest.approx(1 - 180 / 10080)
        assert uptime["series"][0]["status"] == "red"  # below 0.99

        # Weekdays 08:00-18:00: only 08:00-10:00 counts now, of 3 000 minutes.
        url = "/metrics/v1/services/svc-web/service-hours"
        current = await client.get(url, headers=VIEWER)
        assert current.json()["always"] is True and current.json()["monitored"] is True
        assert current.headers["etag"] == 'W/"0"' and current.json()["configured"] is False
        hours = {"preset": "weekdays", "start": "08:00", "end": "18:00", "timezone": "UTC"}
        assert (await client.put(url, headers={**FEEDER, "If-Match": 'W/"7"'}, json=hours)).status_code == 412
        assert (await client.put(url, headers=VIEWER, json=hours)).status_code == 403
        bad = await client.put(url, headers=FEEDER, json={**hours, "end": "07:00"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"
        put = await client.put(url, headers={**FEEDER, "If-Match": 'W/"0"'}, json=hours)
        assert put.status_code == 200, put.text
        assert put.json()["committed_minutes_per_week"] == 3000 and put.headers["etag"] == 'W/"1"'
        uptime = await _kpi(client, "service_uptime", **week)
        assert uptime["series"][0]["value"] == pytest.approx(0.96)
        down = await _kpi(client, "service_downtime_unplanned_minutes", **week)
        assert down["series"][0]["value"] == 120
        org = await _kpi(client, "service_downtime_unplanned_minutes", granularity="month", **{"from": "2026-12",
                                                                                              "to": "2026-12"})
        assert org["series"][0]["value"] == 120 and org["value"] is not None

        # An outage sent again with a new end moves the minutes; the same again changes nothing.
        longer = {**rows[0], "end": (tue + timedelta(hours=11)).isoformat()}
        moved = await client.post("/metrics/v1/signals/outages", headers=FEEDER,
                                  json={"source_system": "prometheus", "items": [longer, rows[1]]})
        assert [r["status"] for r in moved.json()["results"]] == ["updated", "unchanged"]
        down = await _kpi(client, "service_downtime_unplanned_minutes", **week)
        assert down["series"][0]["value"] == 180  # 08:00-11:00 within hours


async def test_csat_averages_per_service_on_the_five_point_scale(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        at = datetime(2026, 12, 2, 15, tzinfo=UTC).isoformat()
        rows = [{"external_id": "S1", "service_id": "svc-pay", "score": 5, "responded_at": at},
                {"external_id": "S2", "service_id": "svc-pay", "score": 4, "responded_at": at},
                {"external_id": "S3", "service_id": "svc-pay", "score": 2, "responded_at": at},
                {"external_id": "S4", "service_id": "svc-pay", "score": 75, "scale": "0-100", "responded_at": at},
                {"external_id": "S5", "service_id": "svc-pay", "score": 7, "responded_at": at},
                {"external_id": "S6", "service_id": "svc-pay", "score": 3}]
        response = await client.post("/metrics/v1/signals/csat", headers=FEEDER,
                                     json={"source_system": "survey", "items": rows})
        assert [r["status"] for r in response.json()["results"]][4:] == ["rejected", "rejected"]
        assert [e["field"] for r in response.json()["results"][4:] for e in r["errors"]] == ["score", "responded_at"]
        month = {"dimension": "service:svc-pay", "granularity": "month", "from": "2026-12", "to": "2026-12"}
        kpi = await _kpi(client, "csat_average", **month)
        assert kpi["series"] == [{"period": "2026-12", "value": 3.75, "status": "amber"}] and kpi["value"] == 3.75
        # A corrected score replaces the first one's contribution.
        await client.post("/metrics/v1/signals/csat", headers=FEEDER, json={"source_system": "survey", "items": [
            {**rows[2], "score": 4}]})
        assert (await _kpi(client, "csat_average", **month))["series"][0]["value"] == 4.25


def _implemented(change_id: uuid.UUID, cis: list[str], end: datetime, project: uuid.UUID | None = None
                 ) -> ChangeImplemented:
    return ChangeImplemented(id=change_id, type="normal", outcome="failed", team="Platform", assignee_id=None,
                             risk="low", affected_cis=cis, project_id=project, actual_start=end - timedelta(hours=1),
                             actual_end=end, incidents_caused=[], completed_by="bob", state="review", title="Patch")


async def test_incidents_are_linked_to_the_change_implemented_before_them_whichever_arrives_first(
        databases, backend, broker):
    app = await _consumer_app(databases, backend, broker)
    async with running(app) as client:
        early, late, on_service = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        # The incident arrives before the change's implementation does: linked once the consumer learns of it.
        posted = await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json={
            "source_system": "servicenow", "items": [_incident("INC-A", priority="P1"),
                                                     _incident("INC-B", ci_id="app-9", service_id="svc-shop")]})
        incident_a, incident_b = (r["id"] for r in posted.json()["results"])
        assert (await client.get(f"/metrics/v1/signals/incidents/{incident_a}", headers=VIEWER)).json()["link"] is None
        await _publish(app, _implemented(early, ["db-1", "db-2"], OPENED - timedelta(hours=30)),
                       _implemented(late, ["db-1"], OPENED - timedelta(hours=5)),
                       ChangeImpactAssessed(id=on_service, assessed_by="cm", depth=2, impacted_count=3,
                                            business_service_count=1, impacted_business_services=[], most_critical=1),
                       _implemented(on_service, ["lb-1"], OPENED - timedelta(hours=2)))

        async def linked():
            found = (await client.get(f"/metrics/v1/signals/incidents/{incident_a}", headers=VIEWER)).json()
            return found if found["link"] and found["link"]["change_id"] == str(late) else None

        found = await eventually(linked)
        link = found["link"]
        assert (link["rule"], link["ci_ids_in_common"], link["hours_between"], link["window_days"]) == (
            "same_ci", ["db-1", "svc-pay"] if False else ["db-1"], 5.0, 3)
        assert str(late) in link["explanation"]
        events = await _outbox(app, "metrics.incident.linked.v1")
        mine = [e for e in events if e["incident_id"] == incident_a]
        assert mine[-1]["change_id"] == str(late) and mine[-1]["priority"] == "P1"
        assert all(e["change_id"] != str(on_service) for e in events)  # no CI nor service in common yet

        # The team of the change now carries the incident's disruption (P1: 10 points).
        async def team_points():
            kpi = await _kpi(client, "implementation_disruption", dimension="team:Platform", granularity="month",
                             **{"from": "2026-12", "to": "2026-12"})
            return kpi if kpi["series"][0]["value"] == 10 else None

        await eventually(team_points)

        # The change's impact names INC-B's service: INC-B links to it by service.
        await _publish(app, ChangeImpactAssessed(id=on_service, assessed_by="cm", depth=2, impacted_count=3,
                                                 business_service_count=1,
                                                 impacted_business_services=[uuid.UUID(int=7)], most_critical=1))
        await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json={
            "source_system": "servicenow", "items": [_incident("INC-C", ci_id="app-3",
                                                               service_id=str(uuid.UUID(int=7)))]})

        async def by_service():
            page = (await client.get(f"/metrics/v1/signals/incidents?change_id={on_service}", headers=VIEWER)).json()
            return page if page["items"] else None

        page = await eventually(by_service)
        assert [i["external_id"] for i in page["items"]] == ["INC-C"]
        assert page["items"][0]["link"]["rule"] == "same_service"
        assert (await client.get(f"/metrics/v1/signals/incidents/{incident_b}", headers=VIEWER)).json()["link"] is None

        # An incident whose source names the change: linked at once, by the source.
        named = await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json={
            "source_system": "servicenow", "items": [_incident("INC-D", ci_id="x-1", service_id=None,
                                                               caused_by_change_id=str(early))]})
        incident_d = named.json()["results"][0]["id"]
        found = (await client.get(f"/metrics/v1/signals/incidents/{incident_d}", headers=VIEWER)).json()
        assert (found["link"]["rule"], found["link"]["change_id"]) == ("source", str(early))


async def test_targets_are_set_by_the_pmo_audited_and_a_crossing_publishes_once(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        url = "/metrics/v1/kpis/csat_average/targets/service:svc-pay"
        first = await client.get(url, headers=VIEWER)
        assert first.status_code == 200 and first.headers["etag"] == 'W/"0"'
        assert first.json()["effective_thresholds"] == {"green": 4.2, "amber": 3.5}
        rows = [{"external_id": f"S{i}", "service_id": "svc-pay", "score": s,
                 "responded_at": "2026-12-02T10:00:00+00:00"} for i, s in enumerate((4, 4, 4))]
        await client.post("/metrics/v1/signals/csat", headers=FEEDER, json={"source_system": "survey",
                                                                            "items": rows})

        async def crossings(granularity: str = "month") -> list[tuple[str | None, str]]:
            return [(e["from_status"], e["to_status"]) for e in await _outbox(app, "metrics.kpi.threshold_crossed.v1")
                    if e["dimension"] == "service:svc-pay" and e["granularity"] == granularity]

        # 4.0 is amber against the catalogue's thresholds (green from 4.2): a first status that is not green.
        assert await crossings() == [(None, "amber")]

        body = {"target": 4.5, "green": 3.9, "amber": 3.0, "owner": "svc-pay-owner"}
        assert (await client.put(url, headers=VIEWER, json=body)).status_code == 403
        assert (await client.put(url, headers={**PMO, "If-Match": 'W/"3"'}, json=body)).status_code == 412
        wrong = await client.put(url, headers=PMO, json={**body, "amber": 4.9})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "green"
        neutral = await client.put("/metrics/v1/kpis/changes_created/targets/organisation", headers=PMO,
                                   json={"green": 1, "amber": 2})
        assert neutral.status_code == 422
        put = await client.put(url, headers={**PMO, "If-Match": 'W/"0"'}, json=body)
        assert put.status_code == 200, put.text
        assert put.headers["etag"] == 'W/"1"' and put.json()["effective_owner"] == "svc-pay-owner"
        assert put.json()["source"] == {"target": "dimension", "thresholds": "dimension", "owner": "dimension"}
        # The new thresholds make 4.0 green: judged again at once, in every kind of period.
        assert await crossings() == [(None, "amber"), ("amber", "green")]
        assert await crossings("week") == [(None, "amber"), ("amber", "green")]
        event = [e for e in await _outbox(app, "metrics.kpi.threshold_crossed.v1")
                 if e["dimension"] == "service:svc-pay"][-1]
        assert event["thresholds"] == {"green": 3.9, "amber": 3.0} and event["target"] == 4.5
        assert event["value"] == 4.0 and event["kpi"] == "csat_average"

        async def send(*scored: tuple[str, int]) -> None:
            response = await client.post("/metrics/v1/signals/csat", headers=FEEDER, json={
                "source_system": "survey", "items": [{**rows[0], "external_id": e, "score": s} for e, s in scored]})
            assert response.json()["rejected"] == 0

        await send(("S9", 4))  # still 4.0: nothing crosses
        await send(*((f"L{i}", 1) for i in range(4)))  # 20 / 8 = 2.5: red
        await send(*((f"L{i}", 1) for i in range(4)))  # a replay: nothing moves
        await send(*((f"L{i}", 3) for i in range(4)))  # corrected, 28 / 8 = 3.5: amber
        await send(*((f"H{i}", 5) for i in range(8)))  # 68 / 16 = 4.25: green
        assert await crossings() == [(None, "amber"), ("amber", "green"), ("green", "red"), ("red", "amber"),
                                     ("amber", "green")]
        assert (await _kpi(client, "csat_average", dimension="service:svc-pay"))["value"] == 4.25

        async with app.state.runtime.engine.connect() as conn:
            audit = (await conn.execute(sa.select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "set_target"))).one()
        assert audit.actor == "pat" and audit.detail["changes"]["green"] == {"before": None, "after": 3.9}
        listed = await client.get("/metrics/v1/kpis?dimension=service:svc-pay", headers=VIEWER)
        items = {k["key"]: k for k in listed.json()["items"]}
        assert "changes_created" not in items and items["csat_average"]["target"] == 4.5
        assert items["csat_average"]["status"] == "green" and items["csat_average"]["value"] == 4.25
