"""Every query of the risk register."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.risks.models import Risk

LIVE = ("open", "mitigating", "occurred")


class RiskRepository(EntityRepository[Risk]):
    """Risks and issues of projects."""

    model, noun = Risk, "risk"

    async def of_project_or_404(self, project_id: uuid.UUID, risk_id: uuid.UUID) -> Risk:
        """The project's risk, or a 404."""
        risk = await self.get(risk_id)
        if risk is None or risk.project_id != project_id:
            raise NotFound(f"no risk with id {risk_id} in project {project_id}")
        return risk

    async def by_source_key(self, project_id: uuid.UUID, source_key: str) -> Risk | None:
        """The project's entry an automatic producer keyed so, if any."""
        stmt = sa.select(Risk).where(Risk.project_id == project_id, Risk.source_key == source_key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, project_id: uuid.UUID, page: PageParams, *, statuses: Collection[str] = (),
                   kind: str | None = None, min_score: int | None = None, owner: str | None = None,
                   sort: str = "-score") -> tuple[Sequence[Risk], str | None]:
        """A page of the project's register, filtered; by score (highest first) or by creation."""
        stmt = sa.select(Risk).where(Risk.project_id == project_id)
        if statuses:
            stmt = stmt.where(Risk.status.in_(list(statuses)))
        if kind:
            stmt = stmt.where(Risk.kind == kind)
        if min_score is not None:
            stmt = stmt.where(Risk.score >= min_score)
        if owner:
            stmt = stmt.where(Risk.owner == owner)
        column = Risk.score if sort.lstrip("-") == "score" else Risk.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Risk.id, descending=sort.startswith("-"),
                                 page=page)

    async def top(self, project_id: uuid.UUID, limit: int) -> Sequence[Risk]:
        """The project's highest-scored risks and issues not closed."""
        stmt = (sa.select(Risk).where(Risk.project_id == project_id, Risk.status.in_(LIVE))
                .order_by(Risk.score.desc(), Risk.created_at, Risk.id).limit(limit))
        return (await self.session.execute(stmt)).scalars().all()

    async def save(self, risk: Risk) -> Risk:
        """Write a changed risk now, so its new version (the ETag) is known."""
        await self.session.flush()
        return risk
