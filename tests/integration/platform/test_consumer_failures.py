"""The consumer's failure policy: transient failures are retried until they pass, the rest dead-lettered with why."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import datetime

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.events import CloudEvent, build_envelope

from tests.integration.metrics.test_metrics_inbound import CSAT, INCIDENT, send, signal
from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce, scalar
from tests.support import BACKENDS, TcpProxy, create_app, eventually, read_topic, running, topic


async def consumer_status(client: httpx.AsyncClient) -> dict:
    """The consumer's part of the readiness answer (given whether or not the service is ready)."""
    return (await client.get("/capacity/readyz")).json()["checks"]["consumer"]


async def dead_letters(bootstrap: str, *events: CloudEvent) -> list:
    """Records of the capacity dead-letter topic holding any of these events."""
    ids = [str(event.id).encode() for event in events]
    return [m for m in await read_topic(bootstrap, topic("capacity.dlq")) if any(i in m.value for i in ids)]


async def test_a_transient_failure_is_retried_until_it_passes_and_is_never_dead_lettered(databases, backend, broker):
    # One attempt only: under the old policy the first failure dead-lettered the event.
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=1)
    async with running(app) as client:
        person = await make_person(client)
        consumer = app.state.runtime.consumer
        book = consumer.handlers[ChangeApproved.event_type]
        calls: list[uuid.UUID] = []
        healed = asyncio.Event()

        async def locked_until_healed(uow, event, data):
            calls.append(event.id)
            if not healed.is_set():
                raise sa_exc.OperationalError("INSERT INTO bookings", {},
                                              sqlite3.OperationalError("database is locked"))
            await book(uow, event, data)

        consumer.handlers = {**consumer.handlers, ChangeApproved.event_type: locked_until_healed}
        event = build_envelope(approved(uuid.uuid4(), person, hours=4))
        await produce(broker.bootstrap, event)

        async def retrying() -> dict | None:
            status = await consumer_status(client)
            return status if status["state"] == "retrying" and len(calls) >= 3 else None

        status = await eventually(retrying, timeout=20)
        assert "database is locked" in status["last_error"] and status["retries"] >= 2
        assert await inbox_rows(app, event.id) == []  # nothing written: neither applied nor dead-lettered

        healed.set()
        await eventually(lambda: scalar(app, "SELECT count(*) FROM bookings"), timeout=20)
        assert await inbox_rows(app, event.id) == ["applied"]
        assert await scalar(app, "SELECT count(*) FROM bookings") == 1
        assert (await eventually(lambda: consumer_status(client)))["state"] == "consuming"
        assert await dead_letters(broker.bootstrap, event) == []


async def test_deterministic_failures_are_dead_lettered_after_the_attempts_and_bad_messages_at_once(
        databases, backend, broker):
    # Metrics' inbound signals: its ingest refuses a week that does not exist, a rule the event schema does not
    # express, so the handler fails the same way every time.
    app = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=2)
    async with running(app):
        refused = signal("csat", {**CSAT, "external_id": "SURVEY-2", "responded_at": None, "period": "2026-W54"})
        invalid = signal("incident", {**INCIDENT, "priority": "P9"})  # a priority the schema does not know
        producer_topic = topic("signals.inbound")
        await send(broker.bootstrap, refused, invalid)
        from tandem_shared.broker import make_producer

        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(producer_topic, b"\x00not json at all", key=b"garbage")
        finally:
            await producer.stop()

        async def three_letters() -> list | None:
            found = list(await read_topic(broker.bootstrap, topic("metrics.dlq")))
            return found if len(found) >= 3 else None

        letters = await eventually(three_letters, timeout=30)
        by_value = {m.value: dict(m.headers) for m in letters}
        assert len(letters) == 3

        domain = by_value[refused.to_bytes()]
        assert domain["tandem-failure-kind"] == b"deterministic"
        assert domain["tandem-attempts"] == b"2"
        assert domain["tandem-error-type"] == b"SignalRejected"
        assert b"2026-W54" in domain["tandem-error"]
        assert datetime.fromisoformat(domain["tandem-dead-lettered-at"].decode()).tzinfo is not None
        assert domain["tandem-original-topic"] == producer_topic.encode() and domain["tandem-consumer"] == b"metrics"
        assert await inbox_rows(app, refused.id) == ["dead_lettered"]

        # Data that does not validate cannot get better by retrying: dead-lettered before any handler ran, and
        # with an inbox row, so it can be replayed once the consumer accepts it.
        bad_data = by_value[invalid.to_bytes()]
        assert (bad_data["tandem-failure-kind"], bad_data["tandem-attempts"]) == (b"deterministic", b"0")
        assert bad_data["tandem-error-type"] == b"ValidationError"
        assert await inbox_rows(app, invalid.id) == ["dead_lettered"]

        garbage = by_value[b"\x00not json at all"]
        assert (garbage["tandem-failure-kind"], garbage["tandem-attempts"]) == (b"undecodable", b"0")
        assert garbage["tandem-error"].startswith(b"undecodable message")
        assert await scalar(app, "SELECT count(*) FROM inbox") == 2  # an undecodable message has no event id


@pytest.mark.skipif("postgres" not in BACKENDS, reason="the database is cut off over TCP: PostgreSQL only")
async def test_database_cut_off_during_consumption_dead_letters_nothing_and_applies_everything_once(
        databases, broker):
    url = make_url(await databases.fresh("capacity", "postgres"))
    proxy = TcpProxy(url.port or 5432)
    await proxy.start()
    proxied = url.set(port=proxy.listen_port).render_as_string(hide_password=False)
    try:
        app = create_app("capacity", database_url=proxied, bootstrap=broker.bootstrap)
        async with running(app) as client:
            person = await make_person(client)
            await eventually(lambda: _true(app.state.runtime.consumer.healthy()), timeout=20)

            await proxy.cut()
            events = [build_envelope(approved(uuid.uuid4(), person, hours=1)) for _ in range(6)]
            await produce(broker.bootstrap, *events)

            async def retrying() -> dict | None:
                body = (await client.get("/capacity/readyz")).json()
                return body if body["checks"]["consumer"]["state"] == "retrying" else None

            body = await eventually(retrying, timeout=20)
            assert body["checks"]["database"].startswith("unreachable")
            assert body["checks"]["consumer"]["last_error"]
            # Long enough for the old policy (3 attempts in 0.3 s) to have dead-lettered every event many times.
            await asyncio.sleep(3)
            assert await dead_letters(broker.bootstrap, *events) == []

            await proxy.start()
            await eventually(lambda: _equals(scalar(app, "SELECT count(*) FROM bookings"), 6), timeout=30)
            assert await scalar(app, "SELECT count(*) FROM inbox WHERE status = 'applied'") == 6
            assert await scalar(app, "SELECT count(*) FROM inbox WHERE status <> 'applied'") == 0
            assert await scalar(app, "SELECT sum(hours) FROM bookings") == 6
            for event in events:
                assert await inbox_rows(app, event.id) == ["applied"]
            assert (await eventually(lambda: consumer_status(client)))["state"] == "consuming"
            assert await read_topic(broker.bootstrap, topic("capacity.dlq")) == []
    finally:
        await proxy.close()


async def _true(value: bool) -> bool:
    return value


async def _equals(value, expected: int) -> bool:
    return await value == expected
