"""Evergreen use cases: review intervals, the review-due sweep, the review queue and confirming an article current."""

from __future__ import annotations

from datetime import date

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.knowledge import ArticleReviewDue
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.evergreen import DEFAULT_INTERVAL_DAYS, days_overdue, is_due, is_stale
from tandem_knowledge.articles.lifecycle import ArticleKind
from tandem_knowledge.articles.models import Article
from tandem_knowledge.evergreen.models import ReviewInterval
from tandem_knowledge.evergreen.repository import IntervalRepository, ReviewDueRepository
from tandem_knowledge.evergreen.schemas import IntervalRead, QueueItem

SWEEP_BATCH = 500  # notices per transaction: a first sweep over a large library commits as it goes


async def intervals(uow: UnitOfWork) -> list[IntervalRead]:
    """Every kind's review interval as it applies: configured, else built in."""
    stored = await uow.repo(IntervalRepository).all()
    found = []
    for kind in ArticleKind:
        row = stored.get(kind.value)
        found.append(IntervalRead(kind=kind, days=DEFAULT_INTERVAL_DAYS.get(kind.value), source="built_in",
                                  updated_by=None, updated_at=None) if row is None else
                     IntervalRead(kind=kind, days=row.days, source="configured", updated_by=row.updated_by,
                                  updated_at=row.updated_at))
    return found


async def interval_for(uow: UnitOfWork, kind: str) -> int | None:
    """Days a published article of this kind stays current (None: never due)."""
    row = await uow.repo(IntervalRepository).get(kind)
    return DEFAULT_INTERVAL_DAYS.get(kind) if row is None else row.days


async def set_interval(uow: UnitOfWork, *, actor: Actor, kind: ArticleKind, days: int | None) -> None:
    """Configure a kind's interval; it applies from the next publication or confirmation (dates set stay)."""
    repo = uow.repo(IntervalRepository)
    row = await repo.get(kind.value)
    before = DEFAULT_INTERVAL_DAYS.get(kind.value) if row is None else row.days
    if row is None:
        await repo.add(ReviewInterval(kind=kind.value, days=days, updated_by=actor.sub))
    else:
        row.days, row.updated_by, row.updated_at = days, actor.sub, utcnow()
        await repo.flush()
    await uow.audit(actor=actor.sub, action="configure", entity_type="review_interval", entity_id=kind.value,
                    detail={"days": {"from": before, "to": days}},
                    changes=history.changes({"days": before}, {"days": days}))


async def confirm_current(uow: UnitOfWork, *, actor: Actor, article: Article, on: date) -> Article:
    """The owner found the published version current: its next review date from today, the refresh flag cleared."""
    return await articles.confirm_current(uow, actor=actor, article=article,
                                          interval_days=await interval_for(uow, article.kind), on=on)


async def sweep(uow: UnitOfWork, *, on: date, limit: int = SWEEP_BATCH) -> list[Article]:
    """Announce every published article due by `on` whose review date was not announced yet (once per date)."""
    repo = uow.repo(ReviewDueRepository)
    announced = []
    for article in await repo.due_without_notice(on, limit=limit):
        due = article.review_due
        assert due is not None  # the query selects dated articles only
        # The claim is the memory: a second sweep (another replica, a restart) finds the pair taken and skips it.
        if not await repo.claim(article.id, due):
            continue
        late = days_overdue(due, on) or 0
        summary = articles.feedback_summary(article)
        await uow.audit(actor=articles.SYSTEM_AUTHOR, action="review_due", entity_type="article",
                        entity_id=article.id, detail={"review_due": due.isoformat(), "days_overdue": late})
        await uow.record(ArticleReviewDue(
            id=article.id, title=article.title, kind=article.kind, owner=article.owner, review_due=due,
            project_id=article.project_id, ci_ids=list(article.ci_ids), service_ids=list(article.service_ids),
            change_id=article.change_id, days_overdue=late, helpful_ratio=summary.ratio,
        ), actor=articles.SYSTEM_AUTHOR)
        announced.append(article)
    return announced


def queue_item(article: Article, *, on: date, grace_days: int) -> QueueItem:
    """An article of the review queue, with why it is there."""
    due, stale = is_due(article.review_due, on), is_stale(article.review_due, on, grace_days)
    reasons = [name for name, holds in (("due", due), ("stale", stale), ("needs_refresh", article.needs_refresh))
               if holds]
    return QueueItem(
        id=article.id, title=article.title, kind=article.kind, owner=article.owner, review_due=article.review_due,
        days_overdue=days_overdue(article.review_due, on), stale=stale, needs_refresh=article.needs_refresh,
        refresh_reason=article.refresh_reason, reasons=reasons, published_version=article.published_version,
        feedback=articles.feedback_summary(article))
