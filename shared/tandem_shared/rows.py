"""Keyed projection rows read and written as plain dicts through Core: no ORM object per event.

A projection that keeps one small row per entity (a booking's team, a change's implementation) and is written by
most consumed events paid the ORM's per-object work for each (identity map, attribute events, the flush's unit of
work), a large share of a consumer's time per event. `KeyedRows` keeps such rows as dicts instead:

- `put` merges the new values into the row and hands it to the unit of work (`UnitOfWork.upsert`), which writes
  every row of the transaction once, many per statement, before its next statement or at its commit;
- `get` answers from the rows this transaction already read or wrote, then from a `RowStore` when the session has
  one for the table (it says it holds every row: a rebuild's fresh tables, which only its replay writes), and only
  then queries (one row by key; `load` reads many in one query).

A table written this way must be written only this way: its ORM class, if it has one, is for reads, and such reads
ask for `populate_existing` so an object loaded earlier in the transaction shows what was upserted since.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_shared.uow import UnitOfWork

ROW_STORE = "tandem_row_store"  # Session.info key of a RowStore
Row = dict[str, Any]
Key = Any  # a primary key value (a tuple for a composite key)


@functools.cache
def _by_keys(table: sa.Table) -> sa.Select[Any]:
    """SELECT the rows of a table with a one-column key whose key is in the expanding parameter `keys` (built once)."""
    [key] = table.primary_key.columns
    return sa.select(table).where(key.in_(sa.bindparam("keys", expanding=True)))


class RowStore:
    """Every row of some tables, by table name and key, kept across transactions while `on`.

    Only for a session that is its tables' only writer and whose tables started empty (a rebuild's replay): a key
    it lacks is a row that does not exist. A failed transaction must turn it off (its rows may not be stored), and
    so does a table growing past `limit` rows (memory): lookups then query.
    """

    def __init__(self, tables: Iterable[str], *, limit: int = 1_000_000) -> None:
        self.tables: dict[str, dict[Key, Row]] = {name: {} for name in tables}
        self.limit = limit
        self.on = True

    def of(self, table: str) -> dict[Key, Row] | None:
        """The rows of a table it holds, or None (not one of its tables, or off)."""
        return self.tables.get(table) if self.on else None

    def off(self) -> None:
        """Stop answering (lookups query again) and forget the rows."""
        self.on = False
        self.tables.clear()


class KeyedRows:
    """One table's rows by primary key in a unit of work: `get` without a query when known, `put` as an upsert."""

    def __init__(self, session: AsyncSession, table: sa.Table) -> None:
        self.uow = UnitOfWork.of(session)
        self.table = table
        self.key_columns = [column.name for column in table.primary_key.columns]
        store: RowStore | None = session.info.get(ROW_STORE)
        self.store = store
        complete = store.of(table.name) if store is not None else None
        self.complete = complete is not None  # a miss is a row that does not exist
        # The rows known in this transaction (None: known to be absent), or every row when the store holds them.
        self.known: dict[Key, Row | None] = complete if complete is not None else self.uow.cache.setdefault(
            f"tandem_rows.{table.name}", {})  # type: ignore[assignment]

    def _key_of(self, row: Row) -> Key:
        if len(self.key_columns) == 1:
            return row[self.key_columns[0]]
        return tuple(row[name] for name in self.key_columns)

    async def get(self, key: Key) -> Row | None:
        """The row with this key (do not change it: `put` what changes), or None."""
        known = self.known
        if key in known or self.complete:
            return known.get(key)
        await self.load([key])
        return known.get(key)

    async def load(self, keys: Iterable[Key]) -> None:
        """Read the rows of these keys not known yet, in one query per chunk (a batch's prefetch)."""
        if self.complete:
            return
        wanted = sorted({k for k in keys if k not in self.known}, key=str)
        if not wanted:
            return
        connection = await self.uow.connection()  # writes pending upserts first: a read sees them
        columns = [self.table.c[name] for name in self.key_columns]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            if len(columns) == 1:  # built once per table: building a select costs more than running it
                found_rows = await connection.execute(_by_keys(self.table), {"keys": chunk})
            else:
                found_rows = await connection.execute(
                    sa.select(self.table).where(sa.tuple_(*columns).in_([tuple(k) for k in chunk])))
            for found in found_rows.mappings():
                row = dict(found)
                self.known[self._key_of(row)] = row
            for key in chunk:
                self.known.setdefault(key, None)

    async def put(self, key: Key, **values: Any) -> Row:
        """Set some columns of the row with this key (a new row: every column not given is null); return the row."""
        old = await self.get(key)
        if old is None:
            row = dict.fromkeys(self.table.columns.keys())
            row.update(zip(self.key_columns, key if len(self.key_columns) > 1 else (key,), strict=True))
            row.update(values)
        else:
            row = {**old, **values}
        self.known[key] = row
        if self.complete and self.store is not None and len(self.known) > self.store.limit:
            self.store.off()  # this transaction keeps its rows; the next ones query
        self.uow.upsert(self.table, row, update=values.keys())
        return row

