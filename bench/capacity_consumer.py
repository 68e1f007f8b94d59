"""Capacity consumer throughput: N booking-producing events pre-loaded on the broker, applied by a fresh consumer.

Usage: .venv/bin/python bench/capacity_consumer.py [--events 20000] [--postgres postgresql://postgres@127.0.0.1:5432]

Loads N `change.request.approved.v1` events (known assignees, one booking each) onto the change topic of the bundled
development broker, then starts the capacity service runtime (relay and consumer, no HTTP) on a freshly migrated
database and counts inbox rows until all N are applied. Prints events applied per second from the first applied
event to the last (the group join before it is reported apart).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine
from tandem_capacity.handlers import HANDLERS
from tandem_capacity.people.models import Person
from tandem_shared.broker import DevelopmentBroker, ensure_topics, make_producer
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.events import build_envelope
from tandem_shared.migrations import upgrade
from tandem_shared.runtime import ServiceRuntime
from tandem_shared.settings import PlatformSettings, service_settings

PEOPLE = 50


async def preload(bootstrap: str, prefix: str, people: list[uuid.UUID], count: int) -> None:
    """Produce `count` approvals, keyed by change id, in batches (not one round trip each)."""
    topic = f"{prefix}.change"
    await ensure_topics(bootstrap, [topic])
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        base = datetime(2030, 1, 7, 8, tzinfo=UTC)
        pending = []
        for i in range(count):
            start = base + timedelta(hours=i % 2000)
            envelope = build_envelope(ChangeApproved(
                id=uuid.uuid4(), type="normal", approved_by="bench", pre_authorised=False,
                assignee_id=people[i % len(people)], effort_hours=2, planned_start=start,
                planned_end=start + timedelta(hours=4), state="scheduled"), actor="bench")
            pending.append(await producer.send(topic, envelope.to_bytes(), key=envelope.subject.encode()))
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def fresh_database(postgres: str | None, workdir: Path) -> tuple[str, str | None]:
    """A migrated capacity database: its URL and, on PostgreSQL, its name (to drop)."""
    if postgres is None:
        url = f"sqlite+aiosqlite:///{workdir / 'capacity.sqlite3'}"
        await asyncio.to_thread(upgrade, "capacity", url)
        return url, None
    name = f"bench_capacity_consumer_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(f"{postgres}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"{postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    await asyncio.to_thread(upgrade, "capacity", url)
    return url, name


async def run(args: argparse.Namespace, bootstrap: str, workdir: Path) -> None:
    url, dbname = await fresh_database(args.postgres, workdir)
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    platform = PlatformSettings(environment="test", kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix)
    settings = service_settings("capacity").model_copy(update={
        "database_url": url, "consumer_group": f"bench-{prefix}"})
    runtime = ServiceRuntime("capacity", handlers=HANDLERS, settings=settings, platform=platform)
    try:
        people = [uuid.uuid4() for _ in range(PEOPLE)]
        async with runtime.sessionmaker() as session, session.begin():
            session.add_all([Person(id=p, name=f"Bench {i}", team="Bench", weekly_hours=40, created_by="bench")
                             for i, p in enumerate(people)])
        loaded = time.perf_counter()
        await preload(bootstrap, prefix, people, args.events)
        print(f"pre-loaded {args.events} events in {time.perf_counter() - loaded:.1f}s")

        async def applied() -> int:
            async with runtime.engine.connect() as conn:
                return (await conn.execute(sa.text("SELECT count(*) FROM inbox"))).scalar()

        started = time.perf_counter()
        await runtime.start()
        first = None
        while (done := await applied()) < args.events:
            if first is None and done:
                first = (time.perf_counter(), done, time.process_time())
            await asyncio.sleep(0.1)
        finished, finished_cpu = time.perf_counter(), time.process_time()
        first_at, first_count, first_cpu = first or (started, 0, finished_cpu)
        async with runtime.engine.connect() as conn:
            bookings = (await conn.execute(sa.text("SELECT count(*) FROM bookings"))).scalar()
        rate = (args.events - first_count) / max(finished - first_at, 1e-9)
        print(f"machine: {machine()}  database: {'PostgreSQL' if args.postgres else 'SQLite'}")
        print(f"date: {datetime.now(UTC).date().isoformat()}")
        print(f"events: {args.events}  bookings: {bookings}  join+first fetch: {first_at - started:.1f}s  "
              f"applying: {finished - first_at:.1f}s  events/s: {rate:.0f}  "
              f"overall events/s: {args.events / (finished - started):.0f}  "
              # CPU time of this process (consumer, database driver threads) per event: steadier than wall time
              # on a machine that other work shares; the broker runs in its own process.
              f"cpu ms/1000 events: {1e6 * (finished_cpu - first_cpu) / max(args.events - first_count, 1):.0f}")
    finally:
        await runtime.stop()
        if dbname:
            conn = await asyncpg.connect(f"{args.postgres}/postgres")
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            finally:
                await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a fresh PostgreSQL database on this server, e.g. postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, DevelopmentBroker(log_path=Path(tmp) / "tansu.log") as broker:
        asyncio.run(run(args, broker.bootstrap, Path(tmp)))


if __name__ == "__main__":
    main()
