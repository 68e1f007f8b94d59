"""The unit of work: one transaction's business, audit and outbox rows, and the work due before it commits.

Every write in Tandem goes through one `UnitOfWork`: a request (the `UnitOfWorkDep` dependency), a consumed batch
of events (the consumer) and a background pass (`unit_of_work(maker)`). Use cases take it as a parameter, record
events and audit rows on it, get their repositories from it (`uow.repo(ChangeRepository)`), and never commit; the
code that opened it commits once. Unit tests pass a fake (tests/unit/fakes.py) and run use cases with no I/O.

What one transaction collects lives here, not in loose `session.info` keys:
- `events`: the CloudEvents recorded (their outbox rows are written in the same transaction);
- `before_commit` work, run once just before the commit however often it was registered (e.g. a consumer batch's
  weekly loads, written once per person rather than once per booking);
- buffered insert-only rows (audit, outbox, inbox, new bookings) written as one multi-row insert per table;
- pending upserts of keyed rows (`upsert`; `tandem_shared.rows.KeyedRows` reads and writes projections this way),
  merged per primary key and written as one multi-row `INSERT … ON CONFLICT DO UPDATE` per table and column set;
- `signals` raised after the commit (e.g. the relay is woken when the transaction wrote outbox rows);
- `cache`: state a transaction's use cases share (a batch's prefetched lookups, increments summed per row).

The SQLAlchemy session points back to its unit (one `session.info` key) because the hooks that write buffered rows
before a statement see only the session.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from tandem_shared.db import new_id, utcnow
from tandem_shared.events import (
    DEFAULT_TOPIC_PREFIX,
    REGISTRY,
    TOPIC_PREFIX_KEY,
    CloudEvent,
    EventData,
    build_envelope,
    correlation_id_var,
)
from tandem_shared.tables import audit_log, outbox

UOW_KEY = "tandem_unit_of_work"
OUTBOX_SIGNAL = "outbox"  # raised after a commit that wrote outbox rows: wakes the relay
R = TypeVar("R")
BeforeCommit = Callable[["UnitOfWork"], Awaitable[None]]
Row = tuple[sa.Table, dict[str, Any]]
Upserts = dict[sa.Table, dict[tuple[Any, ...], tuple[dict[str, Any], frozenset[str]]]]


class UnitOfWork:
    """One transaction: its session, the events and rows it records, and what runs before and after its commit."""

    def __init__(self, session: AsyncSession, *, buffered: bool = False) -> None:
        self.session = session
        self.topic_prefix: str = session.info.get(TOPIC_PREFIX_KEY, DEFAULT_TOPIC_PREFIX)
        self.events: list[CloudEvent] = []
        self.signals: set[str] = set()
        self.cache: dict[str, Any] = {}
        self._before_commit: dict[str, BeforeCommit] = {}
        self._buffer: list[Row] | None = [] if buffered else None
        self._upserts: Upserts = {}
        self._connection: tuple[Any, AsyncConnection] | None = None
        self._repositories: dict[Callable[[AsyncSession], Any], Any] = {}
        session.info[UOW_KEY] = self

    @staticmethod
    def of(session: AsyncSession | Session) -> UnitOfWork:
        """The unit of work a session belongs to (one is attached to a bare session on first use)."""
        uow = session.info.get(UOW_KEY)
        if uow is None:
            if not isinstance(session, AsyncSession):
                raise RuntimeError("a synchronous session has no unit of work")
            uow = UnitOfWork(session)
        return uow

    def repo(self, cls: Callable[[AsyncSession], R]) -> R:
        """The repository of this class over this transaction (one instance per unit)."""
        if cls not in self._repositories:
            self._repositories[cls] = cls(self.session)
        return self._repositories[cls]  # type: ignore[no-any-return]

    async def record(self, data: EventData, *, actor: str | None) -> CloudEvent:
        """Record a domain event: its outbox row is written in this transaction."""
        envelope = build_envelope(data, actor=actor)
        await self.insert(outbox, {
            "event_id": envelope.id,
            "topic": REGISTRY[envelope.type].topic_under(self.topic_prefix),
            "key": envelope.subject,
            "event_type": envelope.type,
            "payload": envelope.model_dump(mode="json"),
            "created_at": envelope.time,
        })
        self.events.append(envelope)
        self.signals.add(OUTBOX_SIGNAL)
        return envelope

    async def audit(self, *, actor: str, action: str, entity_type: str, entity_id: Any, from_state: str | None = None,
                    to_state: str | None = None, detail: dict[str, Any] | None = None,
                    changes: list[dict[str, Any]] | None = None) -> None:
        """Record who did what to an entity, with the request's or event's correlation id.

        `changes` is the field-level difference (`tandem_shared.history.changes`), kept as the detail's `changes`.
        """
        if changes is not None:
            detail = {**(detail or {}), "changes": changes}
        await self.insert(audit_log, {
            "id": new_id(), "at": utcnow(), "actor": actor, "action": action, "entity_type": entity_type,
            "entity_id": str(entity_id), "from_state": from_state, "to_state": to_state, "detail": detail,
            "correlation_id": correlation_id_var.get(),
        })

    def before_commit(self, key: str, callback: BeforeCommit) -> None:
        """Run `callback(uow)` once just before the commit, however often it is registered under this key."""
        self._before_commit[key] = callback

    def has_before_commit(self, key: str) -> bool:
        """Whether work is registered under this key (i.e. this transaction wrote what it follows)."""
        return key in self._before_commit

    def signal(self, name: str) -> None:
        """Raise a signal to be delivered right after the commit (see `ServiceRuntime.wake_after_commit`)."""
        self.signals.add(name)

    async def insert(self, table: sa.Table, row: dict[str, Any]) -> None:
        """Insert an insert-only row now, or collect it when this unit buffers rows (a consumer's batch)."""
        if self._buffer is None:
            # The table's INSERT built once, the row as parameters: `insert(table).values(**row)` coerces every
            # value into a new statement on each call, which costs more than running it (~0.1 ms a row).
            await self.session.execute(_insert(table), row)
        else:
            self._buffer.append((table, row))

    def upsert(self, table: sa.Table, row: dict[str, Any], *, update: Iterable[str]) -> None:
        """Insert a keyed row, or on a key already stored set its `update` columns, before the next statement.

        `row` holds the primary key and every column a new row gets. Upserts of one key in a transaction merge (the
        later values win, the columns to update add up), so a row is written once however often it changed; they
        are written after the buffered insert-only rows, before the session's next statement (as autoflush does)
        or at the commit.
        """
        key = tuple(row[column.name] for column in table.primary_key.columns)
        rows = self._upserts.setdefault(table, {})
        pending = rows.get(key)
        rows[key] = (row, frozenset(update)) if pending is None else ({**pending[0], **row}, pending[1] | set(update))

    async def connection(self) -> AsyncConnection:
        """The transaction's connection for Core statements, with what an ORM statement would write first written.

        A Core statement on the connection skips the ORM's per-statement work (about half of a small statement's
        cost), and with it autoflush and the hook that writes buffered rows: this does both.
        """
        session = self.session
        if session.new or session.dirty or session.deleted:
            await session.flush()
        # `session.connection()` is a trip through a greenlet and the session's transaction machinery: keep the
        # connection for the transaction it belongs to.
        transaction = session.get_transaction()
        if self._connection is None or self._connection[0] is not transaction:
            self._connection = (transaction, await session.connection())
        connection = self._connection[1]
        for table, rows in self._take_buffered().items():
            await connection.execute(_insert(table), rows)
        for statement, rows in self._take_upserts(connection.dialect.name):
            await connection.execute(statement, rows)
        return connection

    async def finish(self) -> None:
        """Run the before-commit work (and any it registers in turn), then write the buffered rows."""
        while self._before_commit:
            callbacks, self._before_commit = self._before_commit, {}
            for callback in callbacks.values():
                await callback(self)
        if self._buffer or self._upserts:
            await self.connection()
        self._buffer = None

    def _take_buffered(self) -> dict[sa.Table, list[dict[str, Any]]]:
        # Tables in the order of their first row: a parent row (a booking) comes before its children (its weeks).
        if not self._buffer:
            return {}
        buffered, self._buffer = self._buffer, []
        by_table: dict[sa.Table, list[dict[str, Any]]] = {}
        for table, row in buffered:
            by_table.setdefault(table, []).append(row)
        return by_table

    def _take_upserts(self, dialect: str) -> list[tuple[sa.Insert, list[dict[str, Any]]]]:
        # One statement per table and shape (the columns given, the columns updated), rows in key order (two
        # transactions upserting the same rows lock them in the same order).
        if not self._upserts:
            return []
        upserts, self._upserts = self._upserts, {}
        shapes: dict[tuple[sa.Table, frozenset[str], frozenset[str]], list[dict[str, Any]]] = {}
        for table, rows in upserts.items():
            for _key, (row, update) in sorted(rows.items(), key=lambda item: tuple(map(str, item[0]))):
                shapes.setdefault((table, frozenset(row), update), []).append(row)
        return [(_upsert(table, dialect, update), rows) for (table, _columns, update), rows in shapes.items()]

    @property
    def has_pending_writes(self) -> bool:
        """Whether buffered rows or upserts wait to be written."""
        return bool(self._buffer or self._upserts)

    def write_buffered(self, session: Session) -> None:
        """Write buffered rows and upserts through the synchronous session's connection (below the session)."""
        batches = self._take_buffered()
        if batches or self._upserts:
            connection = session.connection()
            for table, rows in batches.items():
                connection.execute(_insert(table), rows)
            for statement, rows in self._take_upserts(connection.dialect.name):
                connection.execute(statement, rows)


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    """The table's INSERT, built once."""
    return sa.insert(table)


_UPSERTS: dict[tuple[sa.Table, str, frozenset[str]], sa.Insert] = {}
_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _upsert(table: sa.Table, dialect: str, update: frozenset[str]) -> sa.Insert:
    """The table's INSERT … ON CONFLICT (primary key) DO UPDATE of some columns (nothing: DO NOTHING), built once."""
    key = (table, dialect, update)
    if key not in _UPSERTS:
        if dialect not in _DIALECTS:
            raise RuntimeError(f"upserts support PostgreSQL and SQLite, not {dialect}")
        stmt: Any = _DIALECTS[dialect](table)  # the dialect's Insert, which has on_conflict_*
        index = list(table.primary_key.columns)
        _UPSERTS[key] = (stmt.on_conflict_do_update(index_elements=index, set_={
            name: stmt.excluded[name] for name in sorted(update)}) if update
            else stmt.on_conflict_do_nothing(index_elements=index))
    return _UPSERTS[key]


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession], *, buffered: bool = False
                       ) -> AsyncIterator[UnitOfWork]:
    """One transaction: the caller's writes, the before-commit work, then one commit (rollback on error)."""
    async with maker() as session, session.begin():
        uow = UnitOfWork(session, buffered=buffered)
        yield uow
        await uow.finish()


def install_session_hooks(session_class: type[Session], wake: Callable[[str], None]) -> None:
    """Sessions of this class write buffered rows before any statement or flush, and deliver signals after commit.

    Buffered rows are written before the session's next statement, so reads in the transaction see them, as with
    the ORM's autoflush. `wake(name)` is called right after a commit for each signal its unit raised.
    """

    def _write_pending(session: Session) -> None:
        uow = session.info.get(UOW_KEY)
        if uow is not None and uow.has_pending_writes:
            uow.write_buffered(session)

    @event.listens_for(session_class, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        _write_pending(state.session)

    @event.listens_for(session_class, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        _write_pending(session)

    @event.listens_for(session_class, "after_commit")
    def _after_commit(session: Session) -> None:
        uow = session.info.get(UOW_KEY)
        if uow is not None and uow.signals:
            signals, uow.signals = uow.signals, set()
            for name in signals:
                wake(name)


# Functions for code that holds a session rather than its unit of work.

async def record_event(session: AsyncSession, data: EventData, *, actor: str | None) -> CloudEvent:
    """Record a domain event in the session's unit of work (see `UnitOfWork.record`)."""
    return await UnitOfWork.of(session).record(data, actor=actor)


async def insert_row(session: AsyncSession, table: sa.Table, row: dict[str, Any]) -> None:
    """Insert an insert-only row in the session's unit of work (see `UnitOfWork.insert`)."""
    await UnitOfWork.of(session).insert(table, row)


async def core_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection for Core statements (see `UnitOfWork.connection`)."""
    return await UnitOfWork.of(session).connection()


def before_commit(session: AsyncSession, key: str, callback: BeforeCommit) -> None:
    """Register before-commit work in the session's unit of work (see `UnitOfWork.before_commit`)."""
    UnitOfWork.of(session).before_commit(key, callback)
