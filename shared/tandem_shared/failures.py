"""Why applying an event failed: transient (retry until it works) or deterministic (retry a little, then dead-letter).

Transient means the event is fine and its surroundings are not: the database or broker is unreachable or
restarting, a connection dropped, a timeout, a serialization failure or deadlock on PostgreSQL, a locked SQLite
file. Dead-lettering then would fill the dead-letter topic with good events, so the consumer holds the event and
retries it with back-off until it applies. Everything else — a handler's domain error, invalid data, an integrity
error — is deterministic: the same event fails the same way every time.
"""

from __future__ import annotations

import asyncio
from typing import Final, Literal

from aiokafka.errors import KafkaError, KafkaTimeoutError
from sqlalchemy import exc as sa_exc

TRANSIENT: Final = "transient"
DETERMINISTIC: Final = "deterministic"
UNDECODABLE = "undecodable"  # not a CloudEvent at all: dead-lettered at once, never classified
Kind = Literal["transient", "deterministic"]

# PostgreSQL SQLSTATEs of a database that will answer again: connection exceptions (class 08), serialization
# failure, deadlock, statement completion unknown, insufficient resources (class 53), lock and statement timeouts,
# administrator or crash shutdown, cannot connect now.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "40003", "55P03", "57014", "57P01", "57P02", "57P03"})
# OSErrors about a path, not a peer: the same call fails the same way next time.
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def classify(exc: BaseException) -> Kind:
    """Transient when the error or one of its causes says the database or broker is unavailable; else deterministic.

    Only explicit causes are followed (`raise … from`, SQLAlchemy's `orig`), not the context an error happened to
    be raised in: a domain error raised while handling a timeout is still a domain error.
    """
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_transient(error):
            return TRANSIENT
        error = error.__cause__ or getattr(error, "orig", None)
    return DETERMINISTIC


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # the pool had no connection to give in time, or a connection failed its check
    if isinstance(error, KafkaError):
        return bool(error.retriable) or isinstance(error, KafkaTimeoutError)
    if isinstance(error, asyncio.TimeoutError | ConnectionError):
        return True
    if isinstance(error, OSError):
        return not isinstance(error, _PATH_ERRORS)
    sqlstate = getattr(error, "sqlstate", None)  # asyncpg's PostgresError
    if isinstance(sqlstate, str):
        return sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith(_TRANSIENT_SQLSTATE_CLASSES)
    return _is_asyncpg_interface_error(error)


def _is_asyncpg_interface_error(error: BaseException) -> bool:
    # asyncpg's client-side errors about its connection (e.g. "connection is closed"); imported lazily because
    # SQLite deployments need not have asyncpg installed.
    try:
        from asyncpg.exceptions import InterfaceError
    except ImportError:  # pragma: no cover - asyncpg is in the lock file
        return False
    return isinstance(error, InterfaceError)
