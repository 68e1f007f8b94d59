"""walk_impact (cached graph and database walk) gives exactly what the pure domain walk gives over the same graph
in memory."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_change.cmdb import service
from tandem_change.cmdb.impact_rules import CINode, ImpactGraph, analyse_impact
from tandem_change.cmdb.impact_service import walk_impact, walk_impact_in_database
from tandem_change.cmdb.models import CIRelationship, ConfigurationItem
from tandem_change.cmdb.schemas import CICreate, CIUpdate, RelationshipCreate
from tandem_shared.auth import Actor
from tandem_shared.db import make_engine, make_sessionmaker
from tandem_shared.uow import UnitOfWork

TYPES = ["depends_on", "runs_on", "connects_to"]


def _random_cmdb(rng: random.Random, count: int = 160) -> tuple[list[dict], list[dict]]:
    """CIs (some retired, some with min_up) and relationships of every type, with cycles and redundant pools."""
    now = datetime.now(UTC)
    cis = [{"id": uuid.uuid4(), "name": f"ci-{i:03d}", "ci_class": rng.choice(["server", "business_service"]),
            "criticality": rng.randint(1, 5), "environment": "production", "min_up": rng.choice([None, None, 1, 2]),
            "status": "retired" if rng.random() < 0.08 else "active", "version": 1, "created_by": "test",
            "created_at": now, "updated_at": now} for i in range(count)]
    pairs: set[tuple[uuid.UUID, uuid.UUID, str]] = set()
    while len(pairs) < count * 2:
        source, target = rng.sample(cis, 2)
        pairs.add((source["id"], target["id"], rng.choice(TYPES)))
    rels = [{"id": uuid.uuid4(), "source_id": s, "target_id": t, "type": k, "created_by": "test", "created_at": now}
            for s, t, k in pairs]
    return cis, rels


def _in_memory(cis: list[dict], rels: list[dict]) -> ImpactGraph:
    """The graph the walk sees: active CIs and the relationships between them (retired CIs leave the walk)."""
    graph = ImpactGraph()
    for c in cis:
        if c["status"] == "active":
            graph.add_node(CINode(c["id"], c["name"], c["ci_class"], c["criticality"], c["min_up"]))
    for r in rels:
        if r["source_id"] in graph.nodes and r["target_id"] in graph.nodes:
            graph.add_relationship(r["source_id"], r["target_id"], r["type"])
    return graph


def _listing(result) -> list[tuple]:
    return [(c.id, c.name, c.ci_class, c.criticality, c.depth) for c in result.impacted]


async def test_cached_and_database_walks_match_the_domain_walk(databases, backend):
    rng = random.Random(20261122)
    cis, rels = _random_cmdb(rng)
    engine = make_engine(await databases.fresh("change", backend))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.insert(ConfigurationItem.__table__), cis)
            await conn.execute(sa.insert(CIRelationship.__table__), rels)
        graph = _in_memory(cis, rels)
        sessions = make_sessionmaker(engine)
        starts = [[c["id"]] for c in cis[:40]] + [[c["id"] for c in rng.sample(cis, 3)] for _ in range(20)]
        starts.append([cis[0]["id"], cis[0]["id"], uuid.uuid4()])  # repeated and unknown ids
        wide = 0
        for start in starts:
            for (depth, cut), walk in itertools.product(((10, None), (2, 2)), (walk_impact, walk_impact_in_database)):
                async with sessions() as session:
                    result = await walk(session, start, depth=depth, max_criticality=cut)
                expected = analyse_impact(graph, start, depth=depth, max_criticality=cut)
                assert _listing(result) == _listing(expected), (start, depth, walk.__name__)
                assert [c.id for c in result.business_services] == [c.id for c in expected.business_services]
                assert all(isinstance(c.id, uuid.UUID) for c in result.impacted)
                wide = max(wide, len(result.impacted))
        assert wide > 20  # the random graph gives walks that spread, not only single CIs
    finally:
        await engine.dispose()


async def test_the_next_walk_sees_cmdb_writes_made_through_the_service(databases, backend):
    """Writes raise the CMDB version; every engine's cached graph reloads on its next walk, then serves from memory."""
    url = await databases.fresh("change", backend)
    engine = make_engine(url)
    other = make_engine(url)  # a second replica with its own cache
    actor = Actor(sub="u-1", name="Dana", roles=frozenset({"change_manager"}))
    try:
        sessions, other_sessions = make_sessionmaker(engine), make_sessionmaker(other)

        async def write(use_case, **kwargs):
            async with sessions() as session:
                result = await use_case(session, actor=actor, **kwargs)
                await UnitOfWork.of(session).finish()
                await session.commit()
                return result

        async def names(start, via=sessions, depth=10):
            async with via() as session:
                walked = await walk_impact(session, start, depth=depth)
                return [(c.name, c.criticality, c.depth) for c in walked.impacted]

        switch = await write(service.create_ci, body=CICreate(name="switch", ci_class="network_device"))
        server = await write(service.create_ci, body=CICreate(name="server", ci_class="server", criticality=2))
        assert await names([switch.id]) == [("switch", 3, 0)]
        assert await names([switch.id], other_sessions) == [("switch", 3, 0)]

        rel, _ = await write(service.add_relationship, source=server,
                             body=RelationshipCreate(target_id=switch.id, type="runs_on"))
        assert await names([switch.id]) == [("switch", 3, 0), ("server", 2, 1)]
        assert await names([switch.id], other_sessions) == [("switch", 3, 0), ("server", 2, 1)]

        app = await write(service.create_ci,
                          body=CICreate(name="app", ci_class="application"))
        await write(service.add_relationship, source=app,
                    body=RelationshipCreate(target_id=server.id, type="depends_on"))
        async with sessions() as session:
            server = await session.get(ConfigurationItem, server.id)
            await service.update_ci(session, actor=actor, ci=server, body=CIUpdate(criticality=1, name="server-a"))
            await UnitOfWork.of(session).finish()
            await session.commit()
        assert await names([switch.id]) == [("switch", 3, 0), ("server-a", 1, 1), ("app", 3, 2)]

        async with sessions() as session:  # CMDB writes not committed yet: this transaction's walk still sees them
            await service.retire_ci(session, actor=actor, ci=await session.get(ConfigurationItem, server.id))
            assert [c.name for c in (await walk_impact(session, [switch.id])).impacted] == ["switch"]
            await session.rollback()
        assert await names([switch.id], other_sessions) == [("switch", 3, 0), ("server-a", 1, 1), ("app", 3, 2)]

        async with sessions() as session:
            await service.delete_relationship(session, actor=actor, rel=await session.get(CIRelationship, rel.id))
            await UnitOfWork.of(session).finish()
            await session.commit()
        assert await names([switch.id]) == [("switch", 3, 0)]
        assert await names([server.id], other_sessions) == [("server-a", 1, 0), ("app", 3, 1)]

        async with sessions() as session:
            await service.retire_ci(session, actor=actor, ci=await session.get(ConfigurationItem, server.id))
            await UnitOfWork.of(session).finish()
            await session.commit()
        assert await names([server.id]) == []
        assert await names([app.id], other_sessions) == [("app", 3, 0)]

        # a row written behind the service's back does not raise the version: the cached graph is what walks serve
        async with engine.begin() as conn:
            await conn.execute(sa.update(ConfigurationItem.__table__).values(criticality=5))
        assert await names([app.id]) == [("app", 3, 0)]
    finally:
        await engine.dispose()
        await other.dispose()
