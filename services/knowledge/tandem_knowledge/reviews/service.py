"""Review use cases: policies, submitting a version, votes decided by the shared quorum, withdrawing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.knowledge import ArticleReturnedToDraft, ArticleSubmitted, ArticleVoteCast
from tandem_shared.contracts.knowledge import ReviewComment as CommentData
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, ValidationProblem
from tandem_shared.quorum import QuorumKind, StepState, reachable
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.articles import service as articles
from tandem_knowledge.articles.evergreen import today
from tandem_knowledge.articles.lifecycle import RETURNED, Action, ArticleKind, check
from tandem_knowledge.articles.models import CONTENT, Article, ArticleVersion
from tandem_knowledge.evergreen.service import interval_for
from tandem_knowledge.reviews.defaults import BUILT_IN_MEMBERS, BUILT_IN_QUORUM, DEFAULT_POLICY
from tandem_knowledge.reviews.models import ArticleReview, ReviewPolicy, ReviewVote
from tandem_knowledge.reviews.repository import PolicyRepository, ReviewRepository
from tandem_knowledge.reviews.rules import (
    Decision,
    ReviewState,
    check_policy,
    eligible_reviewers,
    outcome,
    seats,
    vote_refusal,
)
from tandem_knowledge.reviews.schemas import PolicyWrite

EDITOR_ROLES = ("knowledge_editor",)  # and admin (Actor.has_any)


@dataclass(frozen=True)
class EffectivePolicy:
    """The review policy that applies to a kind, and where it comes from."""

    kind: str
    members: list[str]
    quorum_kind: QuorumKind
    quorum_value: int
    source: str  # kind, default or built_in
    stored: ReviewPolicy | None  # this kind's own row, when it has one


async def effective_policies(uow: UnitOfWork) -> list[EffectivePolicy]:
    """The default policy, then each kind's: its own, else the default's, else the built-in one."""
    stored = await uow.repo(PolicyRepository).of([DEFAULT_POLICY, *(k.value for k in ArticleKind)])
    found = []
    for kind in [DEFAULT_POLICY, *(k.value for k in ArticleKind)]:
        row = stored.get(kind) or stored.get(DEFAULT_POLICY)
        if row is None:
            found.append(EffectivePolicy(kind, list(BUILT_IN_MEMBERS), *BUILT_IN_QUORUM, "built_in", None))
        else:
            own = row.kind == kind
            found.append(EffectivePolicy(kind, list(row.members), QuorumKind(row.quorum_kind), row.quorum_value,
                                         "kind" if own and kind != DEFAULT_POLICY else "default",
                                         row if own else None))
    return found


async def effective_policy(uow: UnitOfWork, kind: str) -> EffectivePolicy:
    """The policy that applies to articles of this kind (or the default one)."""
    return next(p for p in await effective_policies(uow) if p.kind == kind)


async def configure(uow: UnitOfWork, *, actor: Actor, kind: str, body: PolicyWrite) -> None:
    """Set who reviews a kind (or the default); reviews already open keep their reviewers."""
    members = list(dict.fromkeys(body.members))
    problem = check_policy(body.quorum.kind, body.quorum.value, members)
    if problem:
        raise ValidationProblem.field("quorum.value", problem)
    repo = uow.repo(PolicyRepository)
    row = (await repo.of([kind])).get(kind)
    values = {"members": members, "quorum_kind": body.quorum.kind.value, "quorum_value": body.quorum.value,
              "updated_by": actor.sub}
    fields = ("members", "quorum_kind", "quorum_value")
    before = {} if row is None else history.snapshot(row, fields)
    if row is None:
        await repo.add(ReviewPolicy(kind=kind, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()  # a new version even when only the JSON list changed
        await repo.flush()
    await uow.audit(actor=actor.sub, action="configure", entity_type="review_policy", entity_id=kind,
                    detail={"members": members, "quorum": body.quorum.model_dump(mode="json")},
                    changes=history.changes(before, {f: values[f] for f in fields}))


def _working(article: Article, revision: ArticleVersion | None) -> Article | ArticleVersion:
    return revision if revision is not None else article


def _authors(article: Article, revision: ArticleVersion | None) -> list[str]:
    """Who wrote the version under review: its contributors, and the article's author for a first version."""
    if revision is not None:
        return list(dict.fromkeys(revision.contributors or []))
    return list(dict.fromkeys([article.author, *(article.contributors or [])]))


async def submit(uow: UnitOfWork, *, actor: Actor, article: Article, comment: str | None) -> ArticleReview:
    """Send the working draft (or revision) for review; its reviewers and quorum are frozen now."""
    articles.require_owner(actor, article, "submit")
    state, revision = await articles.state_of(uow, article)
    after = check(state, Action.SUBMIT)
    working = _working(article, revision)
    if not working.body.strip():
        raise ValidationProblem.field("body", "the article has no text yet; write it before sending it for review")
    if revision is not None and all(getattr(revision, n) == getattr(article, n) for n in CONTENT):
        raise Conflict("the revision does not change the published version; edit it, discard it, or confirm the "
                       "published version current (POST …/confirm-review)")
    policy = await effective_policy(uow, working.kind)
    open_group = not policy.members
    authors = _authors(article, revision)
    reviewers = [] if open_group else eligible_reviewers(policy.members, authors)
    if not open_group and not reachable(policy.quorum_kind, policy.quorum_value, len(reviewers)):
        raise Conflict(
            f"the review group for {working.kind} articles has {len(reviewers)} eligible member(s) once the "
            f"authors ({', '.join(authors)}) are left out, too few for its quorum of {policy.quorum_value}"
            f"{' %' if policy.quorum_kind is QuorumKind.PERCENTAGE else ''}; configure it at "
            f"/knowledge/v1/review-policies/{working.kind}", reviewers=reviewers)
    number = articles.under_review_number(article, revision)
    review = await uow.repo(ReviewRepository).add(ArticleReview(
        article_id=article.id, version=number, revision=revision is not None, kind=working.kind,
        state=ReviewState.OPEN.value, policy=policy.kind if policy.source == "kind" else policy.source,
        open_group=open_group, reviewers=reviewers, authors=authors, quorum_kind=policy.quorum_kind.value,
        quorum_value=policy.quorum_value, comment=comment, submitted_by=actor.sub, submitted_at=utcnow()))
    await articles.mark_in_review(uow, article=article, revision=revision)
    await uow.audit(actor=actor.sub, action="submit", entity_type="article", entity_id=article.id,
                    from_state=state.value, to_state=after.value,
                    detail={"review_id": str(review.id), "version": number, "reviewers": reviewers,
                            "open_group": open_group, "comment": comment})
    await uow.record(ArticleSubmitted(
        id=article.id, version=number, title=working.title, kind=working.kind, review_id=review.id,
        submitted_by=actor.sub, reviewers=reviewers, quorum_kind=policy.quorum_kind.value,
        quorum_value=policy.quorum_value, revision=revision is not None), actor=actor.sub)
    return review


async def _open_review(uow: UnitOfWork, article: Article, action: Action
                       ) -> tuple[ArticleReview, ArticleVersion | None]:
    state, revision = await articles.state_of(uow, article)
    check(state, action)
    review = await uow.repo(ReviewRepository).open_of(article.id)
    if review is None:  # in review without an open review: only a hand-edited database gets here
        raise InvalidTransition(entity="article review", state="none open", action=action.value, allowed=[])
    return review, revision


def _comments(votes: list[ReviewVote]) -> list[dict[str, Any]]:
    return [{"voter": v.voter, "decision": v.decision, "comment": v.comment} for v in votes]


async def _require_reviewer(uow: UnitOfWork, actor: Actor, article: Article) -> None:
    """403 unless the actor may review this article at all: a knowledge editor, or a reviewer named on its open
    review. Decided before the article's state, so a refusal tells nothing about it."""
    if actor.has_any(*EDITOR_ROLES):
        return
    review = await uow.repo(ReviewRepository).open_of(article.id)
    if review is not None and actor.sub in review.authors:
        return  # refused next with the reason that says more: an author never approves their own article
    if review is None or review.open_group or actor.sub not in review.reviewers:
        raise Forbidden(f"{actor.sub} is not a reviewer of this article: knowledge editors and the reviewers a "
                        "review names vote", reason="not_a_reviewer", required_roles=list(EDITOR_ROLES))


async def vote(uow: UnitOfWork, *, actor: Actor, article: Article, decision: Decision, comment: str | None
               ) -> ArticleReview:
    """Record a reviewer's vote; when it decides the review, publish the version or return it to draft."""
    await _require_reviewer(uow, actor, article)
    review, revision = await _open_review(uow, article, Action.VOTE)
    reviews = uow.repo(ReviewRepository)
    cast = (await reviews.votes([review.id]))[review.id]
    refusal = vote_refusal(actor.sub, is_editor=actor.has_any(*EDITOR_ROLES), authors=review.authors,
                           open_group=review.open_group, reviewers=review.reviewers, voted=[v.voter for v in cast])
    if refusal is not None:
        raise refusal
    if decision is Decision.REJECT and not comment:
        raise ValidationProblem.field("comment", "say what to change: the authors get it with the draft")
    cast.append(await reviews.add_vote(ReviewVote(review_id=review.id, article_id=article.id, voter=actor.sub,
                                                  decision=decision.value, comment=comment, cast_at=utcnow())))
    decisions = [v.decision for v in cast]
    approvals = decisions.count(Decision.APPROVE.value)
    await uow.audit(actor=actor.sub, action="review_vote", entity_type="article", entity_id=article.id,
                    detail={"review_id": str(review.id), "version": review.version, "decision": decision.value,
                            "comment": comment})
    await uow.record(ArticleVoteCast(
        id=article.id, version=review.version, review_id=review.id, voter=actor.sub, decision=decision.value,
        comment=comment, approvals=approvals, rejections=len(decisions) - approvals), actor=actor.sub)
    result = outcome(QuorumKind(review.quorum_kind), review.quorum_value,
                     seats=seats(open_group=review.open_group, reviewers=review.reviewers,
                                 quorum_value=review.quorum_value), decisions=decisions)
    if result is StepState.ACCEPTED:
        review.state, review.decided_by, review.decided_at = ReviewState.APPROVED.value, actor.sub, utcnow()
        await reviews.flush()
        kind = _working(article, revision).kind
        await articles.publish(uow, article=article, revision=revision, published_by=actor.sub,
                               interval_days=await interval_for(uow, kind), on=today())
    elif result is StepState.REFUSED:
        review.state, review.decided_by, review.decided_at = ReviewState.REJECTED.value, actor.sub, utcnow()
        await reviews.flush()
        await _return(uow, article=article, revision=revision, review=review, votes=cast, reason="rejected",
                      by=actor.sub)
    return review


async def withdraw(uow: UnitOfWork, *, actor: Actor, article: Article) -> ArticleReview:
    """Take the version under review back to draft (to change it); the votes so far go with it."""
    articles.require_owner(actor, article, "withdraw")
    review, revision = await _open_review(uow, article, Action.WITHDRAW)
    reviews = uow.repo(ReviewRepository)
    review.state, review.decided_by, review.decided_at = ReviewState.WITHDRAWN.value, actor.sub, utcnow()
    await reviews.flush()
    cast = (await reviews.votes([review.id]))[review.id]
    await _return(uow, article=article, revision=revision, review=review, votes=cast, reason="withdrawn",
                  by=actor.sub)
    return review


async def _return(uow: UnitOfWork, *, article: Article, revision: ArticleVersion | None, review: ArticleReview,
                  votes: list[ReviewVote], reason: str, by: str) -> None:
    state, _ = await articles.state_of(uow, article)
    comments = _comments(votes)
    await articles.return_to_draft(uow, article=article, revision=revision, comments=comments or None)
    await uow.audit(actor=by, action="return_to_draft", entity_type="article", entity_id=article.id,
                    from_state=state.value, to_state=RETURNED[state].value,
                    detail={"review_id": str(review.id), "reason": reason, "comments": comments})
    await uow.record(ArticleReturnedToDraft(
        id=article.id, version=review.version, review_id=review.id, reason=reason, by=by,
        comments=[CommentData(voter=v.voter, decision=v.decision, comment=v.comment) for v in votes]), actor=by)

