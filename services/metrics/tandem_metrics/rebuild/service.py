"""The rebuild: replay the retained events through metrics' own handlers into fresh tables, then swap them in.

The replay applies each event once, as the live consumer does: duplicates (re-sent or redelivered copies, same
source and id) are skipped, and so are the events the live consumer dead-lettered (they never counted there either).
Handlers are the live ones, so what an event adds is the same, and events come in the order they were published
(`sources.py` merges the partitions), as the live consumer applied them. Nothing is published or audited: a replay
re-derives state, nothing happens again. Facts (signals, service hours) are copied, not replayed, and what they feed
is derived again once the events are in (`facts.py`).

While the rebuild runs, the live consumer goes on. The swap holds it (see `shadow.py`), applies what arrived since
the rebuild last read, and marks in the inbox every event the rebuild applied that the live consumer has not reached
yet, so it skips them once it goes on against the swapped-in tables.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from tandem_shared.consumer import DEAD_LETTERED, Handler
from tandem_shared.db import utcnow
from tandem_shared.events import REGISTRY, CloudEvent, EnvelopeParser, EventData, correlation_id_var
from tandem_shared.failures import TRANSIENT, classify
from tandem_shared.rows import ROW_STORE, RowStore
from tandem_shared.tables import inbox
from tandem_shared.uow import UnitOfWork

from tandem_metrics.rebuild.facts import MARGIN, FactTables, derive_all, derive_changed
from tandem_metrics.rebuild.session import CACHE, RebuildSession, RebuildUnitOfWork, RowCache
from tandem_metrics.rebuild.shadow import Shadow
from tandem_metrics.rebuild.sources import EventSource, Message
from tandem_metrics.rebuild.tables import FACTS, KEYED, cached_classes, swapped_tables

log = logging.getLogger(__name__)
CONSUMER = "metrics"  # the live consumer's name in the inbox
MARK_CHUNK = 1_000
GC_THRESHOLD = 50_000  # allocations between collections of the youngest generation while replaying (default 700)
Key = tuple[str, uuid.UUID]
Progress = Callable[[int, int], None]  # (messages read so far, messages expected)
Units = Callable[[], AbstractAsyncContextManager[RebuildUnitOfWork]]


class RebuildFailed(RuntimeError):
    """The rebuild stopped before the swap; the live tables are untouched."""


@dataclass
class RebuildReport:
    """What a rebuild read and did."""

    read: int = 0
    applied: int = 0
    duplicates: int = 0
    ignored: int = 0  # types the rebuild does not replay: no handler, or facts kept (inbound signals)
    dead_lettered: int = 0  # dead-lettered by the live consumer: skipped here too
    undecodable: int = 0
    caught_up: int = 0  # messages read while the swap held the live consumer
    marked: int = 0  # inbox rows written for events the live consumer had not reached
    facts: int = 0  # fact rows copied (signals, service hours): kept, not replayed
    facts_caught_up: int = 0  # fact rows changed live while the rebuild ran, copied while the swap held the tables
    seconds: float = 0.0
    tables: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Messages read per second."""
        return self.read / self.seconds if self.seconds else 0.0


def rebuilt_handlers(handlers: Mapping[str, Handler]) -> dict[str, Handler]:
    """The handlers a rebuild replays: all but those of inbound types, whose signals are facts kept as they are."""
    return {name: handler for name, handler in handlers.items() if REGISTRY[name].channel is None}


@asynccontextmanager
async def _unit(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[RebuildUnitOfWork]:
    """A new session's transaction (the facts' derivation, the swap's catching up)."""
    async with maker() as session, session.begin():
        uow = RebuildUnitOfWork(session, buffered=True)
        yield uow
        await uow.finish()


def _units(session: AsyncSession) -> Units:
    """Transactions on one long-lived session, so its RowCache lasts the whole replay."""

    @asynccontextmanager
    async def unit() -> AsyncIterator[RebuildUnitOfWork]:
        async with session.begin():
            uow = RebuildUnitOfWork(session, buffered=True, replaying=True)
            yield uow
            await uow.finish()

    return unit


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while the events are replayed (the thresholds are restored after).

    A replay allocates millions of short-lived objects that reference counting frees as it goes (parsed events,
    rows, increments) and keeps what it builds until the end (the rows it holds, the keys it has seen). With the
    default thresholds the collector ran about 1,800 times in a replay of 50,000 events, ten of them over the whole
    heap, for a quarter of the replay's time; every 50,000 allocations, it runs a few dozen times.
    """
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass
class _Live:
    """What the live consumer has done: its furthest offset per partition, and the events it dead-lettered."""

    marks: dict[tuple[str, int], int]
    dead: set[Key]


async def _live(connection: AsyncConnection) -> _Live:
    marks = {(r.topic, r.partition): r.offset for r in await connection.execute(
        sa.select(inbox.c.topic, inbox.c.partition, sa.func.max(inbox.c.offset).label("offset"))
        .where(inbox.c.consumer == CONSUMER, inbox.c.partition >= 0).group_by(inbox.c.topic, inbox.c.partition))}
    dead = {(r.source, r.event_id) for r in await connection.execute(
        sa.select(inbox.c.source, inbox.c.event_id).where(inbox.c.consumer == CONSUMER,
                                                          inbox.c.status == DEAD_LETTERED))}
    return _Live(marks, dead)


class Replayer:
    """Applies messages once each through the handlers, in transactions of a fetched batch."""

    def __init__(self, handlers: Mapping[str, Handler], live: _Live, report: RebuildReport) -> None:
        self.handlers = handlers
        self.live = live
        self.report = report
        self.seen: set[Key] = set()
        self.parser = EnvelopeParser(handlers)  # envelope and data in one pass over the bytes
        # Inbox rows of applied events past the live consumer's furthest offset at the start: the swap writes those
        # still past it then. Events below it were handled live already (applied, or dead-lettered and skipped).
        self.unmarked: list[tuple[Message, CloudEvent]] = []

    def _parse(self, messages: list[Message]) -> list[tuple[Message, CloudEvent, Handler, EventData]]:
        parsed = []
        batch: set[Key] = set()
        for message in messages:
            self.report.read += 1
            try:
                event = self.parser.parse(message.value)
            except Exception:  # noqa: BLE001 - never applied live either (dead-lettered undecodable)
                self.report.undecodable += 1
                continue
            handler = self.handlers.get(event.type)
            if handler is None:
                self.report.ignored += 1
                continue
            key = (event.source, event.id)
            if key in self.seen or key in batch:
                self.report.duplicates += 1
                continue
            if key in self.live.dead:
                self.report.dead_lettered += 1
                continue
            try:
                data = self.parser.data_of(event)
            except Exception as exc:  # noqa: BLE001 - the live consumer dead-letters it: noted, decided at the swap
                self.report.failed.append(self._where(message, event, exc))
                continue
            if data is None:
                self.report.ignored += 1
                continue
            batch.add(key)
            parsed.append((message, event, handler, data))
        return parsed

    @staticmethod
    def _where(message: Message, event: CloudEvent, exc: BaseException) -> str:
        return (f"{event.type} {event.id} at {message.topic}/{message.partition}/{message.offset}: "
                f"{type(exc).__name__}: {exc}")

    async def apply(self, units: Units, messages: list[Message]) -> None:
        """Apply a batch in one transaction; if it fails, each message alone (a failure is reported, not applied)."""
        parsed = self._parse(messages)
        if not parsed:
            return
        try:
            async with units() as uow:
                await self._run(uow, parsed)
            done = parsed
        except Exception as exc:
            if classify(exc) == TRANSIENT:
                raise
            done = []
            for item in parsed:
                try:
                    async with units() as uow:
                        await self._run(uow, [item])
                except Exception as one:
                    if classify(one) == TRANSIENT:
                        raise
                    self.report.failed.append(self._where(item[0], item[1], one))
                    continue
                done.append(item)
        for message, event, _handler, _data in done:
            self.seen.add((event.source, event.id))
            self.report.applied += 1
            if message.partition < 0 or message.offset > self.live.marks.get((message.topic, message.partition), -1):
                self.unmarked.append((message, event))

    @staticmethod
    async def _run(uow: UnitOfWork, items: list[tuple[Message, CloudEvent, Handler, EventData]]) -> None:
        # As the consumer does: a handler may load in one query what each of its events would look up.
        prefetch: dict[str, tuple[Any, list[EventData]]] = {}
        for _message, event, handler, data in items:
            if hasattr(handler, "prefetch"):
                prefetch.setdefault(event.type, (handler, []))[1].append(data)
        for handler, datas in prefetch.values():
            await handler.prefetch(uow, datas)
        for _message, event, handler, data in items:
            token = correlation_id_var.set(event.correlationid)
            try:
                await handler(uow, event, data)
            finally:
                correlation_id_var.reset(token)

    async def mark(self, connection: AsyncConnection, live: _Live) -> int:
        """Write inbox rows for the applied events the live consumer has not reached: it skips them afterwards."""
        rows = [{
            "consumer": CONSUMER, "source": event.source, "event_id": event.id, "event_type": event.type,
            "status": "applied", "topic": message.topic, "partition": message.partition, "offset": message.offset,
            "error": None, "received_at": utcnow(),
        } for message, event in self.unmarked
            if message.partition < 0 or message.offset > live.marks.get((message.topic, message.partition), -1)]
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = insert(inbox).on_conflict_do_nothing(
            index_elements=[inbox.c.consumer, inbox.c.source, inbox.c.event_id])
        for start in range(0, len(rows), MARK_CHUNK):
            await connection.execute(statement, rows[start:start + MARK_CHUNK])
        return len(rows)


async def rebuild(database_url: str, source: EventSource, handlers: Mapping[str, Handler], *,
                  progress: Progress | None = None) -> RebuildReport:
    """Rebuild every metrics projection from the source's events into fresh tables and swap them in.

    Facts (signals, service hours) are copied, not replayed, and what they feed is derived again (`facts.py`).
    Raises RebuildFailed, leaving the live tables as they were, when an event the live consumer applied cannot be
    applied here, or dead letters changed while the rebuild ran (run it again).
    """
    started = time.perf_counter()
    report = RebuildReport()
    tables = swapped_tables()
    report.tables = [table.name for table in tables]
    replayed = rebuilt_handlers(handlers)
    shadow = Shadow(database_url, tables, lock_first=FACTS)
    facts = FactTables(shadow.live_schema, shadow.fresh_schema)
    try:
        await shadow.create()
        maker = async_sessionmaker(shadow.engine, expire_on_commit=False, sync_session_class=RebuildSession)
        async with shadow.engine.connect() as connection:
            live = await _live(connection)
        replayer = Replayer(replayed, live, report)
        total = await source.total()
        if progress:
            progress(0, total)
        async with maker() as session:
            session.sync_session.info[CACHE] = RowCache(cached_classes())
            session.sync_session.info[ROW_STORE] = RowStore(KEYED)
            units = _units(session)
            with _fewer_collections():
                async for batch in source.read():
                    await replayer.apply(units, batch)
                    if progress:
                        progress(report.read, max(total, report.read))
        # The facts join once the events are in, and what they feed is derived once, from everything.
        copied_at = utcnow()
        async with shadow.engine.begin() as connection:
            report.facts = await facts.copy(connection)
        async with _unit(maker) as uow:
            await derive_all(uow)
        # Once more before the swap, events and facts: it then holds the live tables only for what came meanwhile.
        synced_at = utcnow()
        async with _unit(maker) as uow:
            await derive_changed(uow, await facts.sync(await uow.connection(), copied_at - MARGIN))
        async for batch in source.more():
            await replayer.apply(lambda: _unit(maker), batch)
        read_before = report.read
        async with shadow.swapping() as connection:
            held = async_sessionmaker(bind=connection, expire_on_commit=False, sync_session_class=RebuildSession,
                                      join_transaction_mode="create_savepoint")
            now = await _live(connection)
            if now.dead != live.dead:
                raise RebuildFailed("dead letters were added or replayed while the rebuild ran; run it again")
            async for batch in source.more(after=now.marks):
                await replayer.apply(lambda: _unit(held), batch)
            report.caught_up = report.read - read_before
            if report.failed:
                raise RebuildFailed(f"{len(report.failed)} event(s) could not be applied; the first: "
                                    f"{report.failed[0]}")
            async with _unit(held) as uow:
                changed = await facts.sync(await uow.connection(), synced_at - MARGIN)
                report.facts_caught_up = len(changed)
                await derive_changed(uow, changed)
            report.marked = await replayer.mark(connection, now)
        if progress:
            progress(report.read, report.read)
    finally:
        await shadow.dispose()
    report.seconds = time.perf_counter() - started
    log.info("metrics rebuilt from %d messages in %.1fs (%.0f/s): %d applied, %d duplicates, %d dead-lettered "
             "skipped, %d caught up during the swap, %d marked in the inbox; %d fact rows kept", report.read,
             report.seconds, report.rate, report.applied, report.duplicates, report.dead_lettered, report.caught_up,
             report.marked, report.facts)
    return report
