"""Every query of the changes table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.record.models import Change


class ChangeRepository(EntityRepository[Change]):
    """Change requests."""

    model, noun = Change, "change"

    async def page(
        self, page: PageParams, *, state: str | None = None, type: str | None = None, risk: str | None = None,
        assignee_id: uuid.UUID | None = None, requested_by: str | None = None, model_id: uuid.UUID | None = None,
        planned_from: datetime | None = None, planned_to: datetime | None = None,
        sort: str = "-created_at",
    ) -> tuple[Sequence[Change], str | None]:
        stmt = sa.select(Change)
        if state:
            stmt = stmt.where(Change.state == state)
        if type:
            stmt = stmt.where(Change.type == type)
        if risk:
            stmt = stmt.where(Change.risk == risk)
        if model_id:
            stmt = stmt.where(Change.model_id == model_id)
        if assignee_id:
            stmt = stmt.where(Change.assignee_id == assignee_id)
        if requested_by:
            stmt = stmt.where(Change.requested_by == requested_by)
        if planned_from:
            stmt = stmt.where(Change.planned_end > planned_from)
        if planned_to:
            stmt = stmt.where(Change.planned_start < planned_to)
        column = Change.planned_start if sort.lstrip("-") == "planned_start" else Change.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Change.id,
                                 descending=sort.startswith("-"), page=page)

    async def flush(self) -> None:
        """Write pending edits of changes now, so a change's version (its ETag) is the stored one."""
        await self.session.flush()
