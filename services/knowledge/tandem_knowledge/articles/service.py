"""Article use cases: each writes the article, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.db import utcnow
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import record_event
from tandem_shared.repository import record_audit

from tandem_knowledge.articles.change_review import SYSTEM_AUTHOR, review_draft
from tandem_knowledge.articles.lifecycle import INITIAL_STATUS, ArticleKind, ArticleStatus
from tandem_knowledge.articles.models import Article
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.schemas import ArticleCreate, ArticleUpdate

NOT_NULL_ON_EDIT = ("title", "body", "owner", "tags", "ci_ids")


async def get_article(session: AsyncSession, article_id: uuid.UUID) -> Article:
    """The article, or 404."""
    return await ArticleRepository(session).get_or_404(article_id)


async def _add(session: AsyncSession, article: Article, *, actor: str, detail: dict | None = None) -> Article:
    """Store a new article with its audit row and its ArticleCreated event."""
    article = await ArticleRepository(session).add(article)
    await record_audit(session, actor=actor, action="create", entity_type="article", entity_id=article.id,
                       to_state=article.status, detail=detail)
    await record_event(session, ArticleCreated(
        id=article.id, title=article.title, kind=article.kind, status=article.status, author=article.author,
        project_id=article.project_id, change_id=article.change_id,
    ), actor=actor)
    return article


async def create_article(session: AsyncSession, *, actor: Actor, body: ArticleCreate) -> Article:
    """Draft an article; the caller is its author and, unless another is named, its owner."""
    return await _add(session, Article(
        title=body.title, body=body.body, kind=body.kind.value, status=INITIAL_STATUS.value, author=actor.sub,
        owner=body.owner or actor.sub, tags=list(body.tags), project_id=body.project_id,
        change_id=body.change_id, review_due=body.review_due, ci_ids=[str(ci) for ci in body.ci_ids],
        needs_refresh=False,
    ), actor=actor.sub)


async def update_article(session: AsyncSession, *, actor: Actor, article: Article, body: ArticleUpdate) -> Article:
    """Edit an article: the given fields replace the stored ones, the version moves and the refresh flag clears."""
    given = body.model_fields_set
    if not given:
        raise ValidationProblem.field("body", "name at least one field to change")
    for name in NOT_NULL_ON_EDIT:
        if name in given and getattr(body, name) is None:
            raise ValidationProblem.field(name, "cannot be null")
    if article.status == ArticleStatus.RETIRED:
        raise InvalidTransition(entity="article", state=article.status, action="edit", allowed=[])
    changes = body.model_dump(include=given)
    if "ci_ids" in changes:
        changes["ci_ids"] = [str(ci) for ci in changes["ci_ids"]]
    for name, value in changes.items():
        setattr(article, name, value)
    cleared = article.needs_refresh
    article.needs_refresh, article.refresh_reason, article.updated_at = False, None, utcnow()
    await session.flush()  # bumps the version (the mapper's version counter)
    await record_audit(session, actor=actor.sub, action="edit", entity_type="article", entity_id=article.id,
                       detail={"fields": sorted(given), "version": article.version, "refresh_cleared": cleared})
    return article


async def draft_change_review(session: AsyncSession, *, data: ChangeImplemented, event_id: uuid.UUID,
                              triggered_by: str | None) -> Article | None:
    """Draft the review of a failed or backed-out change, once per change (None when one exists already)."""
    kind = ArticleKind.CHANGE_REVIEW.value
    # The inbox drops a redelivered envelope; this also drops a re-sent event with a new id.
    if await ArticleRepository(session).for_change(data.id, kind):
        return None
    draft = review_draft(data)
    return await _add(session, Article(
        title=draft.title, body=draft.body, kind=kind, status=INITIAL_STATUS.value, author=SYSTEM_AUTHOR,
        owner=draft.owner, tags=draft.tags, project_id=data.project_id, change_id=data.id,
        ci_ids=list(dict.fromkeys(data.affected_cis)), needs_refresh=False,
    ), actor=SYSTEM_AUTHOR, detail={"event_id": str(event_id), "triggered_by": triggered_by,
                                    "outcome": data.outcome})


async def flag_runbooks_for_refresh(session: AsyncSession, *, ci_id: uuid.UUID, reason: str,
                                    event_id: uuid.UUID, triggered_by: str | None) -> list[Article]:
    """Flag every published runbook documenting the CI; already-flagged ones keep their first reason."""
    flagged = []
    runbooks = await ArticleRepository(session).linked_to_ci(
        ci_id, kind=ArticleKind.RUNBOOK.value, status=ArticleStatus.PUBLISHED.value)
    for article in runbooks:
        if article.needs_refresh:
            continue
        article.needs_refresh, article.refresh_reason = True, reason[:500]
        flagged.append(article)
        await record_audit(session, actor=SYSTEM_AUTHOR, action="flag_refresh", entity_type="article",
                           entity_id=article.id, detail={"reason": article.refresh_reason, "ci_id": str(ci_id),
                                                         "event_id": str(event_id), "triggered_by": triggered_by})
    return flagged
