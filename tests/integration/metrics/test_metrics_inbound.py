"""Signals sent on the inbound Kafka topic: taken in as the signal APIs take them, once each; bad ones dead-lettered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_shared.broker import make_producer
from tandem_shared.events import CloudEvent

from tests.support import auth, create_app, eventually, read_topic, running, topic

OWNER = auth("olga", "service_owner")
OPENED = datetime(2027, 2, 3, 9, 30, tzinfo=UTC)
INCIDENT = {"external_id": "INC0042", "source_system": "servicenow", "service_id": "svc-shop", "ci_id": "web-01",
            "priority": "P2", "opened_at": OPENED.isoformat()}
OUTAGE = {"external_id": "OUT-7", "source_system": "prometheus", "service_id": "svc-shop",
          "start": OPENED.isoformat(), "end": (OPENED + timedelta(minutes=45)).isoformat()}
CSAT = {"external_id": "SURVEY-1", "source_system": "qualtrics", "service_id": "svc-shop", "score": 80,
        "scale": "0-100", "responded_at": (OPENED + timedelta(days=1)).isoformat()}


def signal(kind: str, data: dict, *, source: str = "/servicenow/acme") -> CloudEvent:
    """An inbound signal as another system sends it: its own source, a new id, keyed by the external id."""
    return CloudEvent(source=source, type=f"metrics.signal.{kind}.v1", subject=data["external_id"], data=data,
                      actor=None)


async def send(bootstrap: str, *events: CloudEvent, twice: bool = False) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for event in events:
            for _ in range(2 if twice else 1):
                await producer.send_and_wait(topic("signals.inbound"), event.to_bytes(), key=event.subject.encode())
    finally:
        await producer.stop()


async def stored(app) -> dict[str, list]:
    """The signals and the KPI values of the app's database, comparable across databases."""
    async with app.state.runtime.engine.connect() as conn:
        incidents = (await conn.execute(sa.text(
            "SELECT source_system, external_id, priority, service_id, opened_at, resolved_at, version "
            "FROM metrics_incidents ORDER BY external_id"))).all()
        outages = (await conn.execute(sa.text(
            "SELECT source_system, external_id, service_id, start, \"end\", planned FROM metrics_outages"))).all()
        csat = (await conn.execute(sa.text(
            "SELECT source_system, external_id, score, scale, score_5 FROM metrics_csat"))).all()
        values = (await conn.execute(sa.text(
            "SELECT kpi, period, dimension, value FROM kpi_values ORDER BY kpi, period, dimension"))).all()
    return {"incidents": [tuple(map(str, r)) for r in incidents], "outages": [tuple(map(str, r)) for r in outages],
            "csat": [tuple(map(str, r)) for r in csat], "values": [(r[0], r[1], r[2], round(r[3], 6)) for r in values]}


async def test_inbound_signals_are_ingested_like_the_api_once_each_and_bad_ones_dead_lettered(
        databases, backend, broker):
    kafka_fed = create_app("metrics", database_url=await databases.fresh("metrics", backend),
                           bootstrap=broker.bootstrap, consumer_max_attempts=2)
    http_fed = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=None,
                          workers=False)
    async with running(kafka_fed) as client, running(http_fed) as http:
        resolved = {**INCIDENT, "priority": "P1", "resolved_at": (OPENED + timedelta(hours=3)).isoformat()}
        first = signal("incident", INCIDENT)
        # Redelivered (the same event twice), re-sent (a new event, unchanged), then changed: stored once, updated.
        await send(broker.bootstrap, first, twice=True)
        await send(broker.bootstrap, signal("incident", INCIDENT), signal("outage", OUTAGE, source="/prometheus"),
                   signal("csat", CSAT, source="/qualtrics"), signal("incident", resolved))
        # Invalid: a priority the schema does not know (dead-lettered at once), and a week that does not exist,
        # which only the ingest's own check finds (dead-lettered after its attempts, with the ingest's reason).
        bad_schema = signal("incident", {**INCIDENT, "external_id": "INC0043", "priority": "P9"})
        bad_week = signal("csat", {**CSAT, "external_id": "SURVEY-2", "responded_at": None, "period": "2026-W54"})
        await send(broker.bootstrap, bad_schema, bad_week)

        async def settled():
            async with kafka_fed.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT status, count(*) FROM inbox GROUP BY status"))).all()
            counts = dict(rows)
            return counts if counts == {"applied": 5, "dead_lettered": 2} else None
        await eventually(settled, timeout=20)

        listed = (await client.get("/metrics/v1/signals/incidents", headers=OWNER)).json()["items"]
        assert [(i["external_id"], i["priority"], i["version"]) for i in listed] == [("INC0042", "P1", 2)]
        assert listed[0]["resolved_at"] is not None

        # The API given the same signals in one batch each stores and counts the same.
        for path, rows in (("incidents", [resolved]), ("outages", [OUTAGE]), ("csat", [CSAT])):
            answer = await http.post(f"/metrics/v1/signals/{path}", headers=OWNER, json={"items": rows})
            assert answer.status_code == 200 and answer.json()["created"] == 1, answer.text
        via_kafka, via_http = await stored(kafka_fed), await stored(http_fed)
        assert via_kafka["values"], "the signals counted nothing"
        assert [r[:4] + r[5:6] for r in via_kafka["incidents"]] == [r[:4] + r[5:6] for r in via_http["incidents"]]
        assert via_kafka["outages"] == via_http["outages"] and via_kafka["csat"] == via_http["csat"]
        assert via_kafka["values"] == via_http["values"]
        # Idempotent on (source_system, external_id) across both ways in: the API finds the Kafka-sent one unchanged.
        again = await client.post("/metrics/v1/signals/incidents", headers=OWNER, json={"items": [resolved]})
        assert again.json()["unchanged"] == 1

        letters = {json.loads(m.value)["id"]: dict(m.headers) for m in await read_topic(
            broker.bootstrap, topic("metrics.dlq"))}
        schema_letter, ingest_letter = letters[str(bad_schema.id)], letters[str(bad_week.id)]
        assert b"priority" in schema_letter["tandem-error"] and schema_letter["tandem-attempts"] == b"0"
        assert b"2026-W54" in ingest_letter["tandem-error"] and b"SURVEY-2" in ingest_letter["tandem-error"]
        assert ingest_letter["tandem-error-type"] == b"SignalRejected"
        assert ingest_letter["tandem-original-topic"] == topic("signals.inbound").encode()
        assert kafka_fed.state.runtime.consumer.topics.count(topic("signals.inbound")) == 1
