"""Impact analysis on a 50,000-CI CMDB: walk to depth 10 from random CIs and from the widest ones.

`walk_impact` serves from the engine's in-process graph cache: the first walk, and the first after each CMDB write
(a version bump), load the whole graph; both costs are printed apart from the timed (cached) walks.

Builds the graph with the change service's migrations and bulk inserts, then times the same function the API
uses (`walk_impact`) on fresh SQLite and PostgreSQL: from 1-3 random CIs, and from each of the `--wide` CIs whose
impact is largest (found by running the pure domain walk, `analyse_impact`, from every CI in memory). Every timed
result is checked against the in-memory walk. Target: under 100 ms for every start.

Usage: .venv/bin/python bench/impact.py [--cis 50000] [--runs 300] [--wide 10] [--repeat 5]
       [--postgres postgresql://postgres@127.0.0.1:5432] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
from embedded import machine
from tandem_change.cmdb.impact_rules import CINode, ImpactGraph, ImpactResult, analyse_impact
from tandem_change.cmdb.impact_service import walk_impact
from tandem_change.cmdb.models import CIRelationship, CMDBVersion, ConfigurationItem
from tandem_shared.db import make_engine, make_sessionmaker
from tandem_shared.migrations import upgrade

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


def in_memory(cis: list[dict], rels: list[dict]) -> ImpactGraph:
    """The whole CMDB as the pure domain sees it."""
    graph = ImpactGraph()
    for c in cis:
        graph.add_node(CINode(c["id"], c["name"], c["ci_class"], c["criticality"], c["min_up"]))
    for r in rels:
        graph.add_relationship(r["source_id"], r["target_id"], r["type"])
    return graph


def widest(graph: ImpactGraph, count: int, depth: int) -> list[tuple[uuid.UUID, int]]:
    """The `count` CIs whose own outage impacts the most CIs, with that number."""
    sizes = [(len(analyse_impact(graph, [ci], depth=depth).impacted), ci) for ci in graph.nodes]
    sizes.sort(key=lambda pair: (-pair[0], str(pair[1])))
    return [(ci, size) for size, ci in sizes[:count]]


def same(result: ImpactResult, expected: ImpactResult) -> bool:
    def key(r: ImpactResult) -> list[tuple]:
        return [(c.id, c.name, c.ci_class, c.criticality, c.depth) for c in r.impacted]

    return key(result) == key(expected) and [c.id for c in result.business_services] == [
        c.id for c in expected.business_services]


def pick(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def timed(sessions, start: list[uuid.UUID], depth: int) -> tuple[float, ImpactResult]:
    t0 = time.perf_counter()
    async with sessions() as session, session.begin():
        result = await walk_impact(session, start, depth=depth)
    return (time.perf_counter() - t0) * 1000, result


async def measure(url: str, graph: ImpactGraph, runs: int, depth: int, rng: random.Random,
                  wide: list[tuple[uuid.UUID, int]], repeat: int) -> dict:
    """Random starts (after 10 warm-up runs), then each wide start `repeat` times; results checked."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    ids = list(graph.nodes)
    timings, sizes, wrong = [], [], 0
    # the first walk loads the whole graph into the engine's cache; a write (version bump) makes the next one reload
    first = rng.sample(ids, 1)
    first_ms, result = await timed(sessions, first, depth)
    wrong += not same(result, analyse_impact(graph, first, depth=depth))
    reload_ms = []
    for _ in range(3):
        async with engine.begin() as conn:
            await conn.execute(sa.update(CMDBVersion).values(version=CMDBVersion.version + 1))
        ms, result = await timed(sessions, first, depth)
        wrong += not same(result, analyse_impact(graph, first, depth=depth))
        reload_ms.append(ms)
    for run in range(runs + 10):
        start = rng.sample(ids, rng.randint(1, 3))
        ms, result = await timed(sessions, start, depth)
        wrong += not same(result, analyse_impact(graph, start, depth=depth))
        if run >= 10:  # the first runs warm the pool and the statement caches
            timings.append(ms)
            sizes.append(len(result.impacted))
    wide_rows = []
    for ci, size in wide:
        runs_ms = []
        for _ in range(repeat):
            ms, result = await timed(sessions, [ci], depth)
            wrong += not same(result, analyse_impact(graph, [ci], depth=depth))
            runs_ms.append(ms)
        wide_rows.append({"name": graph.nodes[ci].name, "impacted": size, "median": pick(runs_ms, 0.5),
                          "max": max(runs_ms)})
    await engine.dispose()
    return {"first": first_ms, "reload": pick(reload_ms, 0.5), "p50": pick(timings, 0.5), "p95": pick(timings, 0.95),
            "max": max(timings), "impacted_p50": pick(sizes, 0.5), "impacted_max": max(sizes), "wide": wide_rows,
            "wrong": wrong}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cis", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--wide", type=int, default=10, help="how many of the widest starts to time")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each wide start")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(42)
    cis, rels = build_graph(args.cis, rng)
    print(f"machine: {machine()}")
    print(f"date: {datetime.now(UTC).date().isoformat()}")
    print(f"graph: {len(cis)} CIs, {len(rels)} relationships; depth {args.depth}; {args.runs} runs from 1-3 random CIs")
    graph = in_memory(cis, rels)
    t0 = time.perf_counter()
    wide = widest(graph, args.wide, args.depth)
    print(f"widest {len(wide)} starts (in-memory walk from every CI: {time.perf_counter() - t0:.1f} s), "
          f"{args.repeat} runs each: impacted {', '.join(str(size) for _, size in wide)}")
    # The bench's own rows and in-memory graph (~400,000 tracked objects) would make each full garbage collection
    # take ~0.5 s inside the timed walks; the service holds none of them, so they are moved out of the collector.
    gc.collect()
    gc.freeze()
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
            stats = await measure(url, graph, args.runs, args.depth, random.Random(7), wide, args.repeat)
            print(f"{name:<10} load {loaded:5.1f} s  random ms p50 {stats['p50']:6.1f}  p95 {stats['p95']:6.1f}  "
                  f"max {stats['max']:6.1f}  impacted CIs p50 {stats['impacted_p50']}  max {stats['impacted_max']}")
            print(f"{'':<10} first walk (loads the graph into the cache) {stats['first']:6.1f} ms  "
                  f"walk after a CMDB write (reload) median of 3 {stats['reload']:6.1f} ms")
            for row in stats["wide"]:
                print(f"{'':<10} wide start {row['name']:<22} impacted {row['impacted']:4d}  "
                      f"ms median {row['median']:6.1f}  max {row['max']:6.1f}")
            medians = [row["median"] for row in stats["wide"]]
            print(f"{name:<10} wide starts ms: median of medians {pick(medians, 0.5):6.1f}  worst median "
                  f"{max(medians, default=0):6.1f}  max {max((r['max'] for r in stats['wide']), default=0):6.1f}  "
                  f"results differing from the in-memory walk: {stats['wrong']}")
        finally:
            if cleanup:
                conn = await asyncpg.connect(f"{server}/postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)')
                await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
