"""Impact analysis on a 50,000-CI CMDB: walk to depth 10 from random CIs on fresh SQLite and PostgreSQL.

Builds the graph with the change service's migrations and bulk inserts, then times the same function the API
uses (`walk_impact`: level-by-level loading plus the walk). Target: p95 under 100 ms.

Usage: .venv/bin/python bench/impact.py [--cis 50000] [--runs 300] [--postgres postgresql://postgres@127.0.0.1:5432]
       [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import machine  # noqa: E402
from tandem_shared.db import make_engine, make_sessionmaker  # noqa: E402
from tandem_shared.migrations import upgrade  # noqa: E402

from tandem_change.cmdb.impact_service import walk_impact  # noqa: E402
from tandem_change.cmdb.models import CIRelationship, ConfigurationItem  # noqa: E402

# Share of each class in the CMDB, bottom of the stack first.
MIX = [("core_switch", 0.0002), ("network_device", 0.0018), ("storage", 0.004), ("server", 0.08),
       ("virtual_machine", 0.50), ("database", 0.08), ("pool", 0.06), ("application", 0.24),
       ("business_service", 0.034)]


def build_graph(total: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """CIs and relationships of a layered data centre with redundancy and app-to-app chains."""
    now = datetime.now(UTC)
    cis: list[dict] = []
    by_kind: dict[str, list[uuid.UUID]] = {}
    for kind, share in MIX:
        for i in range(max(2, int(total * share))):
            ci_id = uuid.uuid4()
            ci_class = {"core_switch": "network_device", "pool": "other"}.get(kind, kind)
            min_up = 1 if kind in ("server", "pool") else None  # dual-homed servers, load-balanced pools
            cis.append({"id": ci_id, "name": f"{kind}-{i:05d}", "ci_class": ci_class, "criticality": rng.randint(1, 5),
                        "environment": "production", "owner_team": None, "service_owner": None, "min_up": min_up,
                        "description": None, "status": "active", "version": 1, "created_by": "bench",
                        "created_at": now, "updated_at": now})
            by_kind.setdefault(kind, []).append(ci_id)
    rels: set[tuple[uuid.UUID, uuid.UUID, str]] = set()

    def link(source: uuid.UUID, target: uuid.UUID, kind: str = "depends_on") -> None:
        rels.add((source, target, kind))

    for switch in by_kind["network_device"]:
        link(switch, rng.choice(by_kind["core_switch"]), "connects_to")
    for server in by_kind["server"]:
        for switch in rng.sample(by_kind["network_device"], 2):
            link(server, switch)
    for vm in by_kind["virtual_machine"]:
        link(vm, rng.choice(by_kind["server"]), "runs_on")
        if rng.random() < 0.2:
            link(vm, rng.choice(by_kind["storage"]))
    for db in by_kind["database"]:
        link(db, rng.choice(by_kind["virtual_machine"]), "runs_on")
    for pool in by_kind["pool"]:
        for vm in rng.sample(by_kind["virtual_machine"], rng.randint(2, 3)):
            link(pool, vm, "runs_on")
    apps = by_kind["application"]
    for i, app in enumerate(apps):
        link(app, rng.choice(by_kind["pool"]) if rng.random() < 0.5 else rng.choice(by_kind["virtual_machine"]))
        if rng.random() < 0.6:
            link(app, rng.choice(by_kind["database"]))
        if i and rng.random() < 0.3:  # microservice chains give the walk its depth
            link(app, apps[rng.randrange(max(0, i - 200), i)])
    for service in by_kind["business_service"]:
        for app in rng.sample(apps, rng.randint(2, 8)):
            link(service, app)
    rows = [{"id": uuid.uuid4(), "source_id": s, "target_id": t, "type": k, "created_by": "bench", "created_at": now}
            for s, t, k in rels]
    return cis, rows


async def load(url: str, cis: list[dict], rels: list[dict]) -> None:
    await asyncio.to_thread(upgrade, "change", url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        for table, rows in ((ConfigurationItem.__table__, cis), (CIRelationship.__table__, rels)):
            for i in range(0, len(rows), 5000):
                await conn.execute(sa.insert(table), rows[i:i + 5000])
        await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()


async def measure(url: str, cis: list[dict], runs: int, depth: int, rng: random.Random) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    ids = [c["id"] for c in cis]
    timings, sizes = [], []
    for run in range(runs + 10):
        start = rng.sample(ids, rng.randint(1, 3))
        t0 = time.perf_counter()
        async with sessions() as session, session.begin():
            result = await walk_impact(session, start, depth=depth)
        if run >= 10:  # the first runs warm the pool and the statement caches
            timings.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(result.impacted))
    await engine.dispose()
    timings.sort()
    sizes.sort()
    pick = lambda values, q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"p50": pick(timings, 0.5), "p95": pick(timings, 0.95), "max": timings[-1],
            "impacted_p50": pick(sizes, 0.5), "impacted_max": sizes[-1]}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cis", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(42)
    cis, rels = build_graph(args.cis, rng)
    print(f"machine: {machine()}")
    print(f"date: {datetime.now(UTC).date().isoformat()}")
    print(f"graph: {len(cis)} CIs, {len(rels)} relationships; depth {args.depth}; {args.runs} runs from 1-3 random CIs")
    backends = [("SQLite", None)] + ([] if args.sqlite_only else [("PostgreSQL", args.postgres)])
    for name, server in backends:
        if server is None:
            folder = Path(tempfile.mkdtemp(prefix="tandem-bench-impact-"))
            url, cleanup = f"sqlite+aiosqlite:///{folder / 'change.sqlite3'}", None
        else:
            database = f"bench_impact_{uuid.uuid4().hex[:8]}"
            conn = await asyncpg.connect(f"{server}/postgres")
            await conn.execute(f'CREATE DATABASE "{database}"')
            await conn.close()
            url, cleanup = f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{database}", database
        try:
            t0 = time.perf_counter()
            await load(url, cis, rels)
            loaded = time.perf_counter() - t0
            stats = await measure(url, cis, args.runs, args.depth, random.Random(7))
            print(f"{name:<10} load {loaded:5.1f} s  impact ms p50 {stats['p50']:6.1f}  p95 {stats['p95']:6.1f}  "
                  f"max {stats['max']:6.1f}  impacted CIs p50 {stats['impacted_p50']}  max {stats['impacted_max']}")
        finally:
            if cleanup:
                conn = await asyncpg.connect(f"{server}/postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)')
                await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
