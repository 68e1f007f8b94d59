"""An async DB-API adapter over the standard library's sqlite3 that runs statements on the calling thread.

SQLAlchemy's stock adapter for `sqlite+aiosqlite` sends each statement to aiosqlite's worker thread: three or four
round trips (cursor, execute, fetch, close), each a queue hand-off, a cross-thread wake-up of the event loop and a
greenlet switch. That costs ~0.1 ms per trip on a quiet 2-core machine and one to two milliseconds when the cores are
busy, because the worker thread must win the GIL and a core back before the loop can go on. A statement of this
service's size runs in SQLite in microseconds and has nothing to wait for: in WAL mode readers never wait for
writers, and a writer's statements run inside BEGIN IMMEDIATE, which already holds the write lock. So statements,
BEGIN and COMMIT run here, on the calling thread. Only a BEGIN IMMEDIATE that finds the write lock taken waits, and it
waits in a thread (see `Connection.begin`), so the event loop, and whoever holds the lock in it, goes on. A COMMIT
that fills the WAL past SQLite's auto-checkpoint threshold (1,000 pages) copies it into the database file here too:
a few milliseconds once every few dozen transactions.

It reads nothing private of another library. Below it are PEP 249 and `sqlite3`. Above it, SQLAlchemy's
`sqlite+aiosqlite` dialect takes it as its DB-API module through the documented hook, `create_async_engine(url,
module=dbapi())`, and asks for the module attributes its SQLite dialects read (`paramstyle`, the exception classes,
`sqlite_version_info`, `Binary`, `PARSE_*`, and `has_stop`: false, so the dialect closes connections rather than
terminating them), a connection that is a `sqlalchemy.engine.AdaptedConnection` (documented; its `run_async` is how a
synchronous DB-API call awaits) and cursors on which its async results call `_async_soft_close` (nothing to do here:
results are complete when `execute` returns). So an aiosqlite upgrade cannot touch it, and a SQLAlchemy upgrade that
changed what it asks would fail every query at once, not silently. aiosqlite is not imported; the URL still names it
because SQLAlchemy picks its async SQLite dialect by that name (migrations use the stock adapter, and aiosqlite).

What the cursor returns (rows, description, rowcount, lastrowid) and raises (sqlite3's exceptions, which SQLAlchemy
wraps as it wraps the stock driver's) is what sqlite3 gives. The connection is opened with `check_same_thread=False`
and is never used by two threads at once: the loop awaits the waiting BEGIN before it makes the next call, and a
BEGIN whose waiter was cancelled is waited for and rolled back before the next (see `Connection._settle`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import sys
from types import ModuleType
from typing import Any

from sqlalchemy.engine import AdaptedConnection

# PEP 249 module globals, and the sqlite3 attributes SQLAlchemy's SQLite dialects read from their DB-API module.
apilevel = "2.0"
threadsafety = 1
paramstyle = "qmark"
Warning = sqlite3.Warning  # shadows the builtin: the name PEP 249 requires
Error = sqlite3.Error
InterfaceError = sqlite3.InterfaceError
DatabaseError = sqlite3.DatabaseError
DataError = sqlite3.DataError
OperationalError = sqlite3.OperationalError
IntegrityError = sqlite3.IntegrityError
InternalError = sqlite3.InternalError
ProgrammingError = sqlite3.ProgrammingError
NotSupportedError = sqlite3.NotSupportedError
Binary = sqlite3.Binary
PARSE_COLNAMES = sqlite3.PARSE_COLNAMES
PARSE_DECLTYPES = sqlite3.PARSE_DECLTYPES
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info
# Read by SQLAlchemy's aiosqlite dialect: without `stop()` it closes connections instead of terminating them.
has_stop = False


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[Any, ...]:
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


def _nothing(_connection: sqlite3.Connection) -> Any:
    return _done()


class Cursor:
    """A client-side cursor that runs its statement on the calling thread; results are complete on return."""

    __slots__ = ("_adapted", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, adapted: Connection) -> None:
        self._adapted = adapted
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def _run_here(self, operation: str, parameters: Any, many: bool) -> None:
        self.description, rows, self.rowcount, self.lastrowid = _run(
            self._adapted._connection, operation, parameters, many)
        self._rows = collections.deque(rows)
        # SQLAlchemy's AsyncConnection.execute insists that an async driver awaited something; awaiting a coroutine
        # that is already done costs a greenlet switch and never yields to the event loop.
        self._adapted.run_async(_nothing)

    def execute(self, operation: str, parameters: Any = None) -> None:
        self._run_here(operation, parameters, False)

    def executemany(self, operation: str, seq_of_parameters: Any) -> None:
        self._run_here(operation, seq_of_parameters, True)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(len(rows), self.arraysize if size is None else size))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Called by SQLAlchemy's async results on a driver cursor; the sqlite3 cursor was closed in `_run` already."""


class Connection(AdaptedConnection):
    """A DB-API connection over one sqlite3 connection, with `begin` for the engine's BEGIN hook."""

    __slots__ = ("_waiting",)
    # AdaptedConnection types this as an asyncio driver's connection; here it is the sqlite3 one, used synchronously.
    _connection: sqlite3.Connection  # type: ignore[assignment]

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        # A BEGIN IMMEDIATE still running in a thread after its waiter was cancelled: settled before the next use.
        self._waiting: asyncio.Future[Any] | None = None

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # typeshed allows only the three keywords; sqlite3 also takes "" (plain BEGIN), which SQLAlchemy sets.
        self._connection.isolation_level = value  # type: ignore[assignment]

    def cursor(self, server_side: bool = False) -> Cursor:
        # Results are read whole, so a cursor asked for as server-side is the same cursor.
        return Cursor(self)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._connection.create_function(*args, **kwargs)

    def begin(self, *, immediate: bool) -> None:
        """BEGIN a transaction; an IMMEDIATE one (a writer's) takes the write lock.

        The write lock is nearly always free (a service's writers share one connection), so BEGIN IMMEDIATE is tried
        here without waiting. When another connection holds it (another process, or a second engine on the same
        file in this very event loop), the wait happens in a thread, in SQLite's busy handler, so the event loop,
        and whoever holds the lock in it, goes on.
        """
        conn = self._connection
        self._settle()
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
        waiting = asyncio.get_running_loop().run_in_executor(None, _run, conn, "BEGIN IMMEDIATE", None, False)
        self._waiting = waiting
        # Shielded: if this waiter is cancelled, the thread goes on regardless, and the connection must not be used
        # (nor closed) from the loop until it is done.
        try:
            self.run_async(lambda _connection: asyncio.shield(waiting))
        finally:
            if waiting.done():
                self._waiting = None

    def _settle(self) -> None:
        """Wait for a BEGIN IMMEDIATE left running in a thread by a cancelled waiter, then roll it back."""
        waiting = self._waiting
        if waiting is None:
            return
        with contextlib.suppress(Exception):  # it failed, so no transaction was begun
            self.run_async(lambda _connection: asyncio.shield(waiting))
        self._waiting = None
        self._connection.rollback()

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        # sqlite3 skips the ROLLBACK itself when no transaction is open, as after most pool check-ins.
        self._settle()
        self._connection.rollback()

    def close(self) -> None:
        waiting = self._waiting
        if waiting is not None and not waiting.done():
            # Closing now would wait, on the loop's thread, for the BEGIN in the thread: close once it is done.
            waiting.add_done_callback(self._close_after)
            return
        self._connection.close()

    def _close_after(self, waiting: asyncio.Future[Any]) -> None:
        if not waiting.cancelled():
            waiting.exception()  # retrieved: the connection is going away, its BEGIN's failure with it
        self._connection.close()


def connect(*args: Any, **kwargs: Any) -> Connection:
    """Open a sqlite3 connection (arguments as `sqlite3.connect`) that the waiting BEGIN may use from a thread."""
    return Connection(sqlite3.connect(*args, **{**kwargs, "check_same_thread": False}))


def dbapi() -> ModuleType:
    """The DB-API module object to give `create_async_engine(..., module=...)`: this module."""
    return sys.modules[__name__]
