"""Every query of the CMDB."""

from __future__ import annotations

import json
import uuid
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.cmdb.impact_rules import BOTH_WAYS, CINode, ImpactGraph
from tandem_change.cmdb.models import (
    BlackoutWindow,
    ChangeCI,
    ChangeImpact,
    CIRelationship,
    CMDBVersion,
    ConfigurationItem,
    MaintenanceWindow,
)

# Keeps IN lists well under SQLite's and asyncpg's bound-parameter limits.
CHUNK = 2000


def chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


class CIRepository(EntityRepository[ConfigurationItem]):
    """Configuration items."""

    model, noun = ConfigurationItem, "configuration item"

    async def page(
        self, page: PageParams, *, ci_class: str | None = None, environment: str | None = None,
        max_criticality: int | None = None, owner_team: str | None = None, status: str | None = None,
        q: str | None = None,
    ) -> tuple[Sequence[ConfigurationItem], str | None]:
        stmt = sa.select(ConfigurationItem)
        if ci_class:
            stmt = stmt.where(ConfigurationItem.ci_class == ci_class)
        if environment:
            stmt = stmt.where(ConfigurationItem.environment == environment)
        if max_criticality is not None:
            stmt = stmt.where(ConfigurationItem.criticality <= max_criticality)
        if owner_team:
            stmt = stmt.where(ConfigurationItem.owner_team == owner_team)
        if status:
            stmt = stmt.where(ConfigurationItem.status == status)
        if q:
            pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(sa.func.lower(ConfigurationItem.name).like(pattern, escape="\\"))
        return await keyset_page(self.session, stmt, sort=ConfigurationItem.name, tiebreak=ConfigurationItem.id,
                                 descending=False, page=page)

    async def by_name(self, name: str) -> ConfigurationItem | None:
        return (await self.session.execute(
            sa.select(ConfigurationItem).where(ConfigurationItem.name == name))).scalar_one_or_none()

    async def by_names(self, names: Sequence[str]) -> dict[str, ConfigurationItem]:
        found: dict[str, ConfigurationItem] = {}
        for part in chunks(list(names)):
            rows = await self.session.execute(sa.select(ConfigurationItem).where(ConfigurationItem.name.in_(part)))
            found.update({ci.name: ci for ci in rows.scalars()})
        return found

    async def statuses(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The status of each of these CIs that exists."""
        found: dict[uuid.UUID, str] = {}
        for part in chunks(list(ids)):
            rows = await self.session.execute(
                sa.select(ConfigurationItem.id, ConfigurationItem.status).where(ConfigurationItem.id.in_(part)))
            found.update(dict(rows.all()))
        return found

    async def named(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ConfigurationItem]:
        found: dict[uuid.UUID, ConfigurationItem] = {}
        for part in chunks(list(ids)):
            rows = await self.session.execute(sa.select(ConfigurationItem).where(ConfigurationItem.id.in_(part)))
            found.update({ci.id: ci for ci in rows.scalars()})
        return found


class RelationshipRepository(EntityRepository[CIRelationship]):
    """Relationships between CIs."""

    model, noun = CIRelationship, "relationship"

    async def exists(self, source_id: uuid.UUID, target_id: uuid.UUID, type: str) -> bool:
        stmt = sa.select(CIRelationship.id).where(
            CIRelationship.source_id == source_id, CIRelationship.target_id == target_id, CIRelationship.type == type)
        return (await self.session.execute(stmt)).first() is not None

    async def of_ci(self, ci_id: uuid.UUID) -> list[tuple[CIRelationship, ConfigurationItem, str]]:
        """Both directions: (relationship, the other CI, 'outgoing' | 'incoming'), ordered by the other's name."""
        out_stmt = (sa.select(CIRelationship, ConfigurationItem)
                    .join(ConfigurationItem, ConfigurationItem.id == CIRelationship.target_id)
                    .where(CIRelationship.source_id == ci_id))
        in_stmt = (sa.select(CIRelationship, ConfigurationItem)
                   .join(ConfigurationItem, ConfigurationItem.id == CIRelationship.source_id)
                   .where(CIRelationship.target_id == ci_id))
        rows = [(r, ci, "outgoing") for r, ci in (await self.session.execute(out_stmt)).all()]
        rows += [(r, ci, "incoming") for r, ci in (await self.session.execute(in_stmt)).all()]
        rows.sort(key=lambda t: (t[1].name, t[2], t[0].type))
        return rows


class MaintenanceWindowRepository(EntityRepository[MaintenanceWindow]):
    """Recurring maintenance windows."""

    model, noun = MaintenanceWindow, "maintenance window"

    async def of_cis(self, ci_ids: Sequence[uuid.UUID]) -> list[MaintenanceWindow]:
        """The windows of these CIs, by CI then start (the scheduling checks read this)."""
        found: list[MaintenanceWindow] = []
        for part in chunks(list(ci_ids)):
            stmt = sa.select(MaintenanceWindow).where(MaintenanceWindow.ci_id.in_(part))
            found += (await self.session.execute(stmt)).scalars().all()
        return sorted(found, key=lambda w: (str(w.ci_id), w.starts_at, str(w.id)))


class BlackoutRepository(EntityRepository[BlackoutWindow]):
    """Blackout windows."""

    model, noun = BlackoutWindow, "blackout window"

    async def page(
        self, page: PageParams, *, start: datetime | None = None, end: datetime | None = None,
        scope: str | None = None, ci_id: uuid.UUID | None = None,
    ) -> tuple[Sequence[BlackoutWindow], str | None]:
        stmt = sa.select(BlackoutWindow)
        if start:
            stmt = stmt.where(BlackoutWindow.end > start)
        if end:
            stmt = stmt.where(BlackoutWindow.start < end)
        if scope:
            stmt = stmt.where(BlackoutWindow.scope == scope)
        if ci_id:
            stmt = stmt.where(BlackoutWindow.ci_id == ci_id)
        return await keyset_page(self.session, stmt, sort=BlackoutWindow.start, tiebreak=BlackoutWindow.id,
                                 descending=False, page=page)


class ChangeCIRepository:
    """The affected CIs of changes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ci_ids(self, change_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = sa.select(ChangeCI.ci_id).where(ChangeCI.change_id == change_id)
        return list((await self.session.execute(stmt)).scalars())

    async def replace(self, change_id: uuid.UUID, ci_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(sa.delete(ChangeCI).where(ChangeCI.change_id == change_id))
        if ci_ids:
            await self.session.execute(sa.insert(ChangeCI), [{"change_id": change_id, "ci_id": i} for i in ci_ids])


class ImpactRepository:
    """Stored impact of changes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_change(self, change_id: uuid.UUID) -> list[tuple[ChangeImpact, ConfigurationItem]]:
        stmt = (sa.select(ChangeImpact, ConfigurationItem)
                .join(ConfigurationItem, ConfigurationItem.id == ChangeImpact.ci_id)
                .where(ChangeImpact.change_id == change_id)
                .order_by(ChangeImpact.depth, ConfigurationItem.criticality, ConfigurationItem.name))
        return list((await self.session.execute(stmt)).all())

    async def get(self, change_id: uuid.UUID, ci_id: uuid.UUID) -> ChangeImpact | None:
        return await self.session.get(ChangeImpact, (change_id, ci_id))

    async def delete(self, change_id: uuid.UUID, ci_ids: Sequence[uuid.UUID]) -> None:
        for part in chunks(list(ci_ids)):
            await self.session.execute(
                sa.delete(ChangeImpact).where(ChangeImpact.change_id == change_id, ChangeImpact.ci_id.in_(part)))


def _impact_statements(dialect: str) -> dict[str, sa.Executable]:
    """The walk's queries for one dialect, built once; ids go in and come out as the driver holds them.

    SQLite stores a Uuid as 32 hex digits: the columns are read and compared as strings there, so no UUID object is
    built per row, and a frontier is one JSON array bound as one parameter (`json_each`: one cached statement, no
    chunking, no IN list rendered per call). asyncpg returns its own (C) UUIDs unconverted, and a frontier is one
    bound array (`= ANY(:ids)`).
    """
    r, ci = CIRelationship, ConfigurationItem

    def raw(column: sa.ColumnElement) -> sa.ColumnElement:
        return sa.type_coerce(column, sa.String) if dialect == "sqlite" else column

    def among(column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        if dialect == "postgresql":
            return column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Uuid)))
        return raw(column).in_(sa.select(sa.func.json_each(sa.bindparam("ids", type_=sa.String))
                                         .table_valued("value").c.value))

    cols = (raw(r.source_id), raw(r.target_id), r.type)
    return {
        "nodes": sa.select(raw(ci.id), ci.min_up).where(among(ci.id), ci.status == "active"),
        # from providers to the CIs their outage reaches (active ones, with their min_up)
        "outward": sa.union_all(
            sa.select(*cols, raw(ci.id), ci.min_up).join(ci, ci.id == r.source_id)
            .where(among(r.target_id), ci.status == "active"),
            sa.select(*cols, raw(ci.id), ci.min_up).join(ci, ci.id == r.target_id)
            .where(among(r.source_id), r.type == BOTH_WAYS, ci.status == "active")),
        # from CIs to their providers, without the providers' status: most are already known to the walk, and
        # a join per row costs more than one `nodes` query for the unknown ones
        "inward": sa.union_all(
            sa.select(*cols).where(among(r.source_id)),
            sa.select(*cols).where(among(r.target_id), r.type == BOTH_WAYS)),
        "details": sa.select(raw(ci.id), ci.id, ci.name, ci.ci_class, ci.criticality, ci.min_up).where(among(ci.id)),
        # the whole graph, for the in-process cache: active CIs, then every relationship (ends filtered by the caller)
        "all_nodes": sa.select(raw(ci.id), ci.name, ci.ci_class, ci.criticality, ci.min_up).where(
            ci.status == "active"),
        "all_edges": sa.select(*cols),
    }


_IMPACT_STATEMENTS = {name: _impact_statements(name) for name in ("sqlite", "postgresql")}


class GraphLoader:
    """Loads the CMDB graph around a walk's frontier, one query per level and direction (active CIs only).

    The walk runs on the driver's raw ids (`start` converts the affected CIs); only the impacted CIs' details are
    read, at the end, with their UUIDs.
    """

    def __init__(self, session: AsyncSession, graph: ImpactGraph) -> None:
        self.session = session
        self.graph = graph
        self.dialect = session.get_bind().dialect.name
        self._stmts = _IMPACT_STATEMENTS["postgresql" if self.dialect == "postgresql" else "sqlite"]
        self._expanded: set[Hashable] = set()
        self._with_providers: set[Hashable] = set()

    def raw_ids(self, ids: Iterable[uuid.UUID]) -> list[Hashable]:
        return list(ids) if self.dialect == "postgresql" else [i.hex for i in ids]

    async def _rows(self, name: str, ids: list[Hashable]) -> list[sa.Row]:
        if not ids:
            return []
        conn = await self.session.connection()  # Core: these rows need no ORM processing
        bound = ids if self.dialect == "postgresql" else json.dumps(ids)
        return list((await conn.execute(self._stmts[name], {"ids": bound})).all())

    async def start(self, affected: Sequence[uuid.UUID]) -> list[Hashable]:
        """Record the affected CIs (the active ones) in the graph; return their raw ids, for the walk to start from."""
        raw = self.raw_ids(affected)
        await self._load_nodes(raw)
        return [i for i in dict.fromkeys(raw) if i in self.graph.min_up]

    async def load_providers(self, cis: Sequence[Hashable]) -> None:
        """The relationships through which outages reach these CIs from active providers (what min_up counts)."""
        cis = [c for c in cis if c not in self._with_providers]
        self._with_providers.update(cis)
        edges = await self._rows("inward", cis)
        known = self.graph.min_up
        # the near end of each edge is one of `cis`, already known; the far end is the provider
        await self._load_nodes([p for p in {p for s, t, _ in edges for p in (s, t)} if p not in known])
        add = self.graph.add_relationship
        for source, target, type in edges:
            if source in known and target in known:  # a retired provider does not count
                add(source, target, type)

    async def _load_nodes(self, ids: list[Hashable]) -> None:
        self.graph.min_up.update(await self._rows("nodes", ids))

    async def load_dependents(self, providers: Sequence[Hashable]) -> None:
        """The relationships through which these CIs' outage spreads, with the reached (active) CIs."""
        providers = [p for p in providers if p not in self._expanded]
        self._expanded.update(providers)
        min_up, add = self.graph.min_up, self.graph.add_relationship
        for source, target, type, reached, reached_min_up in await self._rows("outward", providers):
            min_up[reached] = reached_min_up
            add(source, target, type)

    async def details(self, ids: Sequence[Hashable]) -> dict[Hashable, CINode]:
        """Raw id -> CINode (with its UUID) for these CIs."""
        return {raw: CINode(*node) for raw, *node in await self._rows("details", list(ids))}


class CMDBVersionRepository:
    """The CMDB version: raised once by every transaction that writes CIs or relationships."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> int:
        conn = await self.session.connection()
        return (await conn.execute(sa.select(CMDBVersion.version).where(CMDBVersion.id == 1))).scalar_one()

    async def bump(self) -> None:
        await self.session.execute(
            sa.update(CMDBVersion).where(CMDBVersion.id == 1).values(version=CMDBVersion.version + 1),
            execution_options={"synchronize_session": False})


class GraphSnapshotRepository:
    """The whole active CMDB graph in two queries, on the driver's raw ids (see `_impact_statements`).

    Read straight from the driver (asyncpg's `fetch`; on SQLite the `sqlite3` connection, whose statements run on
    the event loop's thread as every statement of `tandem_shared.sqlite_driver` does): for 130,000 rows,
    SQLAlchemy's row processing costs more than the queries themselves.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        dialect = session.get_bind().dialect
        self.dialect = "postgresql" if dialect.name == "postgresql" else "sqlite"
        self._sql = _SNAPSHOT_SQL.get(self.dialect) or _SNAPSHOT_SQL.setdefault(self.dialect, {
            name: str(_IMPACT_STATEMENTS[self.dialect][name].compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}))
            for name in ("all_nodes", "all_edges")})

    async def _fetch(self, name: str) -> Sequence[Sequence]:
        conn = await self.session.connection()  # joins the session's transaction
        driver = (await conn.get_raw_connection()).driver_connection
        if self.dialect == "postgresql":
            return await driver.fetch(self._sql[name])
        return driver.execute(self._sql[name]).fetchall()

    async def nodes(self) -> Sequence[Sequence]:
        """(raw id, name, ci_class, criticality, min_up) of every active CI."""
        return await self._fetch("all_nodes")

    async def edges(self) -> Sequence[Sequence]:
        """(raw source id, raw target id, type) of every relationship, retired ends included."""
        return await self._fetch("all_edges")


_SNAPSHOT_SQL: dict[str, dict[str, str]] = {}
