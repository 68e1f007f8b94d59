"""Every query of the readiness projection (CMDB, knowledge, operations bookings, linked changes) and acceptances."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.handover import rules
from tandem_portfolio.handover.models import HandoverAcceptance
from tandem_portfolio.handover.projection import ArticleLink, KnownArticle, KnownCI, OperationsBooking, ProjectChange
from tandem_portfolio.status.projection import KnownPerson


class ReadinessProjection:
    """What other services announced that the handover gate reads."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # The CMDB.

    async def ci(self, ci_id: uuid.UUID) -> KnownCI | None:
        return await self.session.get(KnownCI, ci_id)

    def add_ci(self, ci: KnownCI) -> None:
        self.session.add(ci)

    async def cmdb_items(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, rules.CmdbItem]:
        """The known CIs and services among these ids."""
        if not ids:
            return {}
        stmt = sa.select(KnownCI).where(KnownCI.ci_id.in_(list(ids)))
        return {ci.ci_id: rules.CmdbItem(ci.ci_id, ci.name, ci.status, ci.registered_at, ci.retired_at)
                for ci in (await self.session.execute(stmt)).scalars()}

    # Knowledge.

    async def article(self, article_id: uuid.UUID) -> KnownArticle | None:
        return await self.session.get(KnownArticle, article_id)

    def add_article(self, article: KnownArticle) -> None:
        self.session.add(article)

    async def replace_links(self, article_id: uuid.UUID, links: Collection[tuple[str, str]]) -> None:
        """The CIs and services the article documents become these (kind, ref) pairs."""
        await self.session.flush()  # the article row first: links refer to it
        await self.session.execute(sa.delete(ArticleLink).where(ArticleLink.article_id == article_id))
        if links:
            await self.session.execute(sa.insert(ArticleLink), [
                {"article_id": article_id, "kind": kind, "ref": ref} for kind, ref in sorted(set(links))])

    async def published_runbooks(self, project_id: uuid.UUID, refs: Collection[str]) -> list[rules.Article]:
        """Published runbooks and known errors of the project, or documenting one of these CIs or services."""
        linked = sa.select(ArticleLink.article_id).where(ArticleLink.ref.in_(list(refs)))
        stmt = (sa.select(KnownArticle)
                .where(KnownArticle.published.is_(True), KnownArticle.kind.in_(sorted(rules.RUNBOOK_KINDS)),
                       sa.or_(KnownArticle.project_id == project_id, KnownArticle.article_id.in_(linked))))
        articles = list((await self.session.execute(stmt)).scalars())
        documents: dict[uuid.UUID, set[str]] = {a.article_id: set() for a in articles}
        if articles:
            links = sa.select(ArticleLink.article_id, ArticleLink.ref).where(
                ArticleLink.article_id.in_(list(documents)))
            for article_id, ref in (await self.session.execute(links)).all():
                documents[article_id].add(ref)
        return [rules.Article(a.article_id, a.title, a.kind, a.project_id, a.published_at,  # type: ignore[arg-type]
                              frozenset(documents[a.article_id])) for a in articles]

    # Capacity's operations bookings.

    async def operations_booking(self, booking_id: uuid.UUID) -> OperationsBooking | None:
        return await self.session.get(OperationsBooking, booking_id)

    def add_operations_booking(self, booking: OperationsBooking) -> None:
        self.session.add(booking)

    async def team_operations_bookings(self, team: str) -> list[rules.OperationsBooking]:
        """Every live run work and on-call booking of the team's people (to say what falls short)."""
        stmt = (sa.select(OperationsBooking, KnownPerson.name, KnownPerson.team)
                .join(KnownPerson, KnownPerson.person_id == OperationsBooking.person_id)
                .where(OperationsBooking.released.is_(False),
                       sa.func.lower(KnownPerson.team) == team.strip().lower()))
        return [rules.OperationsBooking(b.booking_id, name, team_, b.start, b.end, b.hours, b.booked_at)
                for b, name, team_ in (await self.session.execute(stmt)).all()]

    # Changes linked to projects.

    async def change(self, change_id: uuid.UUID) -> ProjectChange | None:
        return await self.session.get(ProjectChange, change_id)

    def add_change(self, change: ProjectChange) -> None:
        self.session.add(change)

    async def changes_of(self, project_id: uuid.UUID) -> list[rules.LinkedChange]:
        """The changes linked to the project."""
        stmt = sa.select(ProjectChange).where(ProjectChange.project_id == project_id).order_by(ProjectChange.change_id)
        return [rules.LinkedChange(c.change_id, c.state, c.outcome, c.approved_at, c.implemented_at, c.canceled_at)
                for c in (await self.session.execute(stmt)).scalars()]


class AcceptanceRepository:
    """Handover acceptances."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, project_id: uuid.UUID) -> HandoverAcceptance | None:
        return await self.session.get(HandoverAcceptance, project_id)

    async def add(self, acceptance: HandoverAcceptance) -> HandoverAcceptance:
        self.session.add(acceptance)
        await self.session.flush()
        return acceptance


def link_refs(ids: Sequence[str]) -> list[str]:
    """Ids as knowledge gave them, normalised to the canonical text of a UUID when they are one."""
    refs = []
    for raw in ids:
        try:
            refs.append(str(uuid.UUID(str(raw))))
        except ValueError:
            refs.append(str(raw).strip())
    return [ref for ref in refs if ref][:500]
