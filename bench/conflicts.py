"""Latency of a change's conflict check against 100,000 scheduled changes on 50,000 CIs.

Builds the data with bulk inserts into freshly migrated databases (SQLite, and PostgreSQL when --postgres is
given), then, per sample, inserts a new change with 1-3 affected CIs and times `check_conflicts` (every query,
the domain function, and replacing the stored conflicts) inside a transaction that is rolled back.

Usage: .venv/bin/python bench/conflicts.py [--samples 500] [--postgres postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from tandem_change.cmdb.models import BlackoutWindow, ChangeCI, CIRelationship, ConfigurationItem, MaintenanceWindow
from tandem_change.people.models import KnownPerson
from tandem_change.record.models import Change
from tandem_change.scheduling.models import KnownBooking
from tandem_change.scheduling.service import check_conflicts
from tandem_shared.db import make_engine, make_sessionmaker
from tandem_shared.migrations import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine

SERVICES, APPS, CIS, CHANGES, PEOPLE, BOOKINGS = 500, 5_000, 50_000, 100_000, 500, 20_000
EPOCH = datetime(2027, 1, 4, tzinfo=UTC)
SPAN_HOURS = 365 * 24  # changes spread over a year
CHUNK = 5_000


def _data(rng: random.Random) -> dict[sa.Table, list[dict]]:
    now = datetime.now(UTC)

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    ci_ids = [new_id() for _ in range(CIS)]
    services, apps, infra = ci_ids[:SERVICES], ci_ids[SERVICES:SERVICES + APPS], ci_ids[SERVICES + APPS:]
    changeable = ci_ids[SERVICES:]

    def ci(i: int, ci_id: uuid.UUID) -> dict:
        cls = "business_service" if i < SERVICES else "application" if i < SERVICES + APPS else "server"
        return {"id": ci_id, "name": f"ci-{i:05d}", "ci_class": cls, "criticality": 1 + i % 5,
                "environment": "production", "status": "active", "version": 1, "created_by": "bench",
                "created_at": now, "updated_at": now}

    relationships = set()
    for app in apps:  # each service depends on ~10 applications; each application runs on ~9 servers
        relationships.add((rng.choice(services), app, "depends_on"))
    for server in infra:
        relationships.add((rng.choice(apps), server, "runs_on"))
    people = [new_id() for _ in range(PEOPLE)]
    changes, change_cis = [], []
    for i in range(CHANGES):
        start = EPOCH + timedelta(hours=rng.randrange(SPAN_HOURS))
        change_id = new_id()
        changes.append({
            "id": change_id, "title": f"Bench change {i}", "type": "standard", "state": "scheduled",
            "requested_by": "bench", "assignee_id": rng.choice(people), "effort_hours": 2, "planned_start": start,
            "planned_end": start + timedelta(hours=rng.randint(1, 6)), "affected_cis": [], "version": 1,
            "created_at": now, "updated_at": now})
        for ci_id in {rng.choice(changeable) for _ in range(rng.randint(1, 2))}:
            change_cis.append({"change_id": change_id, "ci_id": ci_id})
    bookings = []
    for _ in range(BOOKINGS):
        start = EPOCH + timedelta(hours=rng.randrange(SPAN_HOURS))
        bookings.append({"id": new_id(), "person_id": rng.choice(people), "source": "project",
                         "source_id": "PRJ-1", "start": start, "end": start + timedelta(hours=8), "hours": 8,
                         "active": True})
    blackouts = [{"id": new_id(), "name": f"Freeze {i}", "start": EPOCH + timedelta(days=7 * i),
                  "end": EPOCH + timedelta(days=7 * i, hours=12), "scope": scope, "version": 1, "created_by": "bench",
                  "ci_id": None if scope == "global" else rng.choice(services if scope == "service" else infra),
                  "created_at": now} for i, scope in enumerate(["global", "service", "ci"] * 20)]
    windows = [{"id": new_id(), "ci_id": ci_id, "rrule": "FREQ=WEEKLY;BYDAY=SA", "starts_at": EPOCH + timedelta(
        days=5, hours=22), "duration_minutes": 360} for ci_id in rng.sample(infra, len(infra) // 10)]
    return {
        ConfigurationItem.__table__: [ci(i, c) for i, c in enumerate(ci_ids)],
        CIRelationship.__table__: [{"id": new_id(), "source_id": s, "target_id": t, "type": k,
                                    "created_by": "bench", "created_at": now} for s, t, k in relationships],
        Change.__table__: changes, ChangeCI.__table__: change_cis,
        KnownPerson.__table__: [{"id": p, "name": f"Person {i}", "team": f"Team {i % 20}", "updated_at": now}
                                for i, p in enumerate(people)],
        KnownBooking.__table__: bookings, BlackoutWindow.__table__: blackouts, MaintenanceWindow.__table__: windows,
    }


async def _load(url: str, data: dict[sa.Table, list[dict]]) -> float:
    await asyncio.to_thread(upgrade, "change", url)
    engine = make_engine(url)
    started = time.perf_counter()
    async with engine.begin() as conn:
        for table, rows in data.items():
            for i in range(0, len(rows), CHUNK):
                await conn.execute(table.insert(), rows[i:i + CHUNK])
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return time.perf_counter() - started


async def _measure(url: str, data: dict[sa.Table, list[dict]], samples: int, rng: random.Random) -> list[float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    cis = [r["id"] for r in data[ConfigurationItem.__table__][SERVICES:]]
    people = [r["id"] for r in data[KnownPerson.__table__]]
    timings, found = [], 0
    for _ in range(samples):
        start = EPOCH + timedelta(hours=rng.randrange(SPAN_HOURS))
        change = Change(title="New change", type="normal", state="new", requested_by="bench",
                        assignee_id=rng.choice(people), effort_hours=2, planned_start=start,
                        planned_end=start + timedelta(hours=rng.randint(1, 4)), affected_cis=[])
        async with sessions() as session:
            await session.begin()
            session.add(change)
            await session.flush()
            session.add_all(ChangeCI(change_id=change.id, ci_id=c) for c in rng.sample(cis, rng.randint(1, 3)))
            await session.flush()
            t0 = time.perf_counter()
            conflicts = await check_conflicts(session, change)
            timings.append((time.perf_counter() - t0) * 1000)
            found += len(conflicts)
            await session.rollback()  # every sample sees the same data
    await engine.dispose()
    print(f"  conflicts found per check (mean): {found / samples:.2f}")
    return timings


def _report(name: str, timings: list[float]) -> None:
    timings = sorted(timings)

    def p(q: float) -> float:
        return timings[min(len(timings) - 1, int(q * len(timings)))]

    print(f"  {name}: checks {len(timings)}  p50 {statistics.median(timings):.1f} ms  p95 {p(0.95):.1f} ms  "
          f"max {timings[-1]:.1f} ms")


async def _postgres_database(server: str) -> tuple[str, str]:
    name = f"tandem_bench_conflicts_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def _drop_postgres(server: str, name: str) -> None:
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main_async(samples: int, postgres: str | None) -> None:
    data = _data(random.Random(7))
    print(f"machine: {machine()}")
    print(f"date: {datetime.now(UTC).date().isoformat()}")
    print(f"data: {CIS} CIs ({SERVICES} business services), {len(data[CIRelationship.__table__])} relationships, "
          f"{CHANGES} scheduled changes, {len(data[ChangeCI.__table__])} change-CI links, {BOOKINGS} bookings, "
          f"{len(data[MaintenanceWindow.__table__])} maintenance windows, "
          f"{len(data[BlackoutWindow.__table__])} blackouts")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/change.sqlite3"
        print(f"SQLite: loaded in {await _load(url, data):.0f} s")
        _report("SQLite", await _measure(url, data, samples, random.Random(11)))
    if postgres:
        name, url = await _postgres_database(postgres)
        try:
            print(f"PostgreSQL: loaded in {await _load(url, data):.0f} s")
            _report("PostgreSQL", await _measure(url, data, samples, random.Random(11)))
        finally:
            await _drop_postgres(postgres, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="also run on a fresh PostgreSQL database on this server, "
                        "e.g. postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    asyncio.run(main_async(args.samples, args.postgres))


if __name__ == "__main__":
    main()
