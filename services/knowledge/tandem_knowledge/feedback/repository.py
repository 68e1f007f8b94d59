"""Every query of readers' feedback."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import keyset_page

from tandem_knowledge.feedback.models import ArticleFeedback


class FeedbackRepository:
    """Feedback entries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_reader(self, article_id: uuid.UUID, version: int, reader: str) -> ArticleFeedback | None:
        """A reader's entry on a version, if any."""
        stmt = sa.select(ArticleFeedback).where(ArticleFeedback.article_id == article_id,
                                                ArticleFeedback.version == version, ArticleFeedback.reader == reader)
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, entry: ArticleFeedback) -> ArticleFeedback:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def flush(self) -> None:
        await self.session.flush()

    async def page(self, article_id: uuid.UUID, page: PageParams, *, version: int | None = None,
                   reader: str | None = None) -> tuple[Sequence[ArticleFeedback], str | None]:
        """An article's entries, newest first."""
        stmt = sa.select(ArticleFeedback).where(ArticleFeedback.article_id == article_id)
        if version is not None:
            stmt = stmt.where(ArticleFeedback.version == version)
        if reader is not None:
            stmt = stmt.where(ArticleFeedback.reader == reader)
        return await keyset_page(self.session, stmt, sort=ArticleFeedback.updated_at, tiebreak=ArticleFeedback.id,
                                 descending=True, page=page)
