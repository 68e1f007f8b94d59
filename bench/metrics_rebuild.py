"""Metrics rebuild throughput: N retained events replayed from the topics into fresh tables and swapped in.

Usage: .venv/bin/python bench/metrics_rebuild.py [--events 100000] [--postgres postgresql://postgres@127.0.0.1:5432]

Produces a realistic mix onto the change, capacity, portfolio and knowledge topics of the bundled development broker
(people and projects first; per change: created, scheduled, approved, its implementer's booking, and for some an
implementation, a release, an article), with 1 % of the messages sent twice (redeliveries). A freshly migrated metrics
database holds, per partition, the position a live consumer that caught up would have left in the inbox (so the swap
has no backlog to mark). Then `tandem_metrics.rebuild.service.rebuild` runs as `tandem metrics rebuild` does; the
script prints events read per second over the whole rebuild (fresh tables, replay, derivation, swap) and the
replay alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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
from tandem_metrics.main import SPEC
from tandem_metrics.rebuild.cli import topics_to_replay
from tandem_metrics.rebuild.service import rebuild
from tandem_metrics.rebuild.sources import TopicSource
from tandem_shared.broker import DevelopmentBroker, ensure_topics, make_producer
from tandem_shared.contracts.capacity import BookingCreated, BookingReleased, PersonCreated, WeekHours
from tandem_shared.contracts.change import ChangeApproved, ChangeCreated, ChangeImplemented, ChangeScheduled
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.contracts.portfolio import ProjectCreated
from tandem_shared.db import make_engine, utcnow
from tandem_shared.events import REGISTRY, EventData, build_envelope
from tandem_shared.migrations import upgrade
from tandem_shared.tables import inbox

TEAMS = ("Platform", "Network", "Data", "Apps", "Security")


def history(count: int, mix: str = "full") -> list[EventData]:
    """`count` events in the order producers would publish them (`counts`: only events that add to counts)."""
    rng = random.Random(7)
    base = datetime(2030, 1, 7, 8, tzinfo=UTC)
    people = [PersonCreated(id=uuid.uuid4(), name=f"P{i}", email=None, team=TEAMS[i % len(TEAMS)], skills=[],
                            weekly_hours=40) for i in range(200)]
    projects = [ProjectCreated(id=uuid.uuid4(), name=f"Project {i}", category=("growth", "run", "transform")[i % 3],
                               stage="approved", sponsor=None, start_date=None, go_live_date=None, created_by="pmo")
                for i in range(100)]
    events: list[EventData] = [*people, *projects]
    while len(events) < count:
        cid, person = uuid.uuid4(), rng.choice(people)
        start = base + timedelta(hours=rng.randrange(24 * 365))
        week = start.strftime("%G-W%V")
        kind = rng.choice(("normal", "normal", "standard", "emergency"))
        events += [
            ChangeCreated(id=cid, title="Bench", type=kind, state="new", requested_by="bench",
                          assignee_id=person.id, effort_hours=4, planned_start=start,
                          planned_end=start + timedelta(hours=4), affected_cis=[f"ci-{rng.randrange(500)}"]),
            ChangeScheduled(id=cid, type=kind, risk=rng.choice(("low", "moderate", "high")), assignee_id=person.id,
                            effort_hours=4, planned_start=start, planned_end=start + timedelta(hours=4),
                            created_at=start - timedelta(days=3), scheduled_at=start - timedelta(days=1),
                            lead_time_hours=48, state="scheduled"),
            ChangeApproved(id=cid, type=kind, approved_by="cab", pre_authorised=kind == "standard",
                           assignee_id=person.id, effort_hours=4, planned_start=start,
                           planned_end=start + timedelta(hours=4), state="scheduled"),
        ]
        if mix == "counts":
            continue
        booking = BookingCreated(id=uuid.uuid4(), person_id=person.id, source="change", source_id=str(cid),
                                 kind="hard", start=start, end=start + timedelta(hours=4), hours=4,
                                 weeks=[WeekHours(week=week, hours=4)])
        events.append(booking)
        roll = rng.random()
        if roll < 0.5:
            events.append(ChangeImplemented(
                id=cid, type=kind, outcome=rng.choice(("successful", "successful", "failed")), team=person.team,
                assignee_id=person.id, risk="low", affected_cis=[], project_id=rng.choice(projects).id,
                actual_start=start, actual_end=start + timedelta(hours=3), incidents_caused=[], completed_by="bench",
                state="review", title="Bench"))
        elif roll < 0.6:
            events.append(BookingReleased(id=booking.id, person_id=person.id, source="change", source_id=str(cid),
                                          hours=4, weeks=booking.weeks, reason="canceled"))
        if roll > 0.95:
            events.append(ArticleCreated(id=uuid.uuid4(), title="Review", kind="change_review", status="draft",
                                         author="tandem", project_id=None, change_id=cid))
    return events[:count]


async def preload(bootstrap: str, prefix: str, events: list[EventData]) -> dict[tuple[str, int], int]:
    """Produce the events (1 % twice) in batches; return the last offset per partition."""
    topics = sorted({REGISTRY[e.event_type].topic_under(prefix) for e in events})
    await ensure_topics(bootstrap, topics)
    producer = make_producer(bootstrap)
    await producer.start()
    last: dict[tuple[str, int], int] = {}
    try:
        pending = []
        for i, data in enumerate(events):
            envelope = build_envelope(data, actor="bench")
            topic = REGISTRY[data.event_type].topic_under(prefix)
            for _ in range(2 if i % 100 == 99 else 1):
                pending.append(await producer.send(topic, envelope.to_bytes(), key=envelope.subject.encode()))
            if len(pending) >= 2000:
                for meta in await asyncio.gather(*pending):
                    last[(meta.topic, meta.partition)] = max(last.get((meta.topic, meta.partition), -1), meta.offset)
                pending = []
        for meta in await asyncio.gather(*pending):
            last[(meta.topic, meta.partition)] = max(last.get((meta.topic, meta.partition), -1), meta.offset)
    finally:
        await producer.stop()
    return last


async def fresh_database(postgres: str | None, workdir: Path) -> tuple[str, str | None]:
    """A migrated metrics database: its URL and, on PostgreSQL, its name (to drop)."""
    if postgres is None:
        url = f"sqlite+aiosqlite:///{workdir / 'metrics.sqlite3'}"
        await asyncio.to_thread(upgrade, "metrics", url)
        return url, None
    name = f"bench_metrics_rebuild_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(f"{postgres}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"{postgres.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    await asyncio.to_thread(upgrade, "metrics", url)
    return url, name


async def run(args: argparse.Namespace, bootstrap: str, workdir: Path) -> None:
    url, dbname = await fresh_database(args.postgres, workdir)
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    try:
        events = history(args.events, args.mix)
        loaded = time.perf_counter()
        last = await preload(bootstrap, prefix, events)
        print(f"pre-loaded {len(events)} events (+1 % redelivered) in {time.perf_counter() - loaded:.1f}s")
        # The rebuild runs in a process of its own (`tandem metrics rebuild`): the generated events are not part of
        # its heap, and kept here they would make each of its full garbage collections scan them.
        del events
        engine = make_engine(url)
        async with engine.begin() as conn:  # where a live consumer that caught up would be
            await conn.execute(sa.insert(inbox), [
                {"consumer": "metrics", "source": "/bench", "event_id": uuid.uuid4(), "event_type": "bench",
                 "status": "applied", "topic": topic, "partition": partition, "offset": offset, "error": None,
                 "received_at": utcnow()} for (topic, partition), offset in last.items()])
        await engine.dispose()
        phases: dict[str, float] = {}

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            phases.setdefault("first", now)
            if done >= total:
                phases["replayed"] = now

        source = TopicSource(bootstrap, topics_to_replay(prefix))
        load = os.getloadavg()[0]
        try:
            report = await rebuild(url, source, SPEC.handlers, progress=progress)
        finally:
            await source.close()
        replay = phases.get("replayed", 0) - phases.get("first", 0)
        print(f"machine: {machine()}  database: {'PostgreSQL' if args.postgres else 'SQLite'}  "
              f"load before: {load:.2f}  after: {os.getloadavg()[0]:.2f}")
        print(f"date: {datetime.now(UTC).isoformat(timespec='minutes')}")
        print(f"read: {report.read}  applied: {report.applied}  duplicates: {report.duplicates}  "
              f"caught up in swap: {report.caught_up}  marked: {report.marked}")
        print(f"rebuild: {report.seconds:.2f}s  events/s: {report.rate:,.0f}  "
              f"replay alone: {replay:.2f}s  events/s: {report.read / replay if replay else 0:,.0f}")
    finally:
        if dbname:
            conn = await asyncpg.connect(f"{args.postgres}/postgres")
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            finally:
                await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--mix", choices=("full", "counts"), default="full",
                        help="full: every kind of event; counts: only events that add to counts (no lookups)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a fresh PostgreSQL database on this server, e.g. postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, DevelopmentBroker(log_path=Path(tmp) / "tansu.log") as broker:
        asyncio.run(run(args, broker.bootstrap, Path(tmp)))


if __name__ == "__main__":
    main()
