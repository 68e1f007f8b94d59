"""The rebuild's sessions: they publish nothing, and keep the rows of some projections between transactions.

The live consumer looks a booking, a person, a project or a change up by key once per event, and each lookup of a
row not written yet costs a flush and a query. In a rebuild the fresh tables start empty and the replay is their only
writer, so every row it ever wrote is one it still holds: a lookup by key is that row, or nothing, with no query.
Projections written through the ORM alone are held as their objects (`RowCache`), those written as keyed Core rows
as dicts (`tandem_shared.rows.RowStore`). A failed transaction (its rows are gone) turns both off, and so do too many
rows (memory); lookups then query again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from tandem_shared.events import CloudEvent, EventData, build_envelope
from tandem_shared.rows import ROW_STORE, RowStore
from tandem_shared.uow import UnitOfWork, install_session_hooks

from tandem_metrics.signals.linking import REPLAYING  # in uow.cache while replaying: work done once later may wait

CACHE = "tandem_rebuild_rows"  # Session.info key of the RowCache
LIMIT = 1_000_000  # cached rows at most (memory): past it, lookups query the database




class RebuildUnitOfWork(UnitOfWork):
    """A unit of work that publishes and audits nothing: a replay re-derives state, nothing happens again.

    While the events are replayed (before the facts join), its cache says REPLAYING: the rebuild then derives what
    signals feed once, from everything (`facts.py`), so a handler may leave that to it.
    """

    def __init__(self, session: Any, *, buffered: bool = False, replaying: bool = False) -> None:
        super().__init__(session, buffered=buffered)
        if replaying:
            self.cache[REPLAYING] = True

    async def record(self, data: EventData, *, actor: str | None) -> CloudEvent:
        return build_envelope(data, actor=actor)

    async def audit(self, **_kwargs: Any) -> None:
        return None


class RowCache:
    """Every row of some ORM-only projections, by class and primary key, while `on`."""

    def __init__(self, classes: Iterable[type]) -> None:
        self.classes = set(classes)
        self.rows: dict[tuple[type, tuple[Any, ...]], Any] = {}
        self.on = True
        self._keys: dict[type, tuple[str, ...]] = {}  # each class's primary key attributes, looked up once

    def _key(self, instance: Any) -> tuple[Any, ...]:
        cls = type(instance)
        names = self._keys.get(cls)
        if names is None:
            mapper = sa.inspect(cls)
            names = self._keys[cls] = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
        return tuple(getattr(instance, name) for name in names)

    def off(self) -> None:
        self.on = False
        self.rows.clear()

    def remember(self, instance: Any) -> None:
        cls = type(instance)
        if not self.on or cls not in self.classes:
            return
        key = self._key(instance)
        if any(part is None for part in key):
            # A key the database would assign: rows of this class cannot be found without a query.
            self.classes.discard(cls)
            return
        self.rows[(cls, key)] = instance
        if len(self.rows) > LIMIT:
            self.off()

    def forget(self, instance: Any) -> None:
        key = self._key(instance)
        self.rows.pop((type(instance), key), None)


class RebuildSession(Session):
    """A session whose lookups by key answer from its RowCache (when it has one and it is on)."""

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        cache: RowCache | None = self.info.get(CACHE)
        # The async session passes every option, at its default when not asked for: only a plain lookup is cached.
        if cache is None or not cache.on or any(kwargs.values()) or entity not in cache.classes:
            return super().get(entity, ident, **kwargs)
        key = tuple(ident) if isinstance(ident, (tuple, list)) else (ident,)
        return cache.rows.get((entity, key))


install_session_hooks(RebuildSession, lambda _signal: None)


@event.listens_for(RebuildSession, "transient_to_pending")
def _added(session: Session, instance: Any) -> None:
    if (cache := session.info.get(CACHE)) is not None:
        cache.remember(instance)


@event.listens_for(RebuildSession, "persistent_to_deleted")
def _deleted(session: Session, instance: Any) -> None:
    if (cache := session.info.get(CACHE)) is not None:
        cache.forget(instance)


@event.listens_for(RebuildSession, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    # What the failed transaction added is gone from the database, and objects it changed are expired: start over.
    if (cache := session.info.get(CACHE)) is not None:
        cache.off()
    store: RowStore | None = session.info.get(ROW_STORE)
    if store is not None:
        store.off()
