"""Every query of KPI values, targets and statuses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.dimensions import ORGANISATION
from tandem_metrics.kpis.models import KpiStatus, KpiTarget, KpiValue
from tandem_metrics.kpis.rules import Increment
from tandem_metrics.periods import ALL

_PENDING = "metrics.pending_increments"
_PENDING_SETS = "metrics.pending_sets"
TOUCHED = "metrics.touched_values"  # (kpi, period, dimension) written by this transaction, for the status checks
AFTER_WRITE = "metrics.after_value_writes"  # before-commit key of the work that follows the writes (status checks)
_table = KpiValue.__table__
Key = tuple[str, str, str]
_CHUNK = 400


def _upsert(insert: Any, *, add: bool) -> Any:
    stmt = insert(_table)
    return stmt.on_conflict_do_update(
        index_elements=[_table.c.kpi, _table.c.period, _table.c.dimension],
        set_={
            "value": _table.c.value + stmt.excluded.value if add else stmt.excluded.value,
            # Events may arrive out of time order across topics: keep the latest time seen.
            "updated_at": sa.case((stmt.excluded.updated_at > _table.c.updated_at, stmt.excluded.updated_at),
                                  else_=_table.c.updated_at),
        },
    )


# Built once: building the upsert cost more than running it, for every event.
_UPSERTS = {"postgresql": _upsert(postgresql.insert, add=True), "sqlite": _upsert(sqlite.insert, add=True)}
_REPLACES = {"postgresql": _upsert(postgresql.insert, add=False), "sqlite": _upsert(sqlite.insert, add=False)}


def _rows(pending: dict[Key, Any]) -> list[dict[str, Any]]:
    # In key order: two consumers' transactions lock shared rows in the same order, so neither waits on the other.
    return [{"kpi": kpi, "period": period, "dimension": dimension, "value": value, "updated_at": at}
            for (kpi, period, dimension), (value, at) in sorted(pending.items())]


async def _write_pending(uow: UnitOfWork) -> None:
    added: dict[Key, list[Any]] = uow.cache.pop(_PENDING, {})
    replaced: dict[Key, tuple[float, datetime]] = uow.cache.pop(_PENDING_SETS, {})
    if not added and not replaced:
        return
    connection = await uow.connection()
    dialect = connection.dialect.name
    if dialect not in _UPSERTS:
        raise RuntimeError(f"kpi upserts support PostgreSQL and SQLite, not {dialect}")
    if replaced:
        await connection.execute(_REPLACES[dialect], _rows(replaced))
    if added:
        await connection.execute(_UPSERTS[dialect], _rows(added))
    touched: set[Key] = uow.cache.setdefault(TOUCHED, set())
    touched.update(added)
    touched.update(replaced)
    # Imported here: the status checks read values through this module. They run after the writes, once per batch.
    from tandem_metrics.kpis.breaches import check_touched

    uow.before_commit(AFTER_WRITE, check_touched)


class KpiValues:
    """Stored values by (kpi, period, dimension)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, increments: Sequence[Increment], *, at: datetime) -> None:
        """Add each increment atomically at commit; `at` stamps the rows (the latest time seen wins).

        Summed per row over the transaction, so a consumer's batch of events writes each row once, with one
        prebuilt statement; concurrent consumers never lose an increment (the upsert adds to the stored value).
        """
        if not increments:
            return
        uow = UnitOfWork.of(self.session)
        # [sum, latest time] per row, changed in place: this runs for every increment of every event.
        pending: dict[Key, list[Any]] = uow.cache.setdefault(_PENDING, {})
        for kpi, period, delta, dim in increments:
            key = (kpi, period, dim)
            row = pending.get(key)
            if row is None:
                pending[key] = [delta, at]
            else:
                row[0] += delta
                if at > row[1]:
                    row[1] = at
        uow.before_commit(_PENDING, _write_pending)

    async def set(self, values: dict[Key, float], *, at: datetime) -> None:
        """Replace values at commit (values recomputed from stored facts, e.g. a service's downtime)."""
        if not values:
            return
        uow = UnitOfWork.of(self.session)
        pending: dict[Key, tuple[float, datetime]] = uow.cache.setdefault(_PENDING_SETS, {})
        for key, value in values.items():
            pending[key] = (value, max(pending[key][1], at) if key in pending else at)
        uow.before_commit(_PENDING, _write_pending)

    async def flush(self) -> None:
        """Write what is pending now (a read of the same values follows in this transaction)."""
        uow = UnitOfWork.of(self.session)
        if uow.has_before_commit(_PENDING):
            await _write_pending(uow)

    async def get(self, keys: Iterable[Key]) -> dict[Key, float]:
        """Stored values by key (missing keys are absent)."""
        wanted = set(keys)
        return {key: value for key, value in (await self.within(wanted)).items() if key in wanted}

    async def within(self, keys: Iterable[Key]) -> dict[Key, float]:
        """Stored values of the box the keys span (their components × periods × dimensions), by key.

        One query on the primary key's columns by lists of values: cheaper than a list of (kpi, period, dimension)
        triples, which SQLite does not look up by the index; the caller keeps the keys it wants.
        """
        keys = list(keys)
        kpis, periods = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
        dims = sorted({k[2] for k in keys})
        found: dict[Key, float] = {}
        for start in range(0, len(dims), _CHUNK):
            stmt = sa.select(_table.c.kpi, _table.c.period, _table.c.dimension, _table.c.value).where(
                _table.c.kpi.in_(kpis), _table.c.period.in_(periods),
                _table.c.dimension.in_(dims[start:start + _CHUNK]))
            for kpi, period, dimension, value in (await self.session.execute(stmt)).all():
                found[(kpi, period, dimension)] = value
        return found

    async def rows(self, kpis: Sequence[str], periods: Sequence[str], dimension: str) -> dict[tuple[str, str], Any]:
        """Rows of some components in some periods of one dimension, by (kpi, period)."""
        stmt = sa.select(_table.c.kpi, _table.c.period, _table.c.value, _table.c.updated_at).where(
            _table.c.kpi.in_(sorted(set(kpis))), _table.c.dimension == dimension,
            _table.c.period.in_(sorted(set(periods))))
        return {(row.kpi, row.period): row for row in (await self.session.execute(stmt)).all()}

    async def totals(self, kpis: Sequence[str], *, dimension: str = ORGANISATION) -> dict[str, Any]:
        """The 'all' rows of the KPIs by key (KPIs without events are missing)."""
        stmt = sa.select(KpiValue).where(
            KpiValue.kpi.in_(kpis), KpiValue.period == ALL, KpiValue.dimension == dimension)
        return {row.kpi: row for row in (await self.session.execute(stmt)).scalars()}

    async def series(self, kpis: Sequence[str], *, from_week: str | None = None, to_week: str | None = None,
                     dimension: str = ORGANISATION) -> dict[str, list[KpiValue]]:
        """The weekly rows of the KPIs by key, ordered by week (ISO weeks sort as text; months have no W)."""
        stmt = sa.select(KpiValue).where(
            KpiValue.kpi.in_(kpis), KpiValue.period.like("%-W%"), KpiValue.dimension == dimension)
        if from_week:
            stmt = stmt.where(KpiValue.period >= from_week)
        if to_week:
            stmt = stmt.where(KpiValue.period <= to_week)
        found: dict[str, list[KpiValue]] = {k: [] for k in kpis}
        for row in (await self.session.execute(stmt.order_by(KpiValue.kpi, KpiValue.period))).scalars():
            found[row.kpi].append(row)
        return found

    async def latest_periods(self, kpis: Sequence[str], dimension: str) -> dict[str, str]:
        """The latest week and month with a stored value of any of the components in one dimension."""
        found: dict[str, str] = {}
        for kind, pattern in (("week", "%-W%"), ("month", "____-__")):
            stmt = sa.select(sa.func.max(_table.c.period)).where(
                _table.c.kpi.in_(sorted(set(kpis))), _table.c.dimension == dimension,
                _table.c.period.like(pattern), _table.c.period != ALL)
            latest = (await self.session.execute(stmt)).scalar()
            if latest:
                found[kind] = latest
        return found

    async def dimensions(self, kind: str | None, *, limit: int = 500) -> list[str]:
        """Stored dimensions (of a kind), sorted."""
        stmt = sa.select(_table.c.dimension).where(_table.c.period == ALL).distinct().order_by(_table.c.dimension)
        if kind is not None:
            stmt = stmt.where(_table.c.dimension.like(f"{kind}:%"))
        return list((await self.session.execute(stmt.limit(limit))).scalars())


_targets = KpiTarget.__table__
_ALL_TARGETS = sa.select(_targets)
_TARGETS_OF = sa.select(_targets).where(_targets.c.kpi.in_(sa.bindparam("kpis", expanding=True)))


# Target rows as the threshold check reads them: by KPI, then by dimension; Core rows (read-only, attribute access).
TargetRows = dict[str, dict[str, sa.Row[Any]]]


class KpiTargets:
    """The PMO's target rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_kpis(self, kpis: Iterable[str] | None = None) -> TargetRows:
        """Target rows by KPI, then by dimension (every KPI's when none are named), as read-only Core rows.

        The threshold check reads them in every consumed transaction: prebuilt Core statements, no ORM objects.
        """
        connection = await UnitOfWork.of(self.session).connection()  # writes pending rows first, as autoflush would
        if kpis is None:
            result = await connection.execute(_ALL_TARGETS)
        else:
            result = await connection.execute(_TARGETS_OF, {"kpis": sorted(set(kpis))})
        found: TargetRows = {}
        for row in result:
            found.setdefault(row.kpi, {})[row.dimension] = row
        return found

    async def get(self, kpi: str, dimension: str, *, lock: bool = False) -> KpiTarget | None:
        """One row, locked for update when asked."""
        stmt = sa.select(KpiTarget).where(KpiTarget.kpi == kpi, KpiTarget.dimension == dimension)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def locked(self, kpi: str, dimension: str, *, actor: str) -> KpiTarget:
        """The row, locked for update; an empty one (version 0, nothing set) is inserted first when missing, so two
        first writers queue on it rather than both inserting."""
        connection = await UnitOfWork.of(self.session).connection()
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(KpiTarget.__table__)
        await connection.execute(insert.values(kpi=kpi, dimension=dimension, version=0, updated_by=actor,
                                               updated_at=utcnow()).on_conflict_do_nothing())
        row = await self.get(kpi, dimension, lock=True)
        assert row is not None
        return row


class KpiStatuses:
    """The remembered status of each KPI series (kpi, dimension, granularity)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, keys: Iterable[tuple[str, str, str]], *, lock: bool = True) -> dict[tuple[str, str, str],
                                                                                           KpiStatus]:
        """Rows by (kpi, dimension, granularity), locked for update on PostgreSQL (two writers decide in turn)."""
        keys = set(keys)
        kpis, dims = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
        found: dict[tuple[str, str, str], KpiStatus] = {}
        # By lists of values (see KpiValues.within), keeping the keys asked for.
        for start in range(0, len(dims), _CHUNK):
            stmt = sa.select(KpiStatus).where(KpiStatus.kpi.in_(kpis),
                                              KpiStatus.dimension.in_(dims[start:start + _CHUNK]))
            if lock:
                stmt = stmt.with_for_update()
            for row in (await self.session.execute(stmt)).scalars():
                key = (row.kpi, row.dimension, row.granularity)
                if key in keys:
                    found[key] = row
        return found

    async def of_kpi(self, kpi: str, dimensions: Iterable[str] | None = None, kind: str | None = None
                     ) -> list[KpiStatus]:
        """A KPI's rows, of some dimensions or of every dimension of a kind."""
        stmt = sa.select(KpiStatus).where(KpiStatus.kpi == kpi)
        if dimensions is not None:
            stmt = stmt.where(KpiStatus.dimension.in_(sorted(set(dimensions))))
        if kind is not None:
            stmt = stmt.where(KpiStatus.dimension.like(f"{kind}:%"))
        return list((await self.session.execute(stmt.with_for_update())).scalars())

    def add(self, row: KpiStatus) -> None:
        """A new row."""
        self.session.add(row)
