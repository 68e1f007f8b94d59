"""Every query of articles and their versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_knowledge.articles.lifecycle import PENDING, ArticleKind, ArticleStatus
from tandem_knowledge.articles.models import Article, ArticleVersion


def holds(session: AsyncSession, column: sa.ColumnElement, value: str) -> sa.ColumnElement[bool]:
    """Rows whose JSON list column holds the value; JSON membership is spelled per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(column, JSONB).contains([value])
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))


class ArticleRepository(EntityRepository[Article]):
    """Articles and their versions."""

    model, noun = Article, "article"

    def _holds(self, column: sa.ColumnElement, value: str) -> sa.ColumnElement[bool]:
        return holds(self.session, column, value)

    async def flush(self) -> None:
        """Write pending changes (and bump the row version of a changed article)."""
        await self.session.flush()

    async def locked(self, article_id: uuid.UUID) -> Article | None:
        """The article, its row locked until the transaction ends (PostgreSQL): transitions of it run one at a time."""
        stmt = sa.select(Article).where(Article.id == article_id).with_for_update()
        return (await self.session.execute(stmt.execution_options(populate_existing=True))).scalars().first()

    async def for_change(self, change_id: uuid.UUID, kind: str) -> Article | None:
        """The first article of this kind linked to the change, if any."""
        stmt = (sa.select(Article).where(Article.change_id == change_id, Article.kind == kind)
                .order_by(Article.created_at, Article.id).limit(1))
        return (await self.session.execute(stmt)).scalars().first()

    async def of_project(self, project_id: uuid.UUID, kind: str) -> Sequence[Article]:
        """The project's articles of this kind, oldest first."""
        stmt = (sa.select(Article).where(Article.project_id == project_id, Article.kind == kind)
                .order_by(Article.created_at, Article.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def linked_to_ci(self, ci_id: uuid.UUID, *, kinds: Sequence[str], status: str) -> Sequence[Article]:
        """Articles of these kinds and this status that document the configuration item."""
        stmt = (sa.select(Article).where(Article.kind.in_(kinds), Article.status == status,
                                         self._holds(Article.ci_ids, str(ci_id)))
                .order_by(Article.created_at, Article.id))
        return (await self.session.execute(stmt)).scalars().all()

    # --- versions ---

    async def pending_revision(self, article_id: uuid.UUID) -> ArticleVersion | None:
        """The article's revision in draft or in review, if any."""
        stmt = sa.select(ArticleVersion).where(ArticleVersion.article_id == article_id,
                                               ArticleVersion.status.in_(PENDING))
        return (await self.session.execute(stmt)).scalars().first()

    async def pending_revisions(self, article_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ArticleVersion]:
        """The pending revision of each article that has one."""
        if not article_ids:
            return {}
        stmt = sa.select(ArticleVersion).where(ArticleVersion.article_id.in_(article_ids),
                                               ArticleVersion.status.in_(PENDING))
        return {v.article_id: v for v in (await self.session.execute(stmt)).scalars()}

    async def versions(self, article_id: uuid.UUID) -> Sequence[ArticleVersion]:
        """Every version of the article, by number."""
        stmt = (sa.select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                .order_by(ArticleVersion.number))
        return (await self.session.execute(stmt)).scalars().all()

    async def version(self, article_id: uuid.UUID, number: int) -> ArticleVersion | None:
        """One version by number."""
        stmt = sa.select(ArticleVersion).where(ArticleVersion.article_id == article_id,
                                               ArticleVersion.number == number)
        return (await self.session.execute(stmt)).scalars().first()

    async def add_version(self, version: ArticleVersion) -> ArticleVersion:
        """Add a version row and flush it."""
        self.session.add(version)
        await self.session.flush()
        return version

    async def delete_version(self, version: ArticleVersion) -> None:
        """Drop a pending revision (the audit trail keeps what happened)."""
        await self.session.delete(version)
        await self.session.flush()

    # --- feedback counts ---

    async def adjust_feedback(self, article_id: uuid.UUID, published_version: int, *, helpful: int,
                              not_helpful: int) -> tuple[int, int] | None:
        """Add to the counts of the published version in one statement; None when another version is published now.

        A Core UPDATE: concurrent readers never lose each other's counts, and the row version (the editors' ETag)
        does not move for feedback.
        """
        stmt = (sa.update(Article)
                .where(Article.id == article_id, Article.published_version == published_version)
                .values(helpful_count=Article.helpful_count + helpful,
                        not_helpful_count=Article.not_helpful_count + not_helpful)
                .returning(Article.helpful_count, Article.not_helpful_count)
                .execution_options(synchronize_session=False))
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1])

    # --- lists ---

    async def page(
        self, page: PageParams, *, kind: str | None = None, status: str | None = None, tag: str | None = None,
        project_id: uuid.UUID | None = None, change_id: uuid.UUID | None = None, author: str | None = None,
        owner: str | None = None, ci_id: uuid.UUID | None = None, service_id: uuid.UUID | None = None,
        needs_refresh: bool | None = None, stale: bool | None = None, stale_before: date | None = None,
        q: str | None = None,
        sort: str = "-created_at",
    ) -> tuple[Sequence[Article], str | None]:
        """A page of articles matching every filter (stale: published, with a review date before `stale_before`)."""
        stmt = sa.select(Article)
        if kind:
            stmt = stmt.where(Article.kind == kind)
        if status:
            stmt = stmt.where(Article.status == status)
        if tag:
            stmt = stmt.where(self._holds(Article.tags, tag))
        if project_id:
            stmt = stmt.where(Article.project_id == project_id)
        if change_id:
            stmt = stmt.where(Article.change_id == change_id)
        if ci_id:
            stmt = stmt.where(self._holds(Article.ci_ids, str(ci_id)))
        if service_id:
            stmt = stmt.where(self._holds(Article.service_ids, str(service_id)))
        if needs_refresh is not None:
            stmt = stmt.where(Article.needs_refresh.is_(needs_refresh))
        if stale is not None and stale_before is not None:
            # IS NOT NULL keeps the negation two-valued: NOT (… AND NULL) would drop articles without a review date.
            is_stale = sa.and_(Article.status == ArticleStatus.PUBLISHED, Article.review_due.is_not(None),
                               Article.review_due < stale_before)
            stmt = stmt.where(is_stale if stale else sa.not_(is_stale))
        if author:
            stmt = stmt.where(Article.author == author)
        if owner:
            stmt = stmt.where(Article.owner == owner)
        if q:
            stmt = stmt.where(Article.title.icontains(q, autoescape=True))
        column = Article.title if sort.lstrip("-") == "title" else Article.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Article.id,
                                 descending=sort.startswith("-"), page=page)

    async def lessons(self, *, service_ids: Sequence[str], ci_ids: Sequence[str], tags: Sequence[str],
                      limit: int) -> Sequence[Article]:
        """Published lessons learned documenting any of the services or CIs, or tagged with any of the tags."""
        matches = ([self._holds(Article.service_ids, s) for s in service_ids]
                   + [self._holds(Article.ci_ids, c) for c in ci_ids] + [self._holds(Article.tags, t) for t in tags])
        if not matches:
            return []
        stmt = (sa.select(Article)
                .where(Article.kind == ArticleKind.LESSONS_LEARNED, Article.status == ArticleStatus.PUBLISHED,
                       sa.or_(*matches))
                .order_by(Article.published_at.desc(), Article.id).limit(limit))
        return (await self.session.execute(stmt)).scalars().all()
