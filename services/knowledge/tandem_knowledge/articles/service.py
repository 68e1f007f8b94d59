"""Article use cases: each writes the article, its audit row and its event in the caller's unit of work.

The review workflow (submit, votes, withdraw) lives in the reviews package and calls `mark_in_review`, `publish` and
`return_to_draft` here; everything that changes the article row or its versions is in this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.knowledge import ArticleCreated, ArticlePublished, ArticleRetired, ArticleRevisionStarted
from tandem_shared.db import utcnow
from tandem_shared.errors import Forbidden, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles.evergreen import article_is_stale, evergreen_settings, review_due_after, today
from tandem_knowledge.articles.lifecycle import (
    INITIAL_STATUS,
    Action,
    ArticleKind,
    ArticleStatus,
    VersionStatus,
    WorkflowState,
    check,
    workflow_state,
)
from tandem_knowledge.articles.models import CONTENT, Article, ArticleVersion
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.schemas import ArticleCreate, ArticleRead, ArticleUpdate, FeedbackSummary, RevisionRead

NOT_NULL_ON_EDIT = ("title", "body", "kind", "owner", "tags", "ci_ids", "service_ids")
METADATA = ("owner", "review_due")  # applied to the article at once, whatever its state
EDITOR_ROLES = ("knowledge_editor",)  # and admin (Actor.has_any)
# Published articles of these kinds describe how to run CIs: a change to one of their CIs flags them for refresh.
REFRESHED_KINDS = (ArticleKind.RUNBOOK.value, ArticleKind.HANDOVER.value)
SYSTEM_AUTHOR = "tandem"


def may_act(actor: Actor, article: Article) -> bool:
    """The author and the owner act on their article; knowledge editors and admins on any."""
    return actor.sub in {article.author, article.owner} or actor.has_any(*EDITOR_ROLES)


def require_owner(actor: Actor, article: Article, action: str) -> None:
    """403 naming who may act, unless the actor may."""
    if not may_act(actor, article):
        raise Forbidden(f"only the article's author ({article.author}), its owner ({article.owner}), a knowledge "
                        f"editor or an admin may {action} it", reason="not_owner")


def _with(people: Sequence[str], sub: str) -> list[str]:
    return list(people) if sub in people else [*people, sub]


async def get_article(uow: UnitOfWork, article_id: uuid.UUID, *, lock: bool = False) -> Article:
    """The article, or 404; locked (PostgreSQL) when a transition follows, so transitions run one at a time."""
    repo = uow.repo(ArticleRepository)
    if not lock:
        return await repo.get_or_404(article_id)
    article = await repo.locked(article_id)
    if article is None:
        await repo.get_or_404(article_id)  # raises the 404
    return article  # type: ignore[return-value]


async def state_of(uow: UnitOfWork, article: Article) -> tuple[WorkflowState, ArticleVersion | None]:
    """The article's workflow state and its pending revision."""
    revision = (await uow.repo(ArticleRepository).pending_revision(article.id)
                if article.status == ArticleStatus.PUBLISHED else None)
    return workflow_state(article.status, revision.status if revision else None), revision


def under_review_number(article: Article, revision: ArticleVersion | None) -> int:
    """The version number the working copy becomes when published."""
    return revision.number if revision is not None else (article.published_version or 0) + 1


# --- reads ---

def feedback_summary(article: Article) -> FeedbackSummary:
    """The published version's helpful ratio."""
    total = article.helpful_count + article.not_helpful_count
    return FeedbackSummary(helpful=article.helpful_count, not_helpful=article.not_helpful_count,
                           ratio=round(article.helpful_count / total, 4) if total else None)


def to_read(article: Article, revision: ArticleVersion | None, *, on: date, grace_days: int) -> ArticleRead:
    """The article as the API shows it."""
    fields = {name: getattr(article, name) for name in ArticleRead.model_fields
              if name not in ("workflow_state", "stale", "revision", "feedback")}
    return ArticleRead(
        **fields, workflow_state=workflow_state(article.status, revision.status if revision else None),
        stale=article_is_stale(article.status, article.review_due, on, grace_days),
        revision=RevisionRead.model_validate(revision) if revision is not None else None,
        feedback=feedback_summary(article))


async def reads(uow: UnitOfWork, articles: Sequence[Article]) -> list[ArticleRead]:
    """The articles as the API shows them, their pending revisions loaded in one query."""
    published = [a.id for a in articles if a.status == ArticleStatus.PUBLISHED]
    revisions = await uow.repo(ArticleRepository).pending_revisions(published)
    on, grace = today(), evergreen_settings().stale_grace_days
    return [to_read(a, revisions.get(a.id), on=on, grace_days=grace) for a in articles]


async def read(uow: UnitOfWork, article: Article) -> ArticleRead:
    """One article as the API shows it."""
    return (await reads(uow, [article]))[0]


# --- drafting and editing ---

async def add_article(uow: UnitOfWork, article: Article, *, actor: str, detail: dict[str, Any] | None = None
                      ) -> Article:
    """Store a new draft with its audit row and its ArticleCreated event."""
    article = await uow.repo(ArticleRepository).add(article)
    await uow.audit(actor=actor, action="create", entity_type="article", entity_id=article.id,
                    to_state=article.status, detail=detail)
    await uow.record(ArticleCreated(
        id=article.id, title=article.title, kind=article.kind, status=article.status, author=article.author,
        project_id=article.project_id, change_id=article.change_id,
    ), actor=actor)
    return article


async def create_article(uow: UnitOfWork, *, actor: Actor, body: ArticleCreate) -> Article:
    """Draft an article; the caller is its author and, unless another is named, its owner."""
    return await add_article(uow, Article(
        title=body.title, body=body.body, kind=body.kind.value, status=INITIAL_STATUS.value, author=actor.sub,
        owner=body.owner or actor.sub, tags=list(body.tags), project_id=body.project_id,
        change_id=body.change_id, review_due=body.review_due, ci_ids=[str(ci) for ci in body.ci_ids],
        service_ids=[str(s) for s in body.service_ids], needs_refresh=False, contributors=[actor.sub],
        helpful_count=0, not_helpful_count=0,
    ), actor=actor.sub)


def _edits(body: ArticleUpdate) -> dict[str, Any]:
    """The given fields as stored, or a 422 naming a field that cannot be null or an empty edit."""
    given = body.model_fields_set
    if not given:
        raise ValidationProblem.field("body", "name at least one field to change")
    for name in NOT_NULL_ON_EDIT:
        if name in given and getattr(body, name) is None:
            raise ValidationProblem.field(name, "cannot be null")
    changes = body.model_dump(include=given)
    for name in ("ci_ids", "service_ids"):
        if name in changes:
            changes[name] = [str(i) for i in changes[name]]
    if "kind" in changes:
        changes["kind"] = changes["kind"].value if hasattr(changes["kind"], "value") else changes["kind"]
    return changes


async def _start_revision(uow: UnitOfWork, *, actor: Actor, article: Article, changes: dict[str, Any]
                          ) -> ArticleVersion:
    """A pending revision of the published article: its text with the changes; readers keep the published one."""
    number = (article.published_version or 0) + 1
    revision = await uow.repo(ArticleRepository).add_version(ArticleVersion(
        article_id=article.id, number=number, status=VersionStatus.DRAFT.value,
        **{name: changes.get(name, getattr(article, name)) for name in CONTENT},
        contributors=[actor.sub] if changes else [], created_by=actor.sub))
    await uow.audit(actor=actor.sub, action="revise", entity_type="article", entity_id=article.id,
                    from_state=WorkflowState.PUBLISHED.value, to_state=WorkflowState.REVISION_DRAFT.value,
                    detail={"revision": number, "fields": sorted(changes)})
    await uow.record(ArticleRevisionStarted(id=article.id, version=number,
                                            published_version=article.published_version or 0,
                                            started_by=actor.sub), actor=actor.sub)
    return revision


async def update_article(uow: UnitOfWork, *, actor: Actor, article: Article, body: ArticleUpdate) -> Article:
    """Edit: text goes to the working draft (a new revision of a published article), owner and review date at once."""
    changes = _edits(body)
    require_owner(actor, article, "edit")
    state, revision = await state_of(uow, article)
    content = {name: value for name, value in changes.items() if name in CONTENT}
    if content or state == WorkflowState.RETIRED:
        check(state, Action.EDIT)
    # The text's old values are those of the text being edited: the draft, the pending revision, or (for a new
    # revision) the published text it starts from.
    edited = revision if revision is not None and state not in (WorkflowState.DRAFT, WorkflowState.PUBLISHED) \
        else article
    before = history.snapshot(article, [n for n in changes if n not in CONTENT]) | history.snapshot(edited, content)
    target = "article"
    if content and state == WorkflowState.DRAFT:
        for name, value in content.items():
            setattr(article, name, value)
        article.contributors = _with(article.contributors or [], actor.sub)
    elif content and state == WorkflowState.PUBLISHED:
        revision = await _start_revision(uow, actor=actor, article=article, changes=content)
        target = f"revision {revision.number}"
    elif content and revision is not None:
        for name, value in content.items():
            setattr(revision, name, value)
        revision.contributors = _with(revision.contributors or [], actor.sub)
        revision.updated_at = utcnow()
        target = f"revision {revision.number}"
    for name in METADATA:
        if name in changes:
            setattr(article, name, changes[name])
    article.updated_at = utcnow()  # a new row version (the ETag) for an edit of the revision too
    await uow.repo(ArticleRepository).flush()
    after = history.snapshot(article, [n for n in changes if n not in CONTENT]) | history.snapshot(
        revision if target != "article" and revision is not None else article, content)
    await uow.audit(actor=actor.sub, action="edit", entity_type="article", entity_id=article.id,
                    detail={"fields": sorted(changes), "target": target, "version": article.version},
                    changes=history.changes(before, after))
    return article


async def revise(uow: UnitOfWork, *, actor: Actor, article: Article) -> ArticleVersion:
    """Start a revision of a published article (a copy of its text); readers keep the published version."""
    require_owner(actor, article, "revise")
    state, _ = await state_of(uow, article)
    check(state, Action.REVISE)
    revision = await _start_revision(uow, actor=actor, article=article, changes={})
    article.updated_at = utcnow()
    await uow.repo(ArticleRepository).flush()
    return revision


async def discard_revision(uow: UnitOfWork, *, actor: Actor, article: Article) -> None:
    """Drop the draft revision of a published article, which stays as published."""
    require_owner(actor, article, "discard the revision of")
    state, revision = await state_of(uow, article)
    check(state, Action.DISCARD)
    assert revision is not None  # the state says there is one
    number = revision.number
    await uow.repo(ArticleRepository).delete_version(revision)
    article.updated_at = utcnow()
    await uow.repo(ArticleRepository).flush()
    await uow.audit(actor=actor.sub, action="discard_revision", entity_type="article", entity_id=article.id,
                    from_state=state.value, to_state=WorkflowState.PUBLISHED.value, detail={"revision": number})


async def retire(uow: UnitOfWork, *, actor: Actor, article: Article, reason: str | None) -> Article:
    """Retire an article (a draft revision of it is dropped): it no longer counts as documentation."""
    require_owner(actor, article, "retire")
    state, revision = await state_of(uow, article)
    check(state, Action.RETIRE)
    repo = uow.repo(ArticleRepository)
    dropped = None
    if revision is not None:
        dropped = revision.number
        await repo.delete_version(revision)
    article.status, article.updated_at = ArticleStatus.RETIRED.value, utcnow()
    await repo.flush()
    await uow.audit(actor=actor.sub, action="retire", entity_type="article", entity_id=article.id,
                    from_state=state.value, to_state=ArticleStatus.RETIRED.value,
                    detail={"reason": reason, "discarded_revision": dropped})
    await uow.record(ArticleRetired(
        id=article.id, title=article.title, kind=article.kind, retired_by=actor.sub, reason=reason,
        project_id=article.project_id, change_id=article.change_id, ci_ids=list(article.ci_ids),
        service_ids=list(article.service_ids)), actor=actor.sub)
    return article


# --- the review workflow's effects (called by the reviews package) ---

async def mark_in_review(uow: UnitOfWork, *, article: Article, revision: ArticleVersion | None) -> None:
    """The working copy (the draft, or the revision) goes under review; its text is frozen until decided."""
    if revision is None:
        article.status = ArticleStatus.IN_REVIEW.value
    else:
        revision.status, revision.updated_at = VersionStatus.IN_REVIEW.value, utcnow()
    article.updated_at = utcnow()
    await uow.repo(ArticleRepository).flush()


async def return_to_draft(uow: UnitOfWork, *, article: Article, revision: ArticleVersion | None,
                          comments: list[dict[str, Any]] | None) -> None:
    """The version under review goes back to its authors, with the reviewers' comments."""
    target: Article | ArticleVersion = article if revision is None else revision
    if revision is None:
        article.status = ArticleStatus.DRAFT.value
    else:
        revision.status, revision.updated_at = VersionStatus.DRAFT.value, utcnow()
    target.review_comments = comments
    article.updated_at = utcnow()
    await uow.repo(ArticleRepository).flush()


async def publish(uow: UnitOfWork, *, article: Article, revision: ArticleVersion | None, published_by: str,
                  interval_days: int | None, on: date) -> int:
    """Publish the version under review: kept as a numbered version, copied onto the article row, announced."""
    repo = uow.repo(ArticleRepository)
    now = utcnow()
    before = workflow_state(article.status, revision.status if revision else None)
    if revision is None:
        number = (article.published_version or 0) + 1
        await repo.add_version(ArticleVersion(
            article_id=article.id, number=number, status=VersionStatus.PUBLISHED.value,
            **{name: getattr(article, name) for name in CONTENT}, contributors=list(article.contributors or []),
            created_by=article.author, created_at=article.created_at, published_at=now, published_by=published_by))
    else:
        number = revision.number
        previous = await repo.version(article.id, article.published_version) if article.published_version else None
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED.value
        for name in CONTENT:
            setattr(article, name, getattr(revision, name))
        article.contributors = list(revision.contributors or [])
        revision.status, revision.published_at, revision.published_by = (
            VersionStatus.PUBLISHED.value, now, published_by)
    article.status, article.published_version = ArticleStatus.PUBLISHED.value, number
    article.published_at, article.published_by = now, published_by
    article.review_due = review_due_after(on, interval_days)
    # A new version answers a refresh request, is read afresh (no feedback yet) and needs no earlier comments.
    article.needs_refresh, article.refresh_reason, article.review_comments = False, None, None
    article.helpful_count = article.not_helpful_count = 0
    article.updated_at = now
    await repo.flush()
    await uow.audit(actor=published_by, action="publish", entity_type="article", entity_id=article.id,
                    from_state=before.value, to_state=ArticleStatus.PUBLISHED.value,
                    detail={"version": number, "review_due": article.review_due.isoformat()
                            if article.review_due else None})
    await uow.record(ArticlePublished(
        id=article.id, version=number, title=article.title, kind=article.kind, tags=list(article.tags),
        author=article.author, owner=article.owner, published_by=published_by, project_id=article.project_id,
        change_id=article.change_id, ci_ids=list(article.ci_ids), service_ids=list(article.service_ids),
    ), actor=published_by)
    return number


# --- evergreen and refresh ---

CONFIRMED_FIELDS = ("review_due", "needs_refresh", "refresh_reason")


async def confirm_current(uow: UnitOfWork, *, actor: Actor, article: Article, interval_days: int | None,
                          on: date) -> Article:
    """The owner reviewed the published version and found it current: a new review date, the refresh flag cleared."""
    require_owner(actor, article, "confirm the review of")
    state, _ = await state_of(uow, article)
    check(state, Action.CONFIRM_REVIEW)
    cleared, before = article.needs_refresh, article.review_due
    old = history.snapshot(article, CONFIRMED_FIELDS)
    article.review_due = review_due_after(on, interval_days)
    article.needs_refresh, article.refresh_reason, article.updated_at = False, None, utcnow()
    await uow.repo(ArticleRepository).flush()
    await uow.audit(actor=actor.sub, action="confirm_review", entity_type="article", entity_id=article.id,
                    detail={"review_due": {"from": before.isoformat() if before else None,
                                           "to": article.review_due.isoformat() if article.review_due else None},
                            "refresh_cleared": cleared},
                    changes=history.changes(old, history.snapshot(article, CONFIRMED_FIELDS)))
    return article


async def flag_for_refresh(uow: UnitOfWork, *, ci_id: uuid.UUID, reason: str, event_id: uuid.UUID,
                           triggered_by: str | None) -> list[Article]:
    """Flag every published runbook and handover documenting the CI; already-flagged ones keep their first reason."""
    flagged = []
    linked = await uow.repo(ArticleRepository).linked_to_ci(ci_id, kinds=REFRESHED_KINDS,
                                                            status=ArticleStatus.PUBLISHED.value)
    for article in linked:
        if article.needs_refresh:
            continue
        article.needs_refresh, article.refresh_reason = True, reason[:500]
        flagged.append(article)
        await uow.audit(actor=SYSTEM_AUTHOR, action="flag_refresh", entity_type="article", entity_id=article.id,
                        detail={"reason": article.refresh_reason, "ci_id": str(ci_id), "event_id": str(event_id),
                                "triggered_by": triggered_by})
    return flagged
