"""Routes of reviews: /review-policies, /articles/{id}/submit, /withdraw, /votes and /reviews."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.lifecycle import ArticleKind
from tandem_knowledge.articles.models import Article
from tandem_knowledge.reviews import service
from tandem_knowledge.reviews.defaults import DEFAULT_POLICY
from tandem_knowledge.reviews.models import ArticleReview
from tandem_knowledge.reviews.repository import ReviewRepository
from tandem_knowledge.reviews.rules import Decision, ReviewState
from tandem_knowledge.reviews.schemas import (
    PolicyRead,
    PolicyWrite,
    QuorumRule,
    ReviewPage,
    ReviewRead,
    SubmitBody,
    VoteCreate,
    VoteRead,
)

router = APIRouter(tags=["reviews"], responses=PROBLEM_RESPONSES)
EDITORS = ("knowledge_editor",)
AUTHOR_ROLES = ("knowledge_editor", "requester", "change_manager", "project_manager", "service_owner")
ARTICLE = "/articles/{article_id}"
PolicyKind = Annotated[str, Path(pattern="^(" + "|".join([DEFAULT_POLICY, *(k.value for k in ArticleKind)]) + ")$",
                                 description="An article kind, or `default` for kinds without their own policy.")]


def _policy_read(policy: service.EffectivePolicy, response: Response | None = None) -> PolicyRead:
    stored = policy.stored
    if response is not None and stored is not None:
        response.headers["ETag"] = etag(stored.version)
    return PolicyRead(kind=policy.kind, members=policy.members,
                      quorum=QuorumRule(kind=policy.quorum_kind, value=policy.quorum_value), source=policy.source,
                      version=stored.version if stored else None, updated_by=stored.updated_by if stored else None,
                      updated_at=stored.updated_at if stored else None)


@router.get("/review-policies", response_model=list[PolicyRead], summary="Who reviews each kind of article",
            description="The `default` policy, then each kind's as it applies: its own, else the default's, else the "
            "built-in one (any knowledge editor but the authors, one approval).")
async def list_policies(uow: UnitOfWorkDep, _actor: CurrentActor) -> list[PolicyRead]:
    return [_policy_read(p) for p in await service.effective_policies(uow)]


@router.get("/review-policies/{kind}/history", response_model=AuditPage,
            summary="Who changed who reviews a kind of article", description=HISTORY_DESCRIPTION)
async def policy_history(kind: PolicyKind, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    return await audit_page(uow.session, "review_policy", kind, page)


@router.put("/review-policies/{kind}", response_model=PolicyRead, dependencies=[require_roles(*EDITORS)],
            summary="Set who reviews a kind of article (knowledge editors)",
            description="Members (token subjects; none: any knowledge editor) and a quorum: a number of approvals, "
            "or a percentage of the eligible members (an open group takes a number). The version's authors are "
            "never among its reviewers. Reviews already open keep theirs. If-Match takes the ETag.")
async def put_policy(kind: PolicyKind, body: PolicyWrite, request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                     response: Response) -> PolicyRead:
    current = (await service.effective_policy(uow, kind)).stored
    if current is not None:
        check_if_match(request, current.version)
    await service.configure(uow, actor=actor, kind=kind, body=body)
    return _policy_read(await service.effective_policy(uow, kind), response)


async def _reads(uow: UnitOfWork, reviews: list[ArticleReview], articles_by_id: dict[uuid.UUID, Article]
                 ) -> list[ReviewRead]:
    votes = await uow.repo(ReviewRepository).votes([r.id for r in reviews])
    reads = []
    for review in reviews:
        cast = votes[review.id]
        voted = {v.voter for v in cast}
        approvals = sum(1 for v in cast if v.decision == Decision.APPROVE)
        article = articles_by_id.get(review.article_id) or await articles.get_article(uow, review.article_id)
        state, _ = await articles.state_of(uow, article)
        reads.append(ReviewRead(
            id=review.id, article_id=review.article_id, version=review.version, revision=review.revision,
            kind=review.kind, state=review.state, policy=review.policy, open_group=review.open_group,
            reviewers=review.reviewers, authors=review.authors,
            quorum=QuorumRule(kind=review.quorum_kind, value=review.quorum_value),
            votes=[VoteRead.model_validate(v) for v in cast], approvals=approvals, rejections=len(cast) - approvals,
            waiting_on=None if review.open_group else (
                [r for r in review.reviewers if r not in voted] if review.state == ReviewState.OPEN else []),
            comment=review.comment, submitted_by=review.submitted_by, submitted_at=review.submitted_at,
            decided_by=review.decided_by, decided_at=review.decided_at, article_state=state))
    return reads


async def _answer(uow: UnitOfWork, review: ArticleReview, article: Article, response: Response) -> ReviewRead:
    response.headers["ETag"] = etag(article.version)  # the article's: the next transition's If-Match
    return (await _reads(uow, [review], {article.id: article}))[0]


@router.post(ARTICLE + "/submit", status_code=status.HTTP_201_CREATED, response_model=ReviewRead,
             dependencies=[require_roles(*AUTHOR_ROLES)], summary="Send the draft (or revision) for review",
             description="The author, the owner, a knowledge editor or an admin submit. The reviewers come from the "
             "kind's policy (GET /review-policies) less the version's authors, frozen now (409 when too few remain "
             "for the quorum). The text is frozen until the review decides. Publishes "
             "`knowledge.article.submitted.v1`.")
async def submit_article(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                         response: Response, body: SubmitBody | None = None) -> ReviewRead:
    article = await articles.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    review = await service.submit(uow, actor=actor, article=article, comment=body.comment if body else None)
    response.headers["Location"] = location("/knowledge/v1/articles/{}/reviews/{}", article_id, review.id)
    return await _answer(uow, review, article, response)


@router.post(ARTICLE + "/withdraw", response_model=ReviewRead, dependencies=[require_roles(*AUTHOR_ROLES)],
             summary="Take the version under review back to draft",
             description="Publishes `knowledge.article.returned_to_draft.v1` (reason withdrawn).")
async def withdraw_article(article_id: uuid.UUID, uow: UnitOfWorkDep, actor: CurrentActor, request: Request,
                           response: Response) -> ReviewRead:
    article = await articles.get_article(uow, article_id, lock=True)
    check_if_match(request, article.version)
    review = await service.withdraw(uow, actor=actor, article=article)
    return await _answer(uow, review, article, response)


@router.post(ARTICLE + "/votes", response_model=ReviewRead, summary="Approve or reject the version under review",
             description="An author of the version never votes on it (403 naming why); nor does anyone outside the "
             "review group (403). A reviewer votes once (409); a rejection needs a comment (422). When the "
             "approvals reach the quorum (tandem_shared.quorum) the version is published (its review date set "
             "from the kind's interval; `knowledge.article.published.v1`); once the quorum cannot be reached it "
             "returns to draft with every reviewer's comment (`knowledge.article.returned_to_draft.v1`). Each vote "
             "publishes `knowledge.article.vote_cast.v1`.")
async def vote_on_article(article_id: uuid.UUID, body: VoteCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                          response: Response) -> ReviewRead:
    article = await articles.get_article(uow, article_id, lock=True)
    review = await service.vote(uow, actor=actor, article=article, decision=body.decision, comment=body.comment)
    return await _answer(uow, review, article, response)


@router.get(ARTICLE + "/reviews", response_model=list[ReviewRead], summary="An article's reviews, newest first")
async def list_article_reviews(article_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> list[ReviewRead]:
    article = await articles.get_article(uow, article_id)
    reviews = list(await uow.repo(ReviewRepository).of_article(article.id))
    return await _reads(uow, reviews, {article.id: article})


@router.get(ARTICLE + "/reviews/{review_id}", response_model=ReviewRead, summary="One review of an article")
async def get_review(article_id: uuid.UUID, review_id: uuid.UUID, uow: UnitOfWorkDep,
                     _actor: CurrentActor) -> ReviewRead:
    article = await articles.get_article(uow, article_id)
    review = await uow.repo(ReviewRepository).get(review_id)
    if review is None or review.article_id != article.id:
        raise NotFound(f"article {article_id} has no review {review_id}")
    return (await _reads(uow, [review], {article.id: article}))[0]


@router.get("/reviews", response_model=ReviewPage, summary="Reviews, newest first",
            description="`reviewer=<sub>`: the open reviews that person may still vote on (a member of the group, or "
            "any knowledge editor for an open group; never their own articles).")
async def list_reviews(uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
                       state: ReviewState | None = None, kind: ArticleKind | None = None,
                       reviewer: str | None = None) -> ReviewPage:
    rows, cursor = await uow.repo(ReviewRepository).page(page, state=state, kind=kind, reviewer=reviewer)
    return ReviewPage(items=await _reads(uow, list(rows), {}), next_cursor=cursor, limit=page.limit)

