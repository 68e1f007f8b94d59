"""Every query of review intervals, review-due notices and the review queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams, encode_cursor
from tandem_shared.errors import ValidationProblem

from tandem_knowledge.articles.lifecycle import ArticleStatus
from tandem_knowledge.articles.models import Article
from tandem_knowledge.evergreen.models import ReviewDueNotice, ReviewInterval

NO_FEEDBACK_RANK = 1001  # after every ratio (0..1000 per mille): articles nobody rated come last
NEVER = date(9999, 12, 31)  # a flagged article without a review date sorts after every dated one


class IntervalRepository:
    """Review intervals configured per kind."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, ReviewInterval]:
        """Every configured interval, by kind."""
        return {r.kind: r for r in (await self.session.execute(sa.select(ReviewInterval))).scalars()}

    async def get(self, kind: str) -> ReviewInterval | None:
        return await self.session.get(ReviewInterval, kind)

    async def add(self, interval: ReviewInterval) -> ReviewInterval:
        self.session.add(interval)
        await self.session.flush()
        return interval

    async def flush(self) -> None:
        await self.session.flush()


def _rank() -> sa.ColumnElement[int]:
    """The helpful ratio in whole per mille (integer division on both databases, so cursors compare exactly)."""
    total = Article.helpful_count + Article.not_helpful_count
    return sa.case((total == 0, NO_FEEDBACK_RANK), else_=(Article.helpful_count * 1000) / total)


class ReviewDueRepository:
    """Published articles that are due, the notices sent for them, and the owners' queue."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due_without_notice(self, on: date, *, limit: int) -> Sequence[Article]:
        """Published articles due on or before the date whose current review date was not announced yet."""
        noticed = sa.exists(sa.select(1).where(ReviewDueNotice.article_id == Article.id,
                                               ReviewDueNotice.review_due == Article.review_due))
        stmt = (sa.select(Article)
                .where(Article.status == ArticleStatus.PUBLISHED, Article.review_due.is_not(None),
                       Article.review_due <= on, sa.not_(noticed))
                .order_by(Article.review_due, Article.id).limit(limit))
        return (await self.session.execute(stmt)).scalars().all()

    async def claim(self, article_id: uuid.UUID, review_due: date) -> bool:
        """Remember the notice for (article, review date); False when another sweep already did."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (dialect.insert(ReviewDueNotice)
                .values(article_id=article_id, review_due=review_due)
                .on_conflict_do_nothing(index_elements=["article_id", "review_due"])
                .returning(ReviewDueNotice.article_id))
        return (await self.session.execute(stmt)).first() is not None

    async def queue(self, page: PageParams, *, on: date, owner: str | None, kind: str | None
                    ) -> tuple[Sequence[Article], str | None]:
        """Published articles due by the date or flagged for refresh: lowest helpful ratio first, then oldest due."""
        rank, due = _rank(), sa.func.coalesce(Article.review_due, sa.literal(NEVER, sa.Date))
        stmt = sa.select(Article, rank.label("rank")).where(
            Article.status == ArticleStatus.PUBLISHED,
            sa.or_(sa.and_(Article.review_due.is_not(None), Article.review_due <= on), Article.needs_refresh))
        if owner:
            stmt = stmt.where(Article.owner == owner)
        if kind:
            stmt = stmt.where(Article.kind == kind)
        if page.cursor is not None:
            stmt = stmt.where(sa.tuple_(rank, due, Article.id) > sa.tuple_(*_cursor(page.cursor)))
        stmt = stmt.order_by(rank, due, Article.id).limit(page.limit + 1)
        rows = (await self.session.execute(stmt)).all()
        articles = [row[0] for row in rows[: page.limit]]
        if len(rows) <= page.limit:
            return articles, None
        last, last_rank = rows[page.limit - 1][0], rows[page.limit - 1][1]
        return articles, encode_cursor((int(last_rank), (last.review_due or NEVER).isoformat(), str(last.id)))


def _cursor(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The (rank, review date, id) of a queue cursor as bound values, or a 422 naming the cursor."""
    try:
        rank, due, article_id = values
        return (sa.literal(int(rank), sa.Integer), sa.literal(date.fromisoformat(due), sa.Date),
                sa.literal(uuid.UUID(str(article_id)), sa.Uuid))
    except (TypeError, ValueError) as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc
