"""Impact of a change: walk the CMDB from its affected CIs, store the result, keep people's decisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import ChangeImpactAssessed
from tandem_shared.db import utcnow
from tandem_shared.errors import Forbidden, InvalidTransition, NotFound
from tandem_shared.repository import record_audit
from tandem_shared.uow import record_event

from tandem_change.cmdb.graph_cache import graph_cache, has_pending_cmdb_writes
from tandem_change.cmdb.impact_rules import BUSINESS_SERVICE, DEFAULT_DEPTH, ImpactGraph, ImpactResult, ImpactWalk
from tandem_change.cmdb.models import ChangeImpact, ConfigurationItem
from tandem_change.cmdb.repository import ChangeCIRepository, GraphLoader, ImpactRepository
from tandem_change.record.models import Change

COMPUTED, CONFIRMED, EXCLUDED = "computed", "confirmed", "excluded"
CLOSED_STATES = ("closed", "canceled")
CRITICAL = 2  # business services at or above this criticality (1..2) weigh on risk
# Assess the impact of every change (and admin); the other assessing roles, of the changes they raised: a depth or
# criticality cut-off chosen by someone else would drop computed CIs, and with them risk.
ANY_CHANGE_ASSESSORS = ("change_manager", "cab_member")


@dataclass(frozen=True)
class ImpactSummary:
    """What the risk engine needs from a change's stored impact (excluded CIs left out)."""

    impacted_ci_ids: list[uuid.UUID] = field(default_factory=list)
    business_service_ids: list[uuid.UUID] = field(default_factory=list)
    most_critical: int | None = None  # lowest criticality number among impacted CIs and services; None if none
    critical_business_services: int = 0  # impacted business services with criticality <= 2


async def walk_impact(session: AsyncSession, affected: list[uuid.UUID], *, depth: int = DEFAULT_DEPTH,
                      max_criticality: int | None = None) -> ImpactResult:
    """Impact from these CIs, walked over the engine's cached graph (reloaded when the CMDB version moved).

    A transaction holding CMDB writes of its own walks the database instead: the cache cannot see them yet.
    """
    if has_pending_cmdb_writes(session):
        return await walk_impact_in_database(session, affected, depth=depth, max_criticality=max_criticality)
    cached = await graph_cache(session).graph(session)
    walk = ImpactWalk(cached.graph, cached.raw_ids(affected), depth)
    while not walk.done:
        walk.step()
    return walk.result(max_criticality, cached.details(list(walk.impacted)))


async def walk_impact_in_database(session: AsyncSession, affected: list[uuid.UUID], *, depth: int = DEFAULT_DEPTH,
                                  max_criticality: int | None = None) -> ImpactResult:
    """Impact from these CIs, loading the graph level by level (only what the walk reaches).

    The walk runs on the driver's raw ids; names, classes and criticality are read for the impacted CIs only.
    """
    graph = ImpactGraph()
    loader = GraphLoader(session, graph)
    walk = ImpactWalk(graph, await loader.start(affected), depth)
    while not walk.done:
        await loader.load_dependents(walk.frontier)
        candidates = walk.candidates()
        await loader.load_providers(walk.needs_providers(candidates))
        walk.step(candidates)
    return walk.result(max_criticality, await loader.details(list(walk.impacted)))


def _open(change: Change, action: str) -> None:
    if change.state in CLOSED_STATES:
        raise InvalidTransition(entity="change", state=change.state, action=action, allowed=[])


async def assess_impact(session: AsyncSession, *, actor: Actor, change: Change, depth: int = DEFAULT_DEPTH,
                        max_criticality: int | None = None) -> ImpactResult:
    """Compute and store the change's impact; decisions already taken on CIs (confirmed, excluded) are kept."""
    if not (actor.has_any(*ANY_CHANGE_ASSESSORS) or actor.sub == change.requested_by):
        raise Forbidden(f"only the change's requester ({change.requested_by}), a change manager or a CAB member may "
                        f"assess its impact", reason="not_owner", required_roles=list(ANY_CHANGE_ASSESSORS))
    _open(change, "assess the impact of")
    affected = await ChangeCIRepository(session).ci_ids(change.id)
    result = await walk_impact(session, affected, depth=depth, max_criticality=max_criticality)
    repo = ImpactRepository(session)
    stored = {impact.ci_id: impact for impact, _ in await repo.of_change(change.id)}
    await repo.delete(change.id, [ci for ci, row in stored.items()
                                  if row.status == COMPUTED and ci not in {c.id for c in result.impacted}])
    for ci in result.impacted:
        row = stored.get(ci.id)
        if row is None:
            session.add(ChangeImpact(change_id=change.id, ci_id=ci.id, depth=ci.depth,
                                     business_service=ci.ci_class == BUSINESS_SERVICE, status=COMPUTED))
        else:
            row.depth, row.business_service = ci.depth, ci.ci_class == BUSINESS_SERVICE
    await session.flush()
    services = [c.id for c in result.business_services]
    await record_audit(session, actor=actor.sub, action="assess_impact", entity_type="change", entity_id=change.id,
                       detail={"depth": depth, "max_criticality": max_criticality,
                               "impacted": len(result.impacted), "business_services": len(services)})
    await record_event(session, ChangeImpactAssessed(
        id=change.id, assessed_by=actor.sub, depth=depth, impacted_count=len(result.impacted),
        business_service_count=len(services), impacted_business_services=services,
        most_critical=min((c.criticality for c in result.impacted), default=None),
    ), actor=actor.sub)
    return result


async def stored_impact(session: AsyncSession, change_id: uuid.UUID) -> list[tuple[ChangeImpact, ConfigurationItem]]:
    """The stored impact rows of a change with their CIs, nearest and most critical first."""
    return await ImpactRepository(session).of_change(change_id)


async def decide_impact(session: AsyncSession, *, actor: Actor, change: Change, ci_id: uuid.UUID,
                        status: str) -> ChangeImpact:
    """Confirm or exclude one impacted CI; a later re-assessment keeps the decision."""
    _open(change, "decide on the impact of")
    row = await ImpactRepository(session).get(change.id, ci_id)
    if row is None:
        raise NotFound(f"CI {ci_id} is not in the stored impact of change {change.id}; assess the impact first")
    previous = row.status
    row.status, row.decided_by, row.decided_at = status, actor.sub, utcnow()
    await session.flush()
    await record_audit(session, actor=actor.sub, action=f"impact_{status}", entity_type="change",
                       entity_id=change.id, from_state=previous, to_state=status, detail={"ci_id": str(ci_id)})
    return row


async def impact_summary(session: AsyncSession, change_id: uuid.UUID) -> ImpactSummary:
    """The change's stored impact for risk scoring: excluded CIs do not count; empty until assessed."""
    rows = [(impact, ci) for impact, ci in await ImpactRepository(session).of_change(change_id)
            if impact.status != EXCLUDED]
    services = [(impact, ci) for impact, ci in rows if impact.business_service]
    return ImpactSummary(
        impacted_ci_ids=[impact.ci_id for impact, _ in rows],
        business_service_ids=[impact.ci_id for impact, _ in services],
        most_critical=min((ci.criticality for _, ci in rows), default=None),
        critical_business_services=sum(1 for _, ci in services if ci.criticality <= CRITICAL),
    )
