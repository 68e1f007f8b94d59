"""walk_impact over the database gives exactly what the pure domain walk gives over the same graph in memory."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_change.cmdb.impact_service import walk_impact
from tandem_change.cmdb.models import CIRelationship, ConfigurationItem
from tandem_change.domain.impact import CINode, ImpactGraph, analyse_impact
from tandem_shared.db import make_engine, make_sessionmaker

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


async def test_database_walk_matches_the_domain_walk(databases, backend):
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
            for depth, cut in ((10, None), (2, 2)):
                async with sessions() as session:
                    result = await walk_impact(session, start, depth=depth, max_criticality=cut)
                expected = analyse_impact(graph, start, depth=depth, max_criticality=cut)
                assert _listing(result) == _listing(expected), (start, depth)
                assert [c.id for c in result.business_services] == [c.id for c in expected.business_services]
                assert all(isinstance(c.id, uuid.UUID) for c in result.impacted)
                wide = max(wide, len(result.impacted))
        assert wide > 20  # the random graph gives walks that spread, not only single CIs
    finally:
        await engine.dispose()
