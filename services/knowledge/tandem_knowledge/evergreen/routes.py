"""Routes of review intervals, the review queue and confirming an article current."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.bounds import PlanDate
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.evergreen import DEFAULT_INTERVAL_DAYS, evergreen_settings, today
from tandem_knowledge.articles.lifecycle import ArticleKind
from tandem_knowledge.articles.schemas import ArticleRead
from tandem_knowledge.evergreen import service
from tandem_knowledge.evergreen.repository import ReviewDueRepository
from tandem_knowledge.evergreen.schemas import IntervalRead, IntervalWrite, QueuePage

router = APIRouter(tags=["evergreen"], responses=PROBLEM_RESPONSES)
EDITORS = ("knowledge_editor",)
OWNER_ROLES = ("knowledge_editor", "requester", "change_manager", "project_manager", "service_owner")
_BUILT_IN = ", ".join(f"{k} {d if d is not None else 'never'}" for k, d in DEFAULT_INTERVAL_DAYS.items())


@router.get("/review-intervals", response_model=list[IntervalRead], summary="Review interval of every kind",
            description=f"Days from publication to the next review, per kind. Built in: {_BUILT_IN}.")
async def list_intervals(uow: UnitOfWorkDep, _actor: CurrentActor) -> list[IntervalRead]:
    return await service.intervals(uow)


@router.get("/review-intervals/{kind}/history", response_model=AuditPage,
            summary="Who changed a kind's review interval", description=HISTORY_DESCRIPTION)
async def interval_history(kind: ArticleKind, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    return await audit_page(uow.session, "review_interval", kind.value, page)


@router.put("/review-intervals/{kind}", response_model=IntervalRead, dependencies=[require_roles(*EDITORS)],
            summary="Set a kind's review interval (knowledge editors)",
            description="Applies from the next publication or confirmation of an article of the kind; review dates "
            "already set stay. `null` days: articles of the kind are never due.")
async def put_interval(kind: ArticleKind, body: IntervalWrite, uow: UnitOfWorkDep,
                       actor: CurrentActor) -> IntervalRead:
    await service.set_interval(uow, actor=actor, kind=kind, days=body.days)
    return next(i for i in await service.intervals(uow) if i.kind == kind)


@router.get("/review-queue", response_model=QueuePage, summary="Published articles due for review, per owner",
            description="Published articles whose review date is on or before `as_of` (today by default), or "
            "flagged for refresh: the lowest helpful ratio first (articles nobody rated last), then the oldest "
            "review date. `stale`: past the review date by more than the grace period "
            "(TANDEM_KNOWLEDGE_STALE_GRACE_DAYS, default 30).")
async def review_queue(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    owner: Annotated[str | None, Query(max_length=200, description="Articles this person or team owns.")] = None,
    kind: ArticleKind | None = None,
    as_of: Annotated[PlanDate | None, Query(description="Due by this day (plan ahead); default today.")] = None,
) -> QueuePage:
    on = as_of or today()
    rows, cursor = await uow.repo(ReviewDueRepository).queue(page, on=on, owner=owner, kind=kind)
    grace = evergreen_settings().stale_grace_days
    return QueuePage(items=[service.queue_item(a, on=on, grace_days=grace) for a in rows], next_cursor=cursor,
                     limit=page.limit)


@router.post("/articles/{article_id}/confirm-review", response_model=ArticleRead,
             dependencies=[require_roles(*OWNER_ROLES)], summary="Confirm a published article is still current",
             description="The owner (or author, a knowledge editor, an admin) reviewed the published version and "
             "found it current: the next review date is today plus the kind's interval and the refresh flag clears. "
             "To change the text, edit it instead (a revision).")
async def confirm_review(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                         response: Response) -> ArticleRead:
    article = await articles.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    await service.confirm_current(uow, actor=actor, article=article, on=today())
    response.headers["ETag"] = etag(article.version)
    return await articles.read(uow, article)
