"""Every query of gate configurations, gate reviews and votes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.db import utcnow
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.gates.models import GateConfig, GateReview, GateVote

OPEN = "open"


class GateConfigRepository:
    """Each portfolio's gate configurations."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, portfolio: str, gate: str) -> GateConfig | None:
        stmt = sa.select(GateConfig).where(GateConfig.portfolio == portfolio, GateConfig.gate == gate)
        return (await self.session.execute(stmt)).scalars().first()

    async def of(self, portfolios: Sequence[str]) -> dict[tuple[str, str], GateConfig]:
        """The stored configurations of these portfolios, by (portfolio, gate)."""
        stmt = sa.select(GateConfig).where(GateConfig.portfolio.in_(portfolios))
        return {(c.portfolio, c.gate): c for c in (await self.session.execute(stmt)).scalars()}

    async def add(self, config: GateConfig) -> GateConfig:
        self.session.add(config)
        await self.session.flush()
        return config


class GateReviewRepository(EntityRepository[GateReview]):
    """Gate reviews and their votes."""

    model, noun = GateReview, "gate review"

    async def locked(self, review_id: uuid.UUID) -> GateReview | None:
        """The review, its row locked until the transaction ends (PostgreSQL): votes on it are taken one at a time."""
        stmt = sa.select(GateReview).where(GateReview.id == review_id).with_for_update()
        return (await self.session.execute(stmt.execution_options(populate_existing=True))).scalars().first()

    async def open_of(self, project_id: uuid.UUID) -> GateReview | None:
        stmt = sa.select(GateReview).where(GateReview.project_id == project_id, GateReview.state == OPEN)
        return (await self.session.execute(stmt)).scalars().first()

    async def add_open(self, review: GateReview) -> GateReview | None:
        """Insert an open review; None, or the project's review already open when that one keeps it out."""
        # A concurrent opener may have inserted its review after our check for an open one: on PostgreSQL the
        # insert then waits for it to commit and fails on ix_gate_reviews_one_open_per_project. The savepoint keeps
        # the transaction usable, so the review that won can be read and named in a 409.
        try:
            async with self.session.begin_nested():
                self.session.add(review)
                await self.session.flush()
        except IntegrityError:
            winner = await self.open_of(review.project_id)
            if winner is None:
                raise  # another constraint: a real fault
            return winner
        return None

    async def page(self, project_id: uuid.UUID, gate: str, page: PageParams
                   ) -> tuple[Sequence[GateReview], str | None]:
        stmt = sa.select(GateReview).where(GateReview.project_id == project_id, GateReview.gate == gate)
        return await keyset_page(self.session, stmt, sort=GateReview.opened_at, tiebreak=GateReview.id,
                                 descending=True, page=page)

    async def votes(self, review_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[GateVote]]:
        """The votes of each review, in the order cast."""
        found: dict[uuid.UUID, list[GateVote]] = {rid: [] for rid in review_ids}
        if found:
            stmt = sa.select(GateVote).where(GateVote.review_id.in_(found)).order_by(GateVote.cast_at, GateVote.id)
            for vote in (await self.session.execute(stmt)).scalars():
                found[vote.review_id].append(vote)
        return found

    def add_vote(self, vote: GateVote) -> GateVote:
        self.session.add(vote)
        return vote

    async def cancel_open(self, project_id: uuid.UUID, *, but: uuid.UUID | None = None) -> list[uuid.UUID]:
        """Cancel the project's open review (it left the stage the review was for); return what was canceled."""
        review = await self.open_of(project_id)
        if review is None or review.id == but:
            return []
        review.state, review.decided_at = "canceled", utcnow()
        return [review.id]
