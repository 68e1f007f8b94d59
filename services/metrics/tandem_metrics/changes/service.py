"""Keeping the changes projection from the change service's events."""

from __future__ import annotations

from tandem_shared.contracts.change import ChangeImpactAssessed, ChangeImplemented
from tandem_shared.uow import UnitOfWork

from tandem_metrics.changes.repository import Changes


async def record_implemented(uow: UnitOfWork, data: ChangeImplemented) -> None:
    """Remember a change's implementation: when it ended, its CIs, team and project."""
    await uow.repo(Changes).put(data.id, title=data.title, team=data.team, project_id=data.project_id,
                                affected_cis=sorted(set(data.affected_cis)), outcome=data.outcome,
                                implemented_at=data.actual_end)


async def record_impact(uow: UnitOfWork, data: ChangeImpactAssessed) -> None:
    """Remember the business services a change impacts (its latest impact assessment)."""
    await uow.repo(Changes).put(data.id, services=sorted({str(s) for s in data.impacted_business_services}))
