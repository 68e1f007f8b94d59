"""Every query of the knowledge service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_knowledge.articles.models import Article


class ArticleRepository(EntityRepository[Article]):
    """Articles."""

    model, noun = Article, "article"

    def _holds(self, column: sa.ColumnElement, value: str) -> sa.ColumnElement[bool]:
        """Articles whose JSON list column holds the value; JSON membership is spelled per dialect."""
        if self.session.get_bind().dialect.name == "postgresql":
            return sa.cast(column, JSONB).contains([value])
        each = sa.func.json_each(column).table_valued("value")
        return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))

    async def for_change(self, change_id: uuid.UUID, kind: str) -> Article | None:
        """The first article of this kind linked to the change, if any."""
        stmt = (sa.select(Article).where(Article.change_id == change_id, Article.kind == kind)
                .order_by(Article.created_at, Article.id).limit(1))
        return (await self.session.execute(stmt)).scalars().first()

    async def linked_to_ci(self, ci_id: uuid.UUID, *, kind: str, status: str) -> Sequence[Article]:
        """Articles of this kind and status that document the configuration item."""
        stmt = (sa.select(Article).where(Article.kind == kind, Article.status == status,
                                         self._holds(Article.ci_ids, str(ci_id)))
                .order_by(Article.created_at, Article.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def page(
        self, page: PageParams, *, kind: str | None = None, status: str | None = None, tag: str | None = None,
        project_id: uuid.UUID | None = None, change_id: uuid.UUID | None = None, author: str | None = None,
        ci_id: uuid.UUID | None = None, needs_refresh: bool | None = None, q: str | None = None,
        sort: str = "-created_at",
    ) -> tuple[Sequence[Article], str | None]:
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
        if needs_refresh is not None:
            stmt = stmt.where(Article.needs_refresh.is_(needs_refresh))
        if author:
            stmt = stmt.where(Article.author == author)
        if q:
            stmt = stmt.where(Article.title.icontains(q, autoescape=True))
        column = Article.title if sort.lstrip("-") == "title" else Article.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Article.id,
                                 descending=sort.startswith("-"), page=page)
