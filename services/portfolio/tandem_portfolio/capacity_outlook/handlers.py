"""Capacity's snapshots kept as the outlook selection runs plan against."""

from __future__ import annotations

from tandem_shared.contracts.capacity import CapacitySnapshotPublished
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.capacity_outlook import service


async def on_snapshot_published(uow: UnitOfWork, event: CloudEvent, data: CapacitySnapshotPublished) -> None:
    """Capacity published free hours per skill per week: keep the latest snapshot, whole."""
    await service.keep_snapshot(uow, data)
