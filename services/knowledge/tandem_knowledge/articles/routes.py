"""Routes of /knowledge/v1."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import AuditEntry, audit_trail

from tandem_knowledge.articles import service
from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH, normalise_tag
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.schemas import ArticleCreate, ArticlePage, ArticleRead, ArticleUpdate

router = APIRouter(tags=["articles"], responses=PROBLEM_RESPONSES)
CREATOR_ROLES = ("knowledge_editor", "requester", "change_manager", "project_manager", "service_owner")


@router.post("/articles", status_code=201, response_model=ArticleRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Draft an article")
async def create_article(body: ArticleCreate, session: SessionDep, actor: CurrentActor,
                         response: Response) -> ArticleRead:
    article = await service.create_article(session, actor=actor, body=body)
    response.headers["Location"] = f"/knowledge/v1/articles/{article.id}"
    response.headers["ETag"] = etag(article.version)
    return ArticleRead.model_validate(article)


@router.get("/articles", response_model=ArticlePage, summary="List articles")
async def list_articles(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    kind: ArticleKind | None = None,
    status: ArticleStatus | None = None,
    tag: Annotated[str | None, Query(max_length=MAX_TAG_LENGTH, description="Articles carrying this tag.")] = None,
    project_id: uuid.UUID | None = None,
    change_id: uuid.UUID | None = None,
    author: str | None = None,
    ci_id: Annotated[uuid.UUID | None, Query(description="Articles documenting this configuration item.")] = None,
    needs_refresh: Annotated[bool | None, Query(
        description="true: articles flagged because a linked configuration item changed; false: the others.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive part of the title.")] = None,
    sort: Literal["-created_at", "created_at", "title"] = "-created_at",
) -> ArticlePage:
    rows, cursor = await ArticleRepository(session).page(
        page, kind=kind, status=status, tag=normalise_tag(tag) if tag else None, project_id=project_id,
        change_id=change_id, author=author, ci_id=ci_id, needs_refresh=needs_refresh, q=q, sort=sort,
    )
    return ArticlePage(items=[ArticleRead.model_validate(a) for a in rows], next_cursor=cursor, limit=page.limit)


@router.get("/articles/{article_id}", response_model=ArticleRead, summary="Read an article")
async def get_article(article_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                      response: Response) -> ArticleRead:
    article = await service.get_article(session, article_id)
    response.headers["ETag"] = etag(article.version)
    return ArticleRead.model_validate(article)


@router.patch("/articles/{article_id}", response_model=ArticleRead, dependencies=[require_roles(*CREATOR_ROLES)],
              summary="Edit an article",
              description="Replaces the fields given. Each edit is a new version (send the ETag as If-Match; 412 "
                          "when stale) and clears the refresh flag. Retired articles cannot be edited (409).")
async def update_article(article_id: uuid.UUID, body: ArticleUpdate, session: SessionDep, actor: CurrentActor,
                         request: Request, response: Response) -> ArticleRead:
    article = await service.get_article(session, article_id)
    check_if_match(request, article.version)
    article = await service.update_article(session, actor=actor, article=article, body=body)
    response.headers["ETag"] = etag(article.version)
    return ArticleRead.model_validate(article)


@router.get("/articles/{article_id}/history", response_model=list[AuditEntry], summary="Who did what to an article")
async def article_history(article_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[AuditEntry]:
    await service.get_article(session, article_id)
    return await audit_trail(session, "article", article_id)
