"""Keeping the changes projection from the change service's events."""

from __future__ import annotations

from tandem_shared.contracts.change import ChangeImpactAssessed, ChangeImplemented
from tandem_shared.uow import UnitOfWork

from tandem_metrics.changes.models import ChangeFacts
from tandem_metrics.changes.repository import Changes


async def record_implemented(uow: UnitOfWork, data: ChangeImplemented) -> ChangeFacts:
    """Remember a change's implementation: when it ended, its CIs, team and project."""
    change = await uow.repo(Changes).ensure(data.id)
    change.title, change.team, change.project_id = data.title, data.team, data.project_id
    change.affected_cis, change.outcome, change.implemented_at = sorted(set(data.affected_cis)), data.outcome, \
        data.actual_end
    return change  # written by the next query's autoflush (or the commit): no flush per event


async def record_impact(uow: UnitOfWork, data: ChangeImpactAssessed) -> ChangeFacts:
    """Remember the business services a change impacts (its latest impact assessment)."""
    change = await uow.repo(Changes).ensure(data.id)
    change.services = sorted({str(s) for s in data.impacted_business_services})
    return change
