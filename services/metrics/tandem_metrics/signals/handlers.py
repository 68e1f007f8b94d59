"""Change events that move incident links: an implementation, or the services a change impacts, becoming known."""

from __future__ import annotations

from tandem_shared.contracts.change import ChangeImpactAssessed, ChangeImplemented
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_metrics.changes.service import record_impact, record_implemented
from tandem_metrics.kpis.apply import apply_event
from tandem_metrics.signals.linking import relink_for_change


async def on_change_implemented(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Count the implementation, remember it, and relink the incidents it may have caused."""
    assert isinstance(data, ChangeImplemented)
    await apply_event(uow, event, data)
    await record_implemented(uow, data)
    relink_for_change(uow, data.id, at=event.time)


async def on_impact_assessed(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Remember the change's services; once it is implemented, incidents on them may be its."""
    assert isinstance(data, ChangeImpactAssessed)
    await record_impact(uow, data)
    relink_for_change(uow, data.id, at=event.time)
