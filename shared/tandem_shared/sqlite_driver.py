"""SQLAlchemy's aiosqlite adapter, with statements run on the calling thread instead of aiosqlite's worker thread.

The stock adapter sends each statement to the connection's worker thread: three or four round trips (cursor,
execute, fetch, close), each a queue hand-off, a cross-thread wake-up of the event loop and a greenlet switch.
That costs ~0.1 ms per trip on a quiet 2-core machine and one to two milliseconds when the cores are busy, because
the worker thread must win the GIL and a core back before the loop can go on. A statement of this service's size
runs in SQLite in microseconds and has nothing to wait for: in WAL mode readers never wait for writers, and a
writer's statements run inside BEGIN IMMEDIATE, which already holds the write lock. So statements, BEGIN and COMMIT
run here, on the calling thread. Only a BEGIN IMMEDIATE that finds the write lock taken waits, and it waits on the
worker thread (see `_Connection.begin`). A COMMIT that fills the WAL past SQLite's auto-checkpoint threshold (1,000
pages) copies it into the database file here too: a few milliseconds once every few dozen transactions.

What the cursor returns (rows, description, rowcount, lastrowid) is what the stock cursor would have read. The
connection is opened with `check_same_thread=False` (the SQLite library serialises calls itself) and is never used
by two threads at once: the adapter awaits each call before it makes the next. Pass `module=dbapi()` to
`create_async_engine` for a `sqlite+aiosqlite` URL. It relies on aiosqlite's `Connection._conn` (aiosqlite 0.22 is
pinned), as SQLAlchemy's adapter reaches into the same internals to set `isolation_level`.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple:
    """Execute, fetch everything, close; return what the caller reads afterwards."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def _done() -> None:
    return None


class _InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor that runs its statement on the calling thread; results are complete on return."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # closed in `_run` already

    def close(self) -> None:
        self._rows.clear()

    def _run_here(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            self._description, rows, self._rowcount, self._lastrowid = _run(
                self._connection._conn, operation, parameters, many)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._rows = collections.deque(rows)
        # SQLAlchemy's AsyncConnection.execute insists that an async driver awaited something; awaiting a coroutine
        # that is already done costs a greenlet switch and never yields to the event loop.
        await_(_done())

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run_here(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run_here(operation, seq_of_parameters, True)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _InlineCursor

    def begin(self, *, immediate: bool) -> None:
        """BEGIN a transaction; an IMMEDIATE one (a writer's) takes the write lock.

        The write lock is nearly always free (a service's writers share one connection), so BEGIN IMMEDIATE is tried
        here without waiting. When another connection holds it (another process, or a second engine on the same
        file in this very event loop), the wait happens on the worker thread, in SQLite's busy handler, so the
        event loop, and whoever holds the lock in it, goes on.
        """
        conn = self._connection._conn
        try:
            if not immediate:
                _run(conn, "BEGIN", None, False)
                return
            busy_timeout = _run(conn, "PRAGMA busy_timeout", None, False)[1][0][0]
            _run(conn, "PRAGMA busy_timeout=0", None, False)
            try:
                _run(conn, "BEGIN IMMEDIATE", None, False)
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
            finally:
                _run(conn, f"PRAGMA busy_timeout={int(busy_timeout)}", None, False)
            await_(self._connection._execute(_run, conn, "BEGIN IMMEDIATE", None, False))
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        try:
            self._connection._conn.commit()
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        # The pool rolls back every connection it takes back, most often after a commit: with no transaction
        # open there is nothing to undo, so skip the trip (`in_transaction` only reads SQLite's autocommit flag).
        if self._connection._connection and self._connection._conn.in_transaction:
            super().rollback()


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        connection = self.aiosqlite.connect(*arg, **{**kw, "check_same_thread": False})
        connection._thread.daemon = True  # as SQLAlchemy does: a forgotten connection must not block exit
        return _Connection(self, await_(connection))


def dbapi() -> _DBAPI:
    """The DB-API module object to give `create_async_engine(..., module=...)`."""
    return _DBAPI(aiosqlite, sqlite3)
