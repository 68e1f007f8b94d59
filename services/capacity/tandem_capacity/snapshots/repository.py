"""The snapshot state row: marked dirty by writers just before their commit, claimed by the snapshot pass."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_capacity.snapshots.models import SnapshotState

STATE_ID = 1
_MARK = "tandem_capacity_snapshot_mark"
_state = SnapshotState.__table__
# Only a clean row is updated: once dirty, later writers match nothing and take no row lock.
_MARK_DIRTY = sa.update(_state).where(_state.c.id == STATE_ID, _state.c.dirty.is_(False)).values(dirty=True)


class SnapshotRepository:
    """The one row that coalesces capacity snapshots."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark_dirty(self) -> None:
        """Mark the figures changed (one prebuilt statement on the transaction's connection)."""
        await (await UnitOfWork.of(self.session).connection()).execute(_MARK_DIRTY)

    async def claim(self) -> SnapshotState | None:
        """The state row, locked for this transaction on PostgreSQL (SQLite's writer lock serialises anyway)."""
        stmt = sa.select(SnapshotState).where(SnapshotState.id == STATE_ID).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()


def mark_snapshot_dirty(uow: UnitOfWork) -> None:
    """Note in the unit's transaction that the figures may have changed: one statement, just before commit.

    Deferred to the commit (however many bookings the transaction changes) so the row lock on a clean state row is
    held for the shortest time.
    """
    uow.before_commit(_MARK, _mark)


async def _mark(uow: UnitOfWork) -> None:
    await uow.repo(SnapshotRepository).mark_dirty()
