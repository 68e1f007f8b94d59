"""Queries of role requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_capacity.demand.models import RoleRequest


class RoleRequestRepository(EntityRepository[RoleRequest]):
    """Role requests of projects."""

    model, noun = RoleRequest, "role request"

    async def flush(self) -> None:
        """Write the changes made to loaded requests now (their version is then current)."""
        await self.session.flush()

    async def for_project(self, project_id: uuid.UUID) -> Sequence[RoleRequest]:
        """Every request of a project, whatever its status."""
        stmt = sa.select(RoleRequest).where(RoleRequest.project_id == project_id).order_by(RoleRequest.id)
        return (await self.session.execute(stmt)).scalars().all()

    async def page(self, page: PageParams, *, status: str | None = None, skill: str | None = None,
                   project_id: uuid.UUID | None = None) -> tuple[Sequence[RoleRequest], str | None]:
        stmt = sa.select(RoleRequest)
        if status:
            stmt = stmt.where(RoleRequest.status == status)
        if skill:
            stmt = stmt.where(sa.func.lower(RoleRequest.skill) == skill.strip().lower())
        if project_id:
            stmt = stmt.where(RoleRequest.project_id == project_id)
        return await keyset_page(self.session, stmt, sort=RoleRequest.created_at, tiebreak=RoleRequest.id,
                                 descending=False, page=page)
