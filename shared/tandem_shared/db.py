"""Async engines and sessions for PostgreSQL (asyncpg) and SQLite (aiosqlite), and column types."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from tandem_shared import sqlite_driver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the naming convention every service uses."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class ServiceBase(DeclarativeBase):
    """Abstract root; each service declares `class Base(ServiceBase)` with its own metadata."""

    __abstract__ = True


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new random UUID for an entity or event."""
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes in UTC and returns them aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Tandem stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url_or_engine: str | AsyncEngine) -> bool:
    """True when the URL or engine speaks SQLite."""
    name = url_or_engine if isinstance(url_or_engine, str) else url_or_engine.url.drivername
    return name.startswith("sqlite")


def _json_dumps(value: Any) -> str:
    # orjson: several times faster than the stdlib's encoder on every JSON column written (outbox payloads, audit
    # details, weekly loads); compact output. Non-string keys become strings, as the stdlib's do.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_CODEC = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(url: str, *, pool_size: int = 10, read_only: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys on every connection.

    On SQLite a read-only engine begins deferred transactions, which in WAL mode never wait for writers
    nor make them wait; the default engine begins IMMEDIATE so writers queue at BEGIN.
    """
    if is_sqlite(url):
        # SQLite allows one writer at a time: writers wait for the single pooled connection in FIFO order
        # (an asyncio queue) rather than in SQLite's busy handler, whose back-off sleeps make long tails.
        sizing = {"pool_size": pool_size, "max_overflow": 0} if read_only else {"pool_size": 1, "max_overflow": 0}
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_timeout=60, module=sqlite_driver.dbapi(),
                                     **JSON_CODEC, **sizing)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            else:
                # Migrations already leave the file in WAL mode; switching needs an exclusive lock, so only
                # the writer ever asks (a reader asking while a writer works gets "database is locked").
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin_immediate(conn: Any) -> None:
            # Writers queue on the database lock at BEGIN instead of failing to upgrade later. Straight to the
            # driver, none of a statement's work in SQLAlchemy.
            conn.connection.dbapi_connection.begin(immediate=not read_only)

        # pysqlite's own transaction handling must be off for the BEGIN above to take effect.
        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_autocommit(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **JSON_CODEC)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
