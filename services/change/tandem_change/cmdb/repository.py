"""Every query of the CMDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.cmdb.models import (
    BlackoutWindow,
    ChangeCI,
    ChangeImpact,
    CIRelationship,
    ConfigurationItem,
    MaintenanceWindow,
)
from tandem_change.domain.impact import BOTH_WAYS, CINode, ImpactGraph

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


class GraphLoader:
    """Loads the CMDB graph around a walk's frontier, one round trip per level (active CIs only)."""

    def __init__(self, session: AsyncSession, graph: ImpactGraph) -> None:
        self.session = session
        self.graph = graph
        self._expanded: set[uuid.UUID] = set()
        self._with_providers: set[uuid.UUID] = set()

    async def load_nodes(self, ids: Sequence[uuid.UUID]) -> None:
        ci = ConfigurationItem
        for part in chunks([i for i in ids if i not in self.graph.nodes]):
            stmt = sa.select(ci.id, ci.name, ci.ci_class, ci.criticality, ci.min_up).where(
                ci.id.in_(part), ci.status == "active")
            for row in (await self.session.execute(stmt)).all():
                self.graph.add_node(CINode(*row))

    async def load_dependents(self, providers: Sequence[uuid.UUID]) -> None:
        """The relationships through which these CIs' outage spreads, with the reached CIs."""
        await self._load_edges([p for p in providers if p not in self._expanded], outward=True)
        self._expanded.update(providers)

    async def load_providers(self, cis: Sequence[uuid.UUID]) -> None:
        """The relationships through which outages reach these CIs (what min_up counts)."""
        await self._load_edges([c for c in cis if c not in self._with_providers], outward=False)
        self._with_providers.update(cis)

    async def _load_edges(self, ids: list[uuid.UUID], *, outward: bool) -> None:
        r, ci = CIRelationship, ConfigurationItem
        # outward: from providers to the CIs they reach; else from CIs to their providers. connects_to both ways.
        near, far = (r.target_id, r.source_id) if outward else (r.source_id, r.target_id)
        cols = (ci.id, ci.name, ci.ci_class, ci.criticality, ci.min_up)
        for part in chunks(ids):
            direct = (sa.select(r.source_id, r.target_id, r.type, *cols).join(ci, ci.id == far)
                      .where(near.in_(part), ci.status == "active"))
            reverse = (sa.select(r.source_id, r.target_id, r.type, *cols).join(ci, ci.id == near)
                       .where(far.in_(part), r.type == BOTH_WAYS, ci.status == "active"))
            for source, target, type, *node in (await self.session.execute(sa.union_all(direct, reverse))).all():
                if node[0] not in self.graph.nodes:
                    self.graph.add_node(CINode(*node))
                self.graph.add_relationship(source, target, type)
