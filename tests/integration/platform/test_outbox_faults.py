"""Outbox delivery faults against the real broker: a refused row backs off and parks, relays share one lease."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from datetime import timedelta
from functools import partial

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine
from tandem_shared.broker import DevelopmentBroker, make_producer
from tandem_shared.cli import main
from tandem_shared.contracts.change import ChangeRejected
from tandem_shared.db import make_engine, utcnow
from tandem_shared.events import CloudEvent, build_envelope
from tandem_shared.outbox import OutboxRelay, list_parked, outbox_stats, pending_count, unpark
from tandem_shared.tables import outbox, relay_lease

from tests.support import create_app, eventually, read_topic, running, topic

LIMIT = 4000  # bytes a request may carry for the "misconfigured" producer; an ordinary event is well under it


def small_producer(bootstrap: str) -> AIOKafkaProducer:
    """A producer whose request limit refuses big events before sending them (as a broker's message limit would)."""
    producer = make_producer(bootstrap)
    producer._max_request_size = LIMIT  # the check `max_request_size=` configures
    return producer


async def insert_events(engine: AsyncEngine, *items: tuple[uuid.UUID, int]) -> list[uuid.UUID]:
    """One outbox row per (subject, reason length), each committed alone as use cases commit; return the event ids."""
    ids = []
    for subject, size in items:
        envelope = build_envelope(ChangeRejected(id=subject, rejected_by="cab", reason="r" * size, from_state="assess",
                                                 state="new"), actor="cab")
        async with engine.begin() as conn:
            await conn.execute(sa.insert(outbox).values(
                event_id=envelope.id, topic=topic("change"), key=envelope.subject, event_type=envelope.type,
                payload=envelope.model_dump(mode="json"), created_at=envelope.time))
        ids.append(envelope.id)
    return ids


async def rows(engine: AsyncEngine) -> dict[uuid.UUID, sa.Row]:
    async with engine.connect() as conn:
        return {row.event_id: row for row in await conn.execute(sa.select(outbox).order_by(outbox.c.seq))}


async def lease_holders(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(relay_lease.c.holder))).scalars())


async def published_events(broker: DevelopmentBroker) -> list[CloudEvent]:
    return [CloudEvent.from_bytes(m.value) for m in await read_topic(broker.bootstrap, topic("change"))]


async def _none_pending(engine: AsyncEngine) -> bool:
    return not await pending_count(engine)


async def test_a_refused_row_backs_off_parks_and_holds_back_only_its_own_key(databases, backend, broker):
    engine = make_engine(await databases.fresh("change", backend))
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    a1, b1, a2, b2, a3, c1 = await insert_events(engine, (a, 10), (b, 10), (a, 10 * LIMIT), (b, 10), (a, 10), (c, 10))
    relay = OutboxRelay(service="change", engine=engine, producer_factory=partial(small_producer, broker.bootstrap),
                        max_attempts=3, retry_base=0.5, retry_max=5)
    fixed = OutboxRelay(service="change", engine=engine, producer_factory=partial(make_producer, broker.bootstrap))
    try:
        # What the broker acknowledged is marked; the refused row records why and when it is tried again; its
        # key's later row waits behind it, other keys' rows after it go out.
        assert await relay.publish_pending() == 4
        found = await rows(engine)
        assert all(found[e].published_at is not None for e in (a1, b1, b2, c1))
        first = found[a2]
        assert first.published_at is None and first.parked_at is None and first.attempts == 1
        assert first.last_error.startswith("MessageSizeTooLargeError") and first.next_attempt_at > utcnow()
        assert found[a3].published_at is None and found[a3].attempts == 0
        assert relay.last_error.startswith(f"outbox row {first.seq}: MessageSizeTooLargeError")

        # Not retried before its time; a new key flows, the refused key's newer row waits.
        d1, a4 = await insert_events(engine, (d, 10), (a, 10))
        assert await relay.publish_pending() == 1
        found = await rows(engine)
        assert found[d1].published_at is not None and found[a4].published_at is None
        assert found[a2].attempts == 1

        async def parked() -> bool:
            await relay.publish_pending()
            return (await rows(engine))[a2].parked_at is not None

        await eventually(parked, timeout=20, interval=0.1)
        found = await rows(engine)
        assert found[a2].attempts == 3
        # Tried again no sooner than due, each wait twice the last: next3 >= next1 + 2 * base + 4 * base.
        assert found[a2].next_attempt_at - first.next_attempt_at >= timedelta(seconds=6 * relay.retry_base)
        assert [found[e].published_at for e in (a3, a4)] == [None, None]
        assert await relay.publish_pending() == 0  # parked: no longer sent, and its key still waits
        assert [row["event_id"] for row in await list_parked(engine)] == [a2]
        assert await outbox_stats(engine) == {"pending": 2, "parked": 1}
        await relay.stop()

        # The cause fixed (the producer's limit), the operator unparks it: the key's rows leave in order.
        assert await fixed.publish_pending() == 0
        assert await unpark(engine, [found[a2].seq]) == 1
        assert await fixed.publish_pending() == 3
        assert await _none_pending(engine) and await outbox_stats(engine) == {"pending": 0, "parked": 0}
    finally:
        await relay.stop()
        await fixed.stop()
        await engine.dispose()
    events = await published_events(broker)
    assert sorted(e.id for e in events) == sorted([a1, b1, a2, b2, a3, c1, d1, a4])  # each once
    assert [e.id for e in events if e.subject == str(a)] == [a1, a2, a3, a4]


async def test_the_lease_goes_to_one_relay_at_a_time_and_passes_on_when_released_or_expired(databases, backend):
    url = await databases.fresh("change", backend)
    first, second = (OutboxRelay(service="change", engine=make_engine(url), producer_factory=None, poll_interval=0.1,
                                 lease_seconds=1) for _ in range(2))
    try:
        assert await first.claim_lease() and first.leader
        assert not await second.claim_lease() and not second.leader
        assert await second.publish_pending() == 0  # not the holder: it reads nothing and sends nothing
        assert await first.claim_lease()  # renewed
        await first.release_lease()
        assert await second.claim_lease() and not first.leader
        assert not await first.claim_lease()
        await asyncio.sleep(1.2)  # the holder stalls (or died) without renewing: its lease runs out
        assert await first.claim_lease()
        assert not await second.claim_lease()
        assert await lease_holders(first.engine) == [first.holder]
    finally:
        for relay in (first, second):
            await relay.release_lease()
            await relay.engine.dispose()


# A relay alone in another process, as `tandem worker` runs beside a web replica; SIGTERM stops it cleanly.
RELAY_PROCESS = """
import asyncio, signal, sys
from tandem_shared.broker import make_producer
from tandem_shared.db import is_sqlite, make_engine
from tandem_shared.outbox import OutboxRelay

async def main(url, bootstrap):
    engine = make_engine(url)
    reads = make_engine(url, read_only=True) if is_sqlite(url) else engine
    relay = OutboxRelay(service="change", engine=engine, read_engine=reads, poll_interval=0.02,
                        producer_factory=lambda: make_producer(bootstrap))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    relay.start()
    print(relay.holder, flush=True)
    await stop.wait()
    await relay.stop()
    await engine.dispose()

asyncio.run(main(*sys.argv[1:]))
"""


async def test_relays_in_two_processes_publish_each_event_once_in_order(databases, backend, broker):
    url = await databases.fresh("change", backend)
    engine = make_engine(url)
    keys = [uuid.uuid4() for _ in range(3)]
    other = await asyncio.create_subprocess_exec(sys.executable, "-c", RELAY_PROCESS, url, broker.bootstrap,
                                                 stdout=asyncio.subprocess.PIPE)
    here = OutboxRelay(service="change", engine=make_engine(url), poll_interval=0.02,
                       read_engine=make_engine(url, read_only=True) if backend == "sqlite" else None,
                       producer_factory=partial(make_producer, broker.bootstrap))
    ids: list[uuid.UUID] = []

    async def record(count: int) -> None:
        for _ in range(count):
            ids.extend(await insert_events(engine, (keys[len(ids) % 3], 10)))
            await asyncio.sleep(0.005)  # both relays poll between commits

    try:
        other_holder = (await other.stdout.readline()).decode().strip()
        here.start()
        await record(45)
        await eventually(lambda: _none_pending(engine), timeout=30)
        [holder] = await lease_holders(engine)
        # The publisher stops (and gives the lease up): the other relay takes over.
        if holder == here.holder:
            await here.stop()
            survivor = other_holder
        else:
            assert holder == other_holder
            other.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(other.wait(), 30) == 0
            survivor = here.holder
        await record(45)
        await eventually(lambda: _none_pending(engine), timeout=30)
        assert await lease_holders(engine) == [survivor]
    finally:
        if other.returncode is None:
            other.send_signal(signal.SIGTERM)
            await asyncio.wait_for(other.wait(), 30)
        await here.stop()
    assert await lease_holders(engine) == []  # released by the last one to stop
    await engine.dispose()
    events = await published_events(broker)
    assert sorted(e.id for e in events) == sorted(ids)  # each once: one relay published at a time
    for n, key in enumerate(keys):
        assert [e.id for e in events if e.subject == str(key)] == ids[n::3]


async def test_readiness_counts_parked_rows_and_the_cli_lists_and_unparks_them(databases, backend, broker, monkeypatch,
                                                                              capsys):
    url = await databases.fresh("change", backend)
    engine = make_engine(url)
    [event_id] = await insert_events(engine, (uuid.uuid4(), 10))
    async with engine.begin() as conn:  # refused ten times by a broker whose limit was since raised
        await conn.execute(sa.update(outbox).values(attempts=10, last_error="MessageSizeTooLargeError: too big",
                                                    next_attempt_at=utcnow(), parked_at=utcnow()))
    app = create_app("change", database_url=url, bootstrap=broker.bootstrap, run_consumer=False)
    async with running(app) as client:
        async def relay_check() -> dict | None:
            relay = (await client.get("/change/readyz")).json()["checks"].get("relay")
            return relay if relay and "parked" in relay else None

        assert await eventually(relay_check) == {"last_error": None, "leader": True, "pending": 0, "parked": 1}
        monkeypatch.setenv("TANDEM_CHANGE_DATABASE_URL", url)
        capsys.readouterr()
        await asyncio.to_thread(main, ["outbox", "parked", "change"])
        assert "change.request.rejected.v1" in capsys.readouterr().out
        await asyncio.to_thread(main, ["outbox", "parked", "change", "--json"])
        [listed] = json.loads(capsys.readouterr().out)
        assert (listed["event_id"], listed["attempts"]) == (str(event_id), 10)
        assert listed["last_error"].startswith("MessageSizeTooLargeError")
        await asyncio.to_thread(main, ["outbox", "unpark", "change", "--seq", str(listed["seq"]), "--json"])
        assert json.loads(capsys.readouterr().out) == {"unparked": 1}
        await eventually(lambda: _none_pending(engine))  # the service's relay sends it
        await asyncio.to_thread(main, ["outbox", "parked", "change", "--json"])
        assert json.loads(capsys.readouterr().out) == []
    await engine.dispose()
    assert [e.id for e in await published_events(broker)] == [event_id]
