"""Every query of review policies, reviews and votes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_knowledge.articles.repository import holds
from tandem_knowledge.reviews.models import ArticleReview, ReviewPolicy, ReviewVote
from tandem_knowledge.reviews.rules import ReviewState


class PolicyRepository:
    """Reviewer policies per kind."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, kinds: Sequence[str]) -> dict[str, ReviewPolicy]:
        """The stored policies of these kinds, by kind."""
        stmt = sa.select(ReviewPolicy).where(ReviewPolicy.kind.in_(kinds))
        return {p.kind: p for p in (await self.session.execute(stmt)).scalars()}

    async def add(self, policy: ReviewPolicy) -> ReviewPolicy:
        self.session.add(policy)
        await self.session.flush()
        return policy

    async def flush(self) -> None:
        await self.session.flush()


class ReviewRepository(EntityRepository[ArticleReview]):
    """Reviews of article versions and their votes."""

    model, noun = ArticleReview, "review"

    async def open_of(self, article_id: uuid.UUID) -> ArticleReview | None:
        """The article's open review, if any."""
        stmt = sa.select(ArticleReview).where(ArticleReview.article_id == article_id,
                                              ArticleReview.state == ReviewState.OPEN)
        return (await self.session.execute(stmt)).scalars().first()

    async def of_article(self, article_id: uuid.UUID) -> Sequence[ArticleReview]:
        """The article's reviews, newest first."""
        stmt = (sa.select(ArticleReview).where(ArticleReview.article_id == article_id)
                .order_by(ArticleReview.submitted_at.desc(), ArticleReview.id.desc()))
        return (await self.session.execute(stmt)).scalars().all()

    async def votes(self, review_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ReviewVote]]:
        """The votes of each review, in the order cast."""
        found: dict[uuid.UUID, list[ReviewVote]] = {rid: [] for rid in review_ids}
        if found:
            stmt = (sa.select(ReviewVote).where(ReviewVote.review_id.in_(found))
                    .order_by(ReviewVote.cast_at, ReviewVote.id))
            for vote in (await self.session.execute(stmt)).scalars():
                found[vote.review_id].append(vote)
        return found

    async def add_vote(self, vote: ReviewVote) -> ReviewVote:
        self.session.add(vote)
        await self.session.flush()
        return vote

    async def flush(self) -> None:
        await self.session.flush()

    async def page(self, page: PageParams, *, state: str | None, kind: str | None, reviewer: str | None
                   ) -> tuple[Sequence[ArticleReview], str | None]:
        """Reviews newest first; `reviewer`: open reviews that person may still vote on."""
        stmt = sa.select(ArticleReview)
        if state:
            stmt = stmt.where(ArticleReview.state == state)
        if kind:
            stmt = stmt.where(ArticleReview.kind == kind)
        if reviewer:
            voted = sa.exists(sa.select(1).where(ReviewVote.review_id == ArticleReview.id,
                                                 ReviewVote.voter == reviewer))
            stmt = stmt.where(
                ArticleReview.state == ReviewState.OPEN, sa.not_(voted),
                sa.not_(holds(self.session, ArticleReview.authors, reviewer)),
                sa.or_(ArticleReview.open_group, holds(self.session, ArticleReview.reviewers, reviewer)))
        return await keyset_page(self.session, stmt, sort=ArticleReview.submitted_at, tiebreak=ArticleReview.id,
                                 descending=True, page=page)
