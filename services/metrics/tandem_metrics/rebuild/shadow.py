"""The fresh table set a rebuild fills, and the one transaction that swaps it in for the live tables.

PostgreSQL: the fresh tables live in the schema `metrics_rebuild`, and the rebuild's connections search it before
`public`, so the handlers' unqualified statements write the fresh projections while still reading the live tables
they do not rebuild (facts, settings). The swap locks the live tables, drops them and moves the fresh ones into
`public` (`ALTER TABLE … SET SCHEMA`, a rename in the catalogue): one transaction, nothing copied.

SQLite: the fresh tables are TEMP tables of the rebuild's one connection, which SQLite resolves before `main` in
the same way. A table cannot move from `temp` to `main`, so the swap transaction (BEGIN IMMEDIATE: the live writer
waits) drops each live table, recreates it from its own DDL and indexes as stored in `sqlite_master`, and copies
the fresh rows in: still one transaction, so a reader sees the old tables or the new ones, never a mix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateIndex, CreateTable
from tandem_shared import sqlite_driver
from tandem_shared.db import JSON_CODEC, is_sqlite

SHADOW_SCHEMA = "metrics_rebuild"
LIVE_SCHEMA = "public"
IMMEDIATE = "tandem_rebuild_immediate"  # execution option: this SQLite transaction takes the write lock at BEGIN
ADVISORY_LOCK = 0x7A6E_6D65_7472  # one rebuild at a time per PostgreSQL database (the shadow schema is shared)
LOCK_TIMEOUT = "30s"  # how long the swap waits for the live consumer's transaction before giving up


def _sqlite_engine(url: str) -> AsyncEngine:
    """One connection (TEMP tables belong to it); transactions deferred, so filling TEMP tables locks nothing live."""
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_timeout=60, pool_size=1, max_overflow=0,
                                 module=sqlite_driver.dbapi(), **JSON_CODEC)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # our BEGIN below, not pysqlite's
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.connection.dbapi_connection.begin(immediate=bool(conn.get_execution_options().get(IMMEDIATE)))

    return engine


def _postgres_engine(url: str) -> AsyncEngine:
    """Connections that resolve unqualified table names in the shadow schema first, then in the live one."""
    return create_async_engine(url, pool_size=2, max_overflow=0, pool_pre_ping=True, **JSON_CODEC, connect_args={
        "server_settings": {"search_path": f"{SHADOW_SCHEMA},{LIVE_SCHEMA}"}})


class Shadow:
    """Fresh, empty copies of the projection tables, filled through `engine`, then swapped in for the live ones."""

    def __init__(self, database_url: str, tables: Sequence[sa.Table], *, lock_first: Collection[str] = ()) -> None:
        self.sqlite = is_sqlite(database_url)
        self.lock_first = set(lock_first)
        self.live_schema, self.fresh_schema = ("main", "temp") if self.sqlite else (LIVE_SCHEMA, SHADOW_SCHEMA)
        # Parents before children: created in this order, dropped in the reverse.
        order = {table.name: i for i, table in enumerate(tables[0].metadata.sorted_tables)} if tables else {}
        self.tables = sorted(tables, key=lambda table: order[table.name])
        self.names = {table.name for table in self.tables}
        self.engine = _sqlite_engine(database_url) if self.sqlite else _postgres_engine(database_url)
        self._guard: AsyncConnection | None = None

    async def create(self) -> None:
        """Make the fresh, empty tables (dropping what an interrupted rebuild left)."""
        if self.sqlite:
            async with self.engine.begin() as connection:
                for table in reversed(self.tables):
                    await connection.execute(sa.text(f'DROP TABLE IF EXISTS temp."{table.name}"'))
                for table in self.tables:
                    await connection.execute(sa.text(self._temp_ddl(table, connection)))
                    for index in table.indexes:
                        # Unqualified: SQLite puts an index of a TEMP table in `temp`.
                        await connection.execute(CreateIndex(index))
            return
        self._guard = await self.engine.connect()
        if not (await self._guard.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK)))).scalar_one():
            await self._guard.close()
            self._guard = None
            raise RuntimeError("another metrics rebuild is running on this database")
        await self._guard.commit()
        async with self.engine.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SHADOW_SCHEMA}" CASCADE'))
            await connection.execute(sa.text(f'CREATE SCHEMA "{SHADOW_SCHEMA}"'))
            await connection.run_sync(self._shadow_metadata().create_all)

    def _temp_ddl(self, table: sa.Table, connection: AsyncConnection) -> str:
        """The table's CREATE TEMP TABLE, without foreign keys: they would name TEMP tables that do not exist.

        The live tables' own DDL, foreign keys included, is what the swap recreates and checks.
        """
        copy = table.to_metadata(sa.MetaData())
        for constraint in list(copy.foreign_key_constraints):
            copy.constraints.discard(constraint)
        for column in copy.columns:
            column.foreign_keys.clear()
        ddl = str(CreateTable(copy).compile(dialect=connection.dialect)).strip()
        return ddl.replace("CREATE TABLE", "CREATE TEMP TABLE", 1)

    def _shadow_metadata(self) -> sa.MetaData:
        """The projection tables in the shadow schema; a foreign key to a table not rebuilt names the live one."""
        metadata = sa.MetaData()

        def referred(_table: sa.Table, _to: Any, constraint: sa.ForeignKeyConstraint, _schema: Any) -> str:
            return SHADOW_SCHEMA if constraint.referred_table.name in self.names else LIVE_SCHEMA

        for table in self.tables:
            table.to_metadata(metadata, schema=SHADOW_SCHEMA, referred_schema_fn=referred)
        return metadata

    @asynccontextmanager
    async def swapping(self) -> AsyncIterator[AsyncConnection]:
        """A transaction in which nothing writes the live projections but the caller; leaving it swaps and commits.

        The caller catches up with the events that arrived meanwhile (the live consumer is held: on PostgreSQL its
        next inbox claim waits for the lock, on SQLite its BEGIN waits for the write lock) and marks them in the
        inbox, through this connection, before the swap.
        """
        async with self.engine.connect() as connection:
            if self.sqlite:
                connection = await connection.execution_options(**{IMMEDIATE: True})
            async with connection.begin():
                if not self.sqlite:
                    await connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                    # The inbox first: the consumer claims its batch there before it writes any projection, so it
                    # finishes the batch in hand and waits at its next claim, holding nothing the swap needs.
                    await connection.execute(sa.text(f'LOCK TABLE "{LIVE_SCHEMA}".inbox IN EXCLUSIVE MODE'))
                    # Then the tables requests write before the others (signals before the KPI values they feed),
                    # so a request halfway through waits for nothing this holds.
                    ordered = sorted(self.tables, key=lambda table: (table.name not in self.lock_first, table.name))
                    live = ", ".join(f'"{LIVE_SCHEMA}"."{table.name}"' for table in ordered)
                    await connection.execute(sa.text(f"LOCK TABLE {live} IN ACCESS EXCLUSIVE MODE"))
                yield connection
                await (self._swap_sqlite(connection) if self.sqlite else self._swap_postgres(connection))

    async def _swap_postgres(self, connection: AsyncConnection) -> None:
        await self._refuse_outside_references(connection)
        for table in reversed(self.tables):
            await connection.execute(sa.text(f'DROP TABLE "{LIVE_SCHEMA}"."{table.name}"'))
        for table in self.tables:
            await connection.execute(sa.text(
                f'ALTER TABLE "{SHADOW_SCHEMA}"."{table.name}" SET SCHEMA "{LIVE_SCHEMA}"'))
        await connection.execute(sa.text(f'DROP SCHEMA "{SHADOW_SCHEMA}"'))

    async def _refuse_outside_references(self, connection: AsyncConnection) -> None:
        """A live table the rebuild keeps must not reference a rebuilt one: dropping it would break the reference."""
        rows = (await connection.execute(sa.text(
            "SELECT conrelid::regclass::text AS source, confrelid::regclass::text AS target FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = CAST(:schema AS regnamespace)"), {"schema": LIVE_SCHEMA})).all()
        name = lambda qualified: qualified.split(".")[-1].strip('"')  # noqa: E731 - a one-line helper
        bad = [(r.source, r.target) for r in rows if name(r.target) in self.names and name(r.source) not in self.names]
        if bad:
            raise RuntimeError(f"kept tables reference rebuilt ones: {bad}; rebuild them too or drop the reference")

    async def _swap_sqlite(self, connection: AsyncConnection) -> None:
        # Foreign keys between rebuilt tables are checked at the commit, once every table is back.
        await connection.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
        ddl: dict[str, tuple[str, list[str]]] = {}
        for table in self.tables:
            rows = (await connection.execute(sa.text(
                "SELECT type, sql FROM main.sqlite_master WHERE tbl_name = :name AND sql IS NOT NULL "
                "ORDER BY type = 'index', name"), {"name": table.name})).all()
            create = [r.sql for r in rows if r.type == "table"]
            if len(create) != 1:
                raise RuntimeError(f"live table {table.name} not found in the database")
            ddl[table.name] = (create[0], [r.sql for r in rows if r.type == "index"])
        for table in reversed(self.tables):
            await connection.execute(sa.text(f'DROP TABLE main."{table.name}"'))
        for table in self.tables:
            create, indexes = ddl[table.name]
            await connection.execute(sa.text(create))  # unqualified CREATE TABLE: in `main`
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            await connection.execute(sa.text(
                f'INSERT INTO main."{table.name}" ({columns}) SELECT {columns} FROM temp."{table.name}"'))
            await connection.execute(sa.text(f'DROP TABLE temp."{table.name}"'))
            for index in indexes:
                await connection.execute(sa.text(index))  # the TEMP table is gone: the name resolves to `main`

    async def dispose(self) -> None:
        """Drop what is left of the shadow (after a failure) and close the connections."""
        try:
            if self.sqlite:
                async with self.engine.begin() as connection:
                    for table in reversed(self.tables):
                        await connection.execute(sa.text(f'DROP TABLE IF EXISTS temp."{table.name}"'))
            else:
                async with self.engine.begin() as connection:
                    await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SHADOW_SCHEMA}" CASCADE'))
        finally:
            if self._guard is not None:
                await self._guard.close()  # ends the session: the advisory lock goes with it
                self._guard = None
            await self.engine.dispose()
