"""Keeping the CMDB projection: each change.ci.*, change.ci_relationship.* and change.maintenance_window.* event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tandem_shared.contracts.change import (
    CICreated,
    CIRelationshipCreated,
    CIRelationshipDeleted,
    CIRetired,
    CIUpdated,
    MaintenanceWindowCreated,
    MaintenanceWindowDeleted,
)
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.cmdb.models import KnownCI, KnownMaintenanceWindow, KnownRelationship
from tandem_knowledge.cmdb.repository import CmdbRepository

BUSINESS_SERVICE = "business_service"
KEPT = ("name", "ci_class", "criticality", "environment", "owner_team", "service_owner", "status")
SERVICE_DEPTH = 3  # how far a service's dependencies are followed for its handover


async def ci_created(uow: UnitOfWork, data: CICreated) -> None:
    """Keep a new CI (or complete one an earlier update made known)."""
    repo = uow.repo(CmdbRepository)
    ci = await repo.ci(data.id)
    if ci is None:
        ci = KnownCI(id=data.id, name=data.name)
        repo.add(ci)
    for name in KEPT:
        setattr(ci, name, getattr(data, name))
    ci.updated_at = utcnow()
    await repo.flush()


async def ci_updated(uow: UnitOfWork, data: CIUpdated) -> None:
    """Apply the changed fields the projection keeps."""
    repo = uow.repo(CmdbRepository)
    ci = await repo.ci(data.id)
    if ci is None:
        ci = KnownCI(id=data.id, name=data.name, status="active")
        repo.add(ci)
    ci.name = data.name
    for name, value in data.changes.items():
        if name in KEPT and name != "name":
            setattr(ci, name, value)
    ci.updated_at = utcnow()
    await repo.flush()


async def ci_retired(uow: UnitOfWork, data: CIRetired) -> None:
    """Mark a CI retired (its relationships and windows stay, as in change)."""
    repo = uow.repo(CmdbRepository)
    ci = await repo.ci(data.id)
    if ci is None:
        ci = KnownCI(id=data.id, name=data.name)
        repo.add(ci)
    ci.name, ci.status, ci.updated_at = data.name, "retired", utcnow()
    await repo.flush()


async def relationship_created(uow: UnitOfWork, data: CIRelationshipCreated) -> None:
    repo = uow.repo(CmdbRepository)
    if await repo.relationship(data.id) is None:
        repo.add(KnownRelationship(id=data.id, source_id=data.source_id, target_id=data.target_id, type=data.type))
        await repo.flush()


async def relationship_deleted(uow: UnitOfWork, data: CIRelationshipDeleted) -> None:
    repo = uow.repo(CmdbRepository)
    row = await repo.relationship(data.id)
    if row is not None:
        await repo.delete(row)
        await repo.flush()


async def window_created(uow: UnitOfWork, data: MaintenanceWindowCreated) -> None:
    repo = uow.repo(CmdbRepository)
    if await repo.window(data.id) is None:
        repo.add(KnownMaintenanceWindow(id=data.id, ci_id=data.ci_id, rrule=data.rrule, starts_at=data.starts_at,
                                        duration_minutes=data.duration_minutes))
        await repo.flush()


async def window_deleted(uow: UnitOfWork, data: MaintenanceWindowDeleted) -> None:
    repo = uow.repo(CmdbRepository)
    row = await repo.window(data.id)
    if row is not None:
        await repo.delete(row)
        await repo.flush()


@dataclass(frozen=True)
class Landscape:
    """What a handover lists: the CIs, their relationships and maintenance windows (`cis`: every known end)."""

    ci_ids: list[uuid.UUID]
    cis: dict[uuid.UUID, KnownCI]
    relationships: Sequence[KnownRelationship]
    windows: Sequence[KnownMaintenanceWindow]


async def service_cis(uow: UnitOfWork, service_id: uuid.UUID, *, depth: int = SERVICE_DEPTH) -> list[uuid.UUID]:
    """The service and what it depends on, followed `depth` relationships deep, in breadth-first order."""
    repo = uow.repo(CmdbRepository)
    seen, frontier = [service_id], [service_id]
    for _ in range(depth):
        providers = await repo.providers(frontier)
        frontier = [t for targets in providers.values() for t in targets if t not in seen]
        frontier = list(dict.fromkeys(frontier))
        seen += frontier
        if not frontier:
            break
    return seen


async def landscape(uow: UnitOfWork, ci_ids: Sequence[uuid.UUID]) -> Landscape:
    """The CIs with what the projection knows of them, their relationships and windows."""
    repo = uow.repo(CmdbRepository)
    ids = list(dict.fromkeys(ci_ids))
    relationships = await repo.relationships_of(ids)
    ends = list(dict.fromkeys([*ids, *(r.source_id for r in relationships), *(r.target_id for r in relationships)]))
    return Landscape(ci_ids=ids, cis=await repo.cis(ends), relationships=relationships,
                     windows=await repo.windows_of(ids))


async def names(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The known names of these CIs."""
    return {i: ci.name for i, ci in (await uow.repo(CmdbRepository).cis(list(ids))).items()}
