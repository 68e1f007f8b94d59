"""Every query of the knowledge service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_knowledge.models import Article


class ArticleRepository(EntityRepository[Article]):
    """Articles."""

    model, noun = Article, "article"

    def _has_tag(self, tag: str) -> sa.ColumnElement[bool]:
        """Articles whose tags list holds the tag; JSON membership is spelled per dialect."""
        if self.session.get_bind().dialect.name == "postgresql":
            return sa.cast(Article.tags, JSONB).contains([tag])
        each = sa.func.json_each(Article.tags).table_valued("value")
        return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))

    async def page(
        self, page: PageParams, *, kind: str | None = None, status: str | None = None, tag: str | None = None,
        project_id: uuid.UUID | None = None, change_id: uuid.UUID | None = None, author: str | None = None,
        q: str | None = None, sort: str = "-created_at",
    ) -> tuple[Sequence[Article], str | None]:
        stmt = sa.select(Article)
        if kind:
            stmt = stmt.where(Article.kind == kind)
        if status:
            stmt = stmt.where(Article.status == status)
        if tag:
            stmt = stmt.where(self._has_tag(tag))
        if project_id:
            stmt = stmt.where(Article.project_id == project_id)
        if change_id:
            stmt = stmt.where(Article.change_id == change_id)
        if author:
            stmt = stmt.where(Article.author == author)
        if q:
            stmt = stmt.where(Article.title.icontains(q, autoescape=True))
        column = Article.title if sort.lstrip("-") == "title" else Article.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Article.id,
                                 descending=sort.startswith("-"), page=page)
