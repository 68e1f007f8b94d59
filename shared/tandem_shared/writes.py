"""Insert-only rows (audit, outbox, inbox, new bookings) written at once or buffered to one insert per table.

A consumer's batch buffers: the rows of hundreds of events go out as one executemany per table. Buffered rows
are written before the session's next statement or flush (see `write_before_reads`), so reads in the same
transaction see them, as with the ORM's autoflush.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

BUFFER_KEY = "tandem_buffered_rows"
CONNECTION_KEY = "tandem_core_connection"


def buffer_rows(session: AsyncSession) -> None:
    """From now on, `insert_row` in this session collects rows until `flush_rows` (a consumer's batch)."""
    session.info[BUFFER_KEY] = []


async def insert_row(session: AsyncSession, table: sa.Table, row: dict[str, Any]) -> None:
    """Insert one row now, or collect it when the session buffers rows."""
    buffered = session.info.get(BUFFER_KEY)
    if buffered is None:
        await session.execute(sa.insert(table).values(**row))
    else:
        buffered.append((table, row))


_INSERTS: dict[sa.Table, sa.Insert] = {}


def _insert(table: sa.Table) -> sa.Insert:
    """The table's INSERT, built once."""
    if table not in _INSERTS:
        _INSERTS[table] = sa.insert(table)
    return _INSERTS[table]


def _by_table(buffered: list[tuple[sa.Table, dict[str, Any]]]) -> dict[sa.Table, list[dict[str, Any]]]:
    # Tables in the order of their first row: a parent row (a booking) comes before its children (its weeks).
    by_table: dict[sa.Table, list[dict[str, Any]]] = {}
    for table, row in buffered:
        by_table.setdefault(table, []).append(row)
    return by_table


async def flush_rows(session: AsyncSession) -> None:
    """Write the collected rows, one executemany per table; stop buffering."""
    await core_connection(session)
    session.info.pop(BUFFER_KEY, None)


async def core_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection for Core statements, with what an ORM statement would write first written.

    A Core statement on the connection skips the ORM's per-statement work (about half of a small statement's
    cost), and with it autoflush and the hook that writes buffered rows: this does both.
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()
    # `session.connection()` is a trip through a greenlet and the session's transaction machinery: keep the
    # connection for the transaction it belongs to.
    transaction, connection = session.info.get(CONNECTION_KEY, (None, None))
    if transaction is None or transaction is not session.get_transaction():
        connection = await session.connection()
        session.info[CONNECTION_KEY] = (session.get_transaction(), connection)
    buffered = session.info.get(BUFFER_KEY)
    if buffered:
        session.info[BUFFER_KEY] = []
        for table, rows in _by_table(buffered).items():
            await connection.execute(_insert(table), rows)
    return connection


def _write_pending(session: Session) -> None:
    buffered = session.info.get(BUFFER_KEY)
    if not buffered:
        return
    session.info[BUFFER_KEY] = []
    connection = session.connection()  # below the session: no events, no autoflush
    for table, rows in _by_table(buffered).items():
        connection.execute(_insert(table), rows)


def write_before_reads(session_class: type[Session]) -> None:
    """Make sessions of this class write buffered rows before any statement they run and before each flush."""

    @event.listens_for(session_class, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        _write_pending(state.session)

    @event.listens_for(session_class, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        _write_pending(session)
