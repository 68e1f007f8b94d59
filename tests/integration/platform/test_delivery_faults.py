"""Delivery under faults, through the real broker and real databases: effects happen exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from tandem_shared.broker import DevelopmentBroker, make_producer
from tandem_shared.contracts.change import ChangeApproved, ChangeCanceled
from tandem_shared.events import build_envelope
from tandem_shared.tables import inbox

from tests.support import TcpProxy, auth, create_app, eventually, poison_approval, read_topic, running, topic

RM = auth("rita", "resource_manager")
REQUESTER = auth("sam", "requester")
CAB = auth("carol", "change_manager")
START = datetime(2055, 1, 4, 8, tzinfo=UTC)  # Monday of ISO week 2055-W01


def approved(change_id: uuid.UUID, person_id: uuid.UUID, hours: float = 6) -> ChangeApproved:
    return ChangeApproved(id=change_id, type="normal", approved_by="carol", pre_authorised=False,
                          assignee_id=person_id, effort_hours=hours, planned_start=START,
                          planned_end=START + timedelta(hours=8), state="scheduled")


async def scalar(app, sql: str, **params):  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).scalar()


async def inbox_rows(app, event_id) -> list[str]:  # noqa: ANN001
    """Statuses of the inbox rows of one event (Core, so the UUID binds right on SQLite too)."""
    async with app.state.runtime.engine.connect() as conn:
        found = await conn.execute(sa.select(inbox.c.status).where(inbox.c.event_id == uuid.UUID(str(event_id))))
        return list(found.scalars())


async def produce(bootstrap: str, *envelopes) -> None:  # noqa: ANN002
    producer: AIOKafkaProducer = make_producer(bootstrap)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(topic("change"), envelope.to_bytes(), key=envelope.subject.encode())
    finally:
        await producer.stop()


async def make_person(client) -> uuid.UUID:  # noqa: ANN001
    response = await client.post("/capacity/v1/people", headers=RM, json={
        "name": "Olga Ops", "team": "Platform", "skills": [], "weekly_hours": 40})
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def test_same_event_twice_changes_the_projection_once(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap)
    async with running(app) as client:
        person, change = await make_person(client), uuid.uuid4()
        twice = build_envelope(approved(change, person, hours=6), actor="carol")
        # Same key, so the cancel comes after both copies: once it is applied, both copies were read.
        await produce(broker.bootstrap, twice, twice, build_envelope(ChangeCanceled(
            id=change, type="normal", canceled_by="sam", reason=None, from_state="scheduled", was_approved=True)))
        await eventually(lambda: scalar(app, "SELECT count(*) FROM bookings WHERE status = 'released'"))
        assert await scalar(app, "SELECT count(*) FROM bookings") == 1
        assert await scalar(app, "SELECT sum(hours) FROM bookings") == 6
        assert await inbox_rows(app, twice.id) == ["applied"]
        assert await scalar(app, "SELECT count(*) FROM outbox WHERE event_type = 'capacity.booking.created.v1'") == 1


async def test_consumer_killed_between_db_commit_and_offset_commit_rereads_and_skips(databases, backend, broker):
    url = await databases.fresh("capacity", backend)
    group = f"tandem-capacity-kill-{uuid.uuid4().hex[:6]}"
    first = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, consumer_group=group)
    async with running(first) as client:
        person = await make_person(client)
        consumer = first.state.runtime.consumer
        await eventually(lambda: _true(consumer.healthy()))

        async def die(*_args, **_kwargs):
            raise Killed("killed after the database commit, before the offset commit")

        consumer.commit_offset = die  # the crash point
        event = build_envelope(approved(uuid.uuid4(), person, hours=5))
        await produce(broker.bootstrap, event)
        await eventually(lambda: inbox_rows(first, event.id))
        with pytest.raises(Killed):
            await consumer._task  # noqa: SLF001 - the consumer "process" is dead
        consumer._task = None  # noqa: SLF001
        await consumer._disconnect()  # noqa: SLF001 - its connections close with the process
    second = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, consumer_group=group)
    outcomes: list[str] = []
    async with running(second):
        consumer = second.state.runtime.consumer
        original, original_batch = consumer.handle, consumer.handle_batch

        async def spy(delivery):  # noqa: ANN001
            outcomes.append(await original(delivery))
            return outcomes[-1]

        async def spy_batch(deliveries):  # noqa: ANN001 - a single message takes the batch path first
            result = await original_batch(deliveries)
            outcomes.extend(result or [])
            return result

        consumer.handle, consumer.handle_batch = spy, spy_batch
        await eventually(lambda: _true("duplicate" in outcomes), timeout=40)
    assert outcomes.count("applied") == 0
    assert await scalar(second, "SELECT count(*) FROM bookings") == 1
    assert await scalar(second, "SELECT sum(hours) FROM bookings") == 5


class Killed(BaseException):
    """Stands for the process dying: nothing in the consumer catches it."""


async def _true(value: bool) -> bool:
    return value


async def test_relay_crash_after_publish_before_mark_leaves_a_duplicate_consumers_ignore(databases, backend, broker):
    change_app = create_app("change", database_url=await databases.fresh("change", backend),
                            bootstrap=broker.bootstrap, run_consumer=False)
    capacity_app = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                              bootstrap=broker.bootstrap)
    async with running(capacity_app) as capacity, running(change_app) as change:
        person = await make_person(capacity)
        from tandem_change.repository import PeopleProjection

        async with change_app.state.runtime.sessionmaker() as session, session.begin():
            await PeopleProjection(session).upsert(person, name="Olga Ops", team="Platform")
        relay = change_app.state.runtime.relay
        mark, crashed = relay._mark, []  # noqa: SLF001

        async def crash_once(conn, rows, published):  # noqa: ANN001
            payloads = [json.loads(r.payload) for r in rows[:published]]  # the stored JSON text the relay sends
            sent = [p["id"] for p in payloads if p["type"] == "change.request.approved.v1"]
            if sent and not crashed:
                crashed.extend(sent)
                raise RuntimeError("relay crashed after the broker acknowledged, before marking")
            await mark(conn, rows, published)

        relay._mark = crash_once  # noqa: SLF001
        model = await change.post("/change/v1/change-models", headers=auth("mo", "change_manager"),
                                  json={"name": "Swap a failed disk"})
        created = await change.post("/change/v1/changes", headers=REQUESTER, json={
            "title": "Swap disks", "type": "standard", "model_id": model.json()["id"], "assignee_id": str(person),
            "effort_hours": 3,
            "planned_start": START.isoformat(), "planned_end": (START + timedelta(hours=2)).isoformat()})
        assert created.status_code == 201, created.text
        path = f"/change/v1/changes/{created.json()['id']}"
        assert (await change.post(f"{path}/submit", headers=REQUESTER)).json()["state"] == "scheduled"
        await eventually(lambda: _true(bool(crashed)))
        await eventually(lambda: scalar(change_app, "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"))
        [approval_id] = crashed
        copies = [m for m in await read_topic(broker.bootstrap, topic("change")) if approval_id.encode() in m.value]
        assert len(copies) == 2
        # The cancel shares the change's key, so once it is applied both copies were read before it.
        assert (await change.post(f"{path}/cancel", headers=REQUESTER)).status_code == 200
        await eventually(lambda: scalar(capacity_app, "SELECT count(*) FROM bookings WHERE status = 'released'"))
        assert await scalar(capacity_app, "SELECT count(*) FROM bookings") == 1
        assert await scalar(capacity_app, "SELECT sum(hours) FROM bookings") == 3
        assert await inbox_rows(capacity_app, approval_id) == ["applied"]


async def test_broker_down_approvals_succeed_and_events_arrive_when_it_is_back(databases, backend, tmp_path):
    # The broker keeps its state while unreachable, as a durable Kafka does: a proxy is cut, not the broker.
    proxy = TcpProxy()
    own = DevelopmentBroker(log_path=tmp_path / "tansu.log", advertised_port=proxy.listen_port).start()
    proxy.target_port = own.port
    await proxy.start()
    try:
        change_app = create_app("change", database_url=await databases.fresh("change", backend),
                                bootstrap=own.bootstrap)
        capacity_app = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                                  bootstrap=own.bootstrap)
        async with running(capacity_app) as capacity, running(change_app) as change:
            person = await make_person(capacity)
            body = {"title": "Tune the load balancer", "type": "normal", "assignee_id": str(person),
                    "effort_hours": 4, "planned_start": START.isoformat(),
                    "planned_end": (START + timedelta(hours=4)).isoformat()}

            async def known():
                return (await change.post("/change/v1/changes", headers=REQUESTER, json=body)).status_code == 201
            await eventually(known, timeout=20)
            manager = auth("mo", "change_manager")
            groups = (await change.get("/change/v1/approver-groups", headers=manager)).json()["items"]
            managers = next(g for g in groups if g["name"] == "Change managers")
            await change.patch(f"/change/v1/approver-groups/{managers['id']}", headers=manager,
                               json={"members": ["carol"]})

            await proxy.cut()
            ids = []
            for _ in range(3):
                created = await change.post("/change/v1/changes", headers=REQUESTER, json=body)
                assert created.status_code == 201
                path = f"/change/v1/changes/{created.json()['id']}"
                assert (await change.post(f"{path}/submit", headers=REQUESTER)).status_code == 200
                assert (await change.post(f"{path}/assess", headers=manager)).status_code == 200
                assert (await change.post(f"{path}/approve", headers=CAB)).status_code == 200
                ids.append(created.json()["id"])
            assert await scalar(change_app, "SELECT count(*) FROM outbox WHERE published_at IS NULL") >= 9
            # Still ready: the outbox absorbs the writes, so the orchestrator must keep routing to the replica.
            ready = await change.get("/change/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready" and ready.json()["checks"]["broker"] == "unreachable"
            assert await eventually(lambda: _relay_error_of(change, "change"))

            await proxy.start()
            await eventually(lambda: scalar(capacity_app, "SELECT count(*) = 3 FROM bookings"), timeout=60)
            assert sorted(await _booked_sources(capacity_app)) == sorted(ids)
            assert await scalar(capacity_app, "SELECT sum(hours) FROM bookings") == 12
            await eventually(lambda: scalar(change_app, "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"))
    finally:
        await proxy.close()
        own.stop()


async def test_a_service_started_while_the_broker_is_unreachable_is_ready_and_delivers_later(
        databases, backend, tmp_path):
    # Not started: the proxy holds the bootstrap port, and nothing answers there yet (connections are refused).
    proxy = TcpProxy()
    own = DevelopmentBroker(log_path=tmp_path / "tansu.log", advertised_port=proxy.listen_port).start()
    proxy.target_port = own.port
    try:
        capacity_app = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                                  bootstrap=own.bootstrap)
        change_app = create_app("change", database_url=await databases.fresh("change", backend),
                                bootstrap=own.bootstrap)
        async with running(capacity_app) as capacity, running(change_app) as change:
            for client, service in ((capacity, "capacity"), (change, "change")):
                ready = await client.get(f"/{service}/readyz")
                assert ready.status_code == 200, ready.text
                body = ready.json()
                assert (body["status"], body["service"]) == ("ready", service)
                assert body["checks"]["database"] == "ok" and body["checks"]["broker"] == "unreachable"
                assert body["checks"]["consumer"]["healthy"] is False  # it has never polled
            person = await make_person(capacity)  # a write during the outage: its event waits in the outbox
            assert await scalar(capacity_app, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1
            await eventually(lambda: _relay_error_of(capacity, "capacity"))

            await proxy.start()
            await eventually(lambda: scalar(capacity_app, "SELECT count(*) = 0 FROM outbox WHERE published_at IS NULL"),
                             timeout=30)
            body = {"title": "Patch the hosts", "type": "normal", "assignee_id": str(person), "effort_hours": 2,
                    "planned_start": START.isoformat(), "planned_end": (START + timedelta(hours=2)).isoformat()}

            async def change_knows_the_person() -> bool:
                created = await change.post("/change/v1/changes", headers=REQUESTER, json=body)
                return created.status_code == 201  # 422 until the consumer applied the person's event
            await eventually(change_knows_the_person, timeout=30)
            ready = (await change.get("/change/readyz")).json()["checks"]
            assert ready["broker"] == "ok" and ready["consumer"]["healthy"] is True
    finally:
        await proxy.close()
        own.stop()


async def _relay_error_of(client: httpx.AsyncClient, service: str) -> str | None:
    return (await client.get(f"/{service}/readyz")).json()["checks"]["relay"]["last_error"]


async def _booked_sources(app) -> list[str]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text("SELECT source_id FROM bookings"))).scalars())


async def test_poison_event_goes_to_the_dead_letter_topic_and_later_events_flow(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=2)
    async with running(app) as client:
        person = await make_person(client)
        poison = poison_approval(person)  # data capacity's contract refuses
        good = build_envelope(approved(uuid.uuid4(), person, hours=7))
        await produce(broker.bootstrap, poison, good)
        await eventually(lambda: scalar(app, "SELECT count(*) FROM bookings"))
        assert await eventually(lambda: inbox_rows(app, poison.id)) == ["dead_lettered"]
        assert await scalar(app, "SELECT sum(hours) FROM bookings") == 7

        async def dead_letters():
            found = [m for m in await read_topic(broker.bootstrap, topic("capacity.dlq"))
                     if str(poison.id).encode() in m.value]
            return found or None

        [letter] = await eventually(dead_letters)
        headers = dict(letter.headers)
        assert headers["tandem-original-topic"] == topic("change").encode()
        assert int(headers["tandem-original-offset"]) >= 0 and int(headers["tandem-original-partition"]) in (0, 1, 2)
        assert b"expedited" in headers["tandem-error"] and headers["tandem-error-type"] == b"ValidationError"
