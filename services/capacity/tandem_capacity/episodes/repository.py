"""Every query of the episodes: the open ones of some people (locked per person for a recompute), and the list."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import keyset_page
from tandem_shared.uow import UnitOfWork, core_connection

from tandem_capacity.episodes.models import Episode


class StoredEpisode(NamedTuple):
    """An open episode as stored (no ORM object: most checks change nothing)."""

    id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    first_week: str
    last_week: str
    peak_utilisation: float


_episodes = Episode.__table__
# Built once: the episode check runs in every booking transaction.
_OPEN_EPISODES = sa.select(_episodes.c.id, _episodes.c.person_id, _episodes.c.kind, _episodes.c.first_week,
                           _episodes.c.last_week, _episodes.c.peak_utilisation).where(
    _episodes.c.status == "open", _episodes.c.person_id.in_(sa.bindparam("ids", expanding=True)))
_EXTEND = sa.update(_episodes).where(_episodes.c.id == sa.bindparam("b_id")).values(
    first_week=sa.bindparam("b_first"), last_week=sa.bindparam("b_last"), peak_utilisation=sa.bindparam("b_peak"))
_CLEAR = sa.update(_episodes).where(_episodes.c.id == sa.bindparam("b_id")).values(
    status="cleared", cleared_at=sa.bindparam("b_at"))


class EpisodeRepository:
    """Over-allocation and burnout-risk episodes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_for(self, person_ids: Collection[uuid.UUID]) -> list[StoredEpisode]:
        connection = await core_connection(self.session)
        rows = await connection.execute(_OPEN_EPISODES, {"ids": list(person_ids)})
        return [StoredEpisode(*row) for row in rows]

    async def add(self, row: dict[str, Any]) -> None:
        """A new open episode (buffered in a consumer's batch)."""
        await UnitOfWork.of(self.session).insert(_episodes, row)

    async def extend(self, episodes: list[StoredEpisode]) -> None:
        """Store the episodes' new first and last weeks and peak."""
        if episodes:
            await (await core_connection(self.session)).execute(_EXTEND, [
                {"b_id": e.id, "b_first": e.first_week, "b_last": e.last_week, "b_peak": e.peak_utilisation}
                for e in episodes])

    async def clear(self, episode_ids: list[uuid.UUID], at: datetime) -> None:
        if episode_ids:
            await (await core_connection(self.session)).execute(_CLEAR, [{"b_id": i, "b_at": at} for i in episode_ids])

    async def page(self, page: PageParams, *, status: str | None, kind: str | None,
                   person_id: uuid.UUID | None) -> tuple[Sequence[Any], str | None]:
        stmt = sa.select(Episode)
        if status:
            stmt = stmt.where(Episode.status == status)
        if kind:
            stmt = stmt.where(Episode.kind == kind)
        if person_id:
            stmt = stmt.where(Episode.person_id == person_id)
        return await keyset_page(self.session, stmt, sort=Episode.opened_at, tiebreak=Episode.id, descending=True,
                                 page=page)
