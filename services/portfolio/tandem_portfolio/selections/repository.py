"""Every query of selection runs, and of the facts a run is built from (projects, demand, cases, scores)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.business_cases.models import BusinessCase, BusinessCaseLine
from tandem_portfolio.capacity_outlook.repository import DEFAULT_POOL, CapacityOutlookRepository
from tandem_portfolio.demand.models import DemandLine
from tandem_portfolio.projects.models import Project
from tandem_portfolio.scoring.models import ProjectScore, ScoringModel
from tandem_portfolio.selections.builder import DemandFact, OutlookFacts, ProjectFacts
from tandem_portfolio.selections.models import Selection


@dataclass(frozen=True)
class CandidateFilter:
    """Which projects compete (each filter any of; all filters apply)."""

    stages: Collection[str] = ()
    categories: Collection[str] = ()
    project_ids: Collection[uuid.UUID] = ()

    def ids(self) -> sa.Select[Any]:
        stmt = sa.select(Project.id)
        for column, values in ((Project.stage, self.stages), (Project.category, self.categories),
                               (Project.id, self.project_ids)):
            if values:
                stmt = stmt.where(column.in_(list(values)))
        return stmt


@dataclass(frozen=True)
class CaseRows:
    """A business case's currency, rate, horizon start and lines (month number, kind, amount)."""

    currency: str
    discount_rate: float
    horizon_start: int
    lines: list[tuple[int, str, Decimal]]


class SelectionRepository(EntityRepository[Selection]):
    """Selection runs and the facts they are built from."""

    model, noun = Selection, "selection"

    async def page(self, page: PageParams, *, status: str | None = None, created_by: str | None = None,
                   committed: bool | None = None) -> tuple[Sequence[Selection], str | None]:
        """Runs newest first (ties by id), filtered."""
        stmt = sa.select(Selection)
        if status:
            stmt = stmt.where(Selection.status == status)
        if created_by:
            stmt = stmt.where(Selection.created_by == created_by)
        if committed is not None:
            stmt = stmt.where(Selection.committed_at.is_not(None) if committed else Selection.committed_at.is_(None))
        return await keyset_page(self.session, stmt, sort=Selection.created_at, tiebreak=Selection.id,
                                 descending=True, page=page)

    async def lock_or_404(self, selection_id: uuid.UUID) -> Selection:
        """The run, its row locked until commit (a commit and a worker do not race on it)."""
        stmt = sa.select(Selection).where(Selection.id == selection_id).with_for_update()
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return found if found is not None else await self.get_or_404(selection_id)

    async def claim_next(self, *, now: datetime, stale_before: datetime) -> Selection | None:
        """Take the oldest queued run (or one left running by a worker that died) and mark it running."""
        pick = (sa.select(Selection.id)
                .where(sa.or_(Selection.status == "queued",
                              sa.and_(Selection.status == "running", Selection.started_at < stale_before)))
                .order_by(Selection.created_at, Selection.id).limit(1)
                .with_for_update(skip_locked=True))
        selection_id = (await self.session.execute(pick)).scalar_one_or_none()
        if selection_id is None:
            return None
        selection = await self.get_or_404(selection_id)
        selection.status, selection.started_at = "running", now
        await self.session.flush()
        return selection

    # The facts a run is built from.

    async def candidates(self, which: CandidateFilter) -> list[ProjectFacts]:
        stmt = (sa.select(Project.id, Project.name, Project.category, Project.stage, Project.start_date)
                .where(Project.id.in_(which.ids())).order_by(Project.id))
        return [ProjectFacts(id=r.id, name=r.name, category=r.category, stage=r.stage, start_date=r.start_date)
                for r in await self.session.execute(stmt)]

    async def demand(self, which: CandidateFilter) -> dict[uuid.UUID, list[DemandFact]]:
        stmt = (sa.select(DemandLine.project_id, DemandLine.skill, DemandLine.hours_per_week, DemandLine.start,
                          DemandLine.end, DemandLine.person_id)
                .where(DemandLine.project_id.in_(which.ids())).order_by(DemandLine.project_id, DemandLine.position))
        found: dict[uuid.UUID, list[DemandFact]] = {}
        for r in await self.session.execute(stmt):
            found.setdefault(r.project_id, []).append(DemandFact(skill=r.skill, hours_per_week=r.hours_per_week,
                                                                 start=r.start, end=r.end,
                                                                 named=r.person_id is not None))
        return found

    async def cases(self, which: CandidateFilter) -> dict[uuid.UUID, CaseRows]:
        ids = which.ids()
        cases = {r.project_id: CaseRows(r.currency, r.discount_rate, r.horizon_start, []) for r in
                 await self.session.execute(sa.select(BusinessCase.project_id, BusinessCase.currency,
                                                      BusinessCase.discount_rate, BusinessCase.horizon_start)
                                            .where(BusinessCase.project_id.in_(ids)))}
        lines = (sa.select(BusinessCaseLine.project_id, BusinessCaseLine.month, BusinessCaseLine.kind,
                           BusinessCaseLine.amount)
                 .where(BusinessCaseLine.project_id.in_(ids))
                 .order_by(BusinessCaseLine.project_id, BusinessCaseLine.month, BusinessCaseLine.position))
        for r in await self.session.execute(lines):
            cases[r.project_id].lines.append((r.month, r.kind, Decimal(r.amount)))
        return cases

    async def scores(self, model_id: uuid.UUID) -> dict[uuid.UUID, float] | None:
        """Each project's stored score under the model; None when there is no such model."""
        if await self.session.get(ScoringModel, model_id) is None:
            return None
        rows = await self.session.execute(sa.select(ProjectScore.project_id, ProjectScore.score)
                                          .where(ProjectScore.model_id == model_id))
        return {pid: float(score) for pid, score in rows}

    async def outlook(self) -> OutlookFacts | None:
        row = await CapacityOutlookRepository(self.session).get(DEFAULT_POOL)
        if row is None:
            return None
        return OutlookFacts(first_week=row.first_week, week_count=row.week_count,
                            free={skill: figures["free"] for skill, figures in row.skills.items()})

    # What a commit changes.

    async def lock_projects(self, ids: Collection[uuid.UUID]) -> list[Project]:
        """These projects, locked until commit in id order (so two commits cannot deadlock)."""
        if not ids:
            return []
        stmt = sa.select(Project).where(Project.id.in_(list(ids))).order_by(Project.id).with_for_update()
        return list((await self.session.execute(stmt)).scalars().all())

    async def demand_lines(self, project_id: uuid.UUID) -> Sequence[DemandLine]:
        stmt = sa.select(DemandLine).where(DemandLine.project_id == project_id).order_by(DemandLine.position)
        return (await self.session.execute(stmt)).scalars().all()
