"""Every query of calendar feeds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_change.feeds.models import CalendarFeed


class CalendarFeedRepository:
    """Calendar feeds by owner and by the hash of their secret."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_owner(self, owner: str, *, for_update: bool = False) -> CalendarFeed | None:
        query = sa.select(CalendarFeed).where(CalendarFeed.owner == owner)
        return (await self.session.execute(query.with_for_update() if for_update else query)).scalar_one_or_none()

    async def by_secret_hash(self, secret_hash: str) -> CalendarFeed | None:
        query = sa.select(CalendarFeed).where(CalendarFeed.secret_hash == secret_hash)
        return (await self.session.execute(query)).scalar_one_or_none()

    def add(self, feed: CalendarFeed) -> CalendarFeed:
        self.session.add(feed)
        return feed

    async def delete(self, feed: CalendarFeed) -> None:
        await self.session.delete(feed)
        await self.session.flush()
