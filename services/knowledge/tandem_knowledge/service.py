"""Article use cases: each writes the article, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.outbox import record_event
from tandem_shared.repository import record_audit

from tandem_knowledge.domain.lifecycle import INITIAL_STATUS
from tandem_knowledge.models import Article
from tandem_knowledge.repository import ArticleRepository
from tandem_knowledge.schemas import ArticleCreate


async def get_article(session: AsyncSession, article_id: uuid.UUID) -> Article:
    """The article, or 404."""
    return await ArticleRepository(session).get_or_404(article_id)


async def create_article(session: AsyncSession, *, actor: Actor, body: ArticleCreate) -> Article:
    """Draft an article; the caller is its author and, unless another is named, its owner."""
    article = await ArticleRepository(session).add(
        Article(
            title=body.title, body=body.body, kind=body.kind.value, status=INITIAL_STATUS.value, author=actor.sub,
            owner=body.owner or actor.sub, tags=list(body.tags), project_id=body.project_id,
            change_id=body.change_id, review_due=body.review_due,
        )
    )
    await record_audit(session, actor=actor.sub, action="create", entity_type="article", entity_id=article.id,
                       to_state=article.status)
    await record_event(session, ArticleCreated(
        id=article.id, title=article.title, kind=article.kind, status=article.status, author=actor.sub,
        project_id=article.project_id, change_id=article.change_id,
    ), actor=actor.sub)
    return article
