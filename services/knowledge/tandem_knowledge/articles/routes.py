"""Routes of /knowledge/v1/articles: drafting, reading, editing, versions and diffs, revising and retiring."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_knowledge.articles import service
from tandem_knowledge.articles.diff import field_changes, line_diff
from tandem_knowledge.articles.evergreen import evergreen_settings, stale_before, today
from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus
from tandem_knowledge.articles.models import Article, ArticleVersion
from tandem_knowledge.articles.repository import ArticleRepository
from tandem_knowledge.articles.schemas import (
    ArticleCreate,
    ArticlePage,
    ArticleRead,
    ArticleUpdate,
    DiffRead,
    HunkRead,
    RetireBody,
    VersionRead,
    VersionSummary,
)
from tandem_knowledge.articles.tags import MAX_TAG_LENGTH, normalise_tag

router = APIRouter(tags=["articles"], responses=PROBLEM_RESPONSES)
CREATOR_ROLES = ("knowledge_editor", "requester", "change_manager", "project_manager", "service_owner")
ARTICLE = "/articles/{article_id}"
VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]


async def _answer(uow: UnitOfWorkDep, article: Article, response: Response) -> ArticleRead:
    response.headers["ETag"] = etag(article.version)
    return await service.read(uow, article)


@router.post("/articles", status_code=201, response_model=ArticleRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Draft an article")
async def create_article(body: ArticleCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                         response: Response) -> ArticleRead:
    article = await service.create_article(uow, actor=actor, body=body)
    response.headers["Location"] = location("/knowledge/v1/articles/{}", article.id)
    return await _answer(uow, article, response)


@router.get("/articles", response_model=ArticlePage, summary="List articles")
async def list_articles(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    kind: ArticleKind | None = None,
    status: ArticleStatus | None = None,
    tag: Annotated[str | None, Query(max_length=MAX_TAG_LENGTH, description="Articles carrying this tag.")] = None,
    project_id: uuid.UUID | None = None,
    change_id: uuid.UUID | None = None,
    author: str | None = None,
    owner: str | None = None,
    ci_id: Annotated[uuid.UUID | None, Query(description="Articles documenting this configuration item.")] = None,
    service_id: Annotated[uuid.UUID | None, Query(description="Articles documenting this business service.")] = None,
    needs_refresh: Annotated[bool | None, Query(
        description="true: articles flagged because a linked configuration item changed; false: the others.")] = None,
    stale: Annotated[bool | None, Query(
        description="true: published articles past their review date by more than the grace period.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive part of the title.")] = None,
    sort: Literal["-created_at", "created_at", "title"] = "-created_at",
) -> ArticlePage:
    rows, cursor = await uow.repo(ArticleRepository).page(
        page, kind=kind, status=status, tag=normalise_tag(tag) if tag else None, project_id=project_id,
        change_id=change_id, author=author, owner=owner, ci_id=ci_id, service_id=service_id,
        needs_refresh=needs_refresh, q=q, sort=sort, stale=stale,
        stale_before=stale_before(today(), evergreen_settings().stale_grace_days),
    )
    return ArticlePage(items=await service.reads(uow, rows), next_cursor=cursor, limit=page.limit)


@router.get(ARTICLE, response_model=ArticleRead, summary="Read an article",
            description="The text readers see (the published version, or the draft of an article never published), "
            "with its pending revision, review date, `stale` flag and readers' helpful ratio. The ETag is the row "
            "version to send as If-Match.")
async def get_article(article_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                      response: Response) -> ArticleRead:
    return await _answer(uow, await service.get_article(uow, article_id), response)


@router.patch(ARTICLE, response_model=ArticleRead, dependencies=[require_roles(*CREATOR_ROLES)],
              summary="Edit an article",
              description="The author, the owner, a knowledge editor or an admin edit (403 otherwise). Title, body, "
              "kind, tags, CIs and services go to the working text: the draft of an article never published, or "
              "the pending revision of a published one (started by this edit if none is pending; readers keep the "
              "published version until the revision is published). Owner and review date apply at once. Send the "
              "ETag as If-Match (412 when stale). Text cannot change under review or once retired (409 names the "
              "allowed actions).")
async def update_article(article_id: uuid.UUID, body: ArticleUpdate, uow: UnitOfWorkDep, actor: CurrentActor,
                         request: Request, response: Response) -> ArticleRead:
    article = await service.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    article = await service.update_article(uow, actor=actor, article=article, body=body)
    return await _answer(uow, article, response)


@router.post(ARTICLE + "/revise", response_model=ArticleRead, dependencies=[require_roles(*CREATOR_ROLES)],
             summary="Start a revision of a published article",
             description="A pending revision (the next version number) starts as a copy of the published text; "
             "readers keep the published version until the revision is reviewed and published. Publishes "
             "`knowledge.article.revision_started.v1`.")
async def revise_article(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                         response: Response) -> ArticleRead:
    article = await service.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    await service.revise(uow, actor=actor, article=article)
    return await _answer(uow, article, response)


@router.delete(ARTICLE + "/revision", response_model=ArticleRead, dependencies=[require_roles(*CREATOR_ROLES)],
               summary="Discard the draft revision of a published article")
async def discard_revision(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                           response: Response) -> ArticleRead:
    article = await service.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    await service.discard_revision(uow, actor=actor, article=article)
    return await _answer(uow, article, response)


@router.post(ARTICLE + "/retire", response_model=ArticleRead, dependencies=[require_roles(*CREATOR_ROLES)],
             summary="Retire an article",
             description="A published article (or a draft never to be published) is retired; a draft revision is "
             "dropped. Publishes `knowledge.article.retired.v1` with the article's links.")
async def retire_article(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                         response: Response, body: RetireBody | None = None) -> ArticleRead:
    article = await service.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    await service.retire(uow, actor=actor, article=article, reason=body.reason if body else None)
    return await _answer(uow, article, response)


@router.get(ARTICLE + "/history", response_model=AuditPage, summary="Who did what to an article",
            description=HISTORY_DESCRIPTION)
async def article_history(article_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await uow.repo(ArticleRepository).exists_or_404(article_id)
    return await audit_page(uow.session, "article", article_id, page)


@router.get(ARTICLE + "/versions", response_model=list[VersionSummary], summary="An article's versions",
            description="Every published version (the current one `published`, earlier ones `superseded`) and the "
            "pending revision, if any, by number. An article never published has none yet.")
async def list_versions(article_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> list[VersionSummary]:
    await uow.repo(ArticleRepository).exists_or_404(article_id)
    return [VersionSummary.model_validate(v) for v in await uow.repo(ArticleRepository).versions(article_id)]


async def _version(uow: UnitOfWorkDep, article_id: uuid.UUID, number: int) -> ArticleVersion:
    repo = uow.repo(ArticleRepository)
    await repo.exists_or_404(article_id)
    found = await repo.version(article_id, number)
    if found is None:
        raise NotFound(f"article {article_id} has no version {number}")
    return found


@router.get(ARTICLE + "/versions/{number}", response_model=VersionRead, summary="One version of an article")
async def get_version(article_id: uuid.UUID, number: VersionNumber, uow: UnitOfWorkDep,
                      _actor: CurrentActor) -> VersionRead:
    return VersionRead.model_validate(await _version(uow, article_id, number))


@router.get(ARTICLE + "/versions/{number}/diff/{other}", response_model=DiffRead,
            summary="What changed between two versions",
            description="A line diff of the body from version `number` to version `other` (either order): the "
            "unified diff (difflib) and its hunks with line numbers, and every other field that differs.")
async def diff_versions(article_id: uuid.UUID, number: VersionNumber, other: VersionNumber, uow: UnitOfWorkDep,
                        _actor: CurrentActor) -> DiffRead:
    old, new = await _version(uow, article_id, number), await _version(uow, article_id, other)
    diff = line_diff(old.body, new.body, old_label=f"version {old.number}", new_label=f"version {new.number}")
    meta = ("title", "kind", "tags", "ci_ids", "service_ids")
    return DiffRead(
        article_id=article_id, from_version=old.number, to_version=new.number, unified=diff.unified,
        hunks=[HunkRead(header=h.header, old_start=h.old_start, old_lines=h.old_lines, new_start=h.new_start,
                        new_lines=h.new_lines, lines=[vars(line) for line in h.lines]) for h in diff.hunks],
        added=diff.added, removed=diff.removed,
        fields=field_changes({n: getattr(old, n) for n in meta}, {n: getattr(new, n) for n in meta}))
