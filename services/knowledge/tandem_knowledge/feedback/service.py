"""Feedback use cases: a reader rates the published version; the article's counts follow in the same transaction."""

from __future__ import annotations

from sqlalchemy.orm.attributes import set_committed_value
from tandem_shared.auth import Actor
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.lifecycle import Action, check
from tandem_knowledge.articles.models import Article
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.feedback.models import ArticleFeedback
from tandem_knowledge.feedback.repository import FeedbackRepository


async def give(uow: UnitOfWork, *, actor: Actor, article: Article, helpful: bool, comment: str | None
               ) -> tuple[ArticleFeedback, bool]:
    """Record or change the reader's feedback on the published version; True when it is the reader's first."""
    state, _ = await articles.state_of(uow, article)
    check(state, Action.FEEDBACK)
    version = article.published_version
    assert version is not None  # a published article has a published version
    repo = uow.repo(FeedbackRepository)
    entry = await repo.of_reader(article.id, version, actor.sub)
    created = entry is None
    before = None if entry is None else entry.helpful
    if entry is None:
        entry = await repo.add(ArticleFeedback(article_id=article.id, version=version, reader=actor.sub,
                                               helpful=helpful, comment=comment))
    else:
        entry.helpful, entry.comment, entry.updated_at = helpful, comment, utcnow()
        await repo.flush()
    delta = {True: 0, False: 0}
    if before is not helpful:
        delta[helpful] += 1
        if before is not None:
            delta[before] -= 1
    if delta[True] or delta[False]:
        counts = await uow.repo(ArticleRepository).adjust_feedback(
            article.id, version, helpful=delta[True], not_helpful=delta[False])
        if counts is None:
            raise Conflict(f"version {version} of the article was just replaced by a newer one; read it and give "
                           "your feedback on that")
        # Counts written by the statement above: shown as committed so the ORM writes nothing more (no new ETag).
        set_committed_value(article, "helpful_count", counts[0])
        set_committed_value(article, "not_helpful_count", counts[1])
    return entry, created
