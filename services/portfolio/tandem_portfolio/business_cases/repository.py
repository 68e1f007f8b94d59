"""Every query of business cases, their lines, realised benefits and the portfolio cash flow."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import new_id
from tandem_shared.errors import NotFound

from tandem_portfolio.business_cases.models import (
    YEAR_COLUMNS,
    BenefitRealisation,
    BusinessCase,
    BusinessCaseLine,
    business_case_years,
)
from tandem_portfolio.projects.models import Project

Line = BusinessCaseLine
Years = business_case_years


def cents_to_money(cents: Any) -> Decimal:
    """An integral number of cents (int, float or Decimal from SUM) as money with two places."""
    return Decimal(int(cents or 0)).scaleb(-2)


@dataclass(frozen=True)
class Selection:
    """Which projects a projection sums: by stage and category, or named."""

    stages: Collection[str] = ()
    categories: Collection[str] = ()
    project_ids: Collection[uuid.UUID] = ()

    def where(self) -> list[sa.ColumnElement[bool]]:
        clauses = []
        for column, values in ((Project.stage, self.stages), (Project.category, self.categories),
                               (Project.id, self.project_ids)):
            if values:
                clauses.append(column.in_(list(values)))
        return clauses


class BusinessCaseRepository:
    """Business cases, lines and realised benefits of one project at a time."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_project(self, project_id: uuid.UUID) -> Project:
        """The project, its row locked until commit so writes to its case queue up (PostgreSQL; SQLite has one
        writer anyway); 404 when there is none."""
        # NO KEY UPDATE: rows of other tables may still reference the project meanwhile.
        stmt = sa.select(Project).where(Project.id == project_id).with_for_update(key_share=True)
        project = (await self.session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
        if project is None:
            raise NotFound(f"no project with id {project_id}")
        return project

    async def project(self, project_id: uuid.UUID) -> Project:
        """The project, or 404."""
        project = await self.session.get(Project, project_id)
        if project is None:
            raise NotFound(f"no project with id {project_id}")
        return project

    async def case(self, project_id: uuid.UUID) -> BusinessCase | None:
        return await self.session.get(BusinessCase, project_id)

    async def lines(self, project_id: uuid.UUID) -> Sequence[BusinessCaseLine]:
        stmt = sa.select(Line).where(Line.project_id == project_id).order_by(Line.position)
        return (await self.session.execute(stmt)).scalars().all()

    async def add_case(self, case: BusinessCase) -> BusinessCase:
        self.session.add(case)
        await self.session.flush()
        return case

    async def replace_lines(self, project_id: uuid.UUID, rows: list[dict[str, Any]],
                            years: list[dict[str, Any]]) -> None:
        """Replace the case's lines and their sums per year (one multi-row insert each)."""
        await self.session.execute(sa.delete(Line).where(Line.project_id == project_id),
                                   execution_options={"synchronize_session": False})
        await self.session.execute(sa.delete(Years).where(Years.c.project_id == project_id))
        if rows:
            await self.session.execute(sa.insert(Line), [{"id": new_id(), "project_id": project_id, **row}
                                                         for row in rows])
        if years:
            await self.session.execute(sa.insert(Years), [{"project_id": project_id, **row} for row in years])

    async def has_realisations(self, project_id: uuid.UUID) -> bool:
        stmt = sa.select(BenefitRealisation.id).where(BenefitRealisation.project_id == project_id).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def realisations(self, project_id: uuid.UUID) -> Sequence[BenefitRealisation]:
        stmt = sa.select(BenefitRealisation).where(BenefitRealisation.project_id == project_id) \
            .order_by(BenefitRealisation.month, BenefitRealisation.recorded_at, BenefitRealisation.id)
        return (await self.session.execute(stmt)).scalars().all()

    async def add_realisation(self, realisation: BenefitRealisation) -> BenefitRealisation:
        self.session.add(realisation)
        await self.session.flush()
        return realisation


class CashFlowRepository:
    """The portfolio's planned amounts summed per currency, period and kind in the database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sums(self, selection: Selection, *, to_year: int | None) -> list[tuple[str, int, tuple[int, ...]]]:
        """(currency, year, cents of capex_01 … benefit_12) summed over the selected projects, up to `to_year`."""
        stmt = (
            sa.select(BusinessCase.currency, Years.c.year, *(sa.func.sum(Years.c[name]) for name in YEAR_COLUMNS))
            .select_from(Project)
            .join(BusinessCase, BusinessCase.project_id == Project.id)
            .join(Years, Years.c.project_id == Project.id)
            .where(*selection.where())
            .group_by(BusinessCase.currency, Years.c.year)
        )
        if to_year is not None:
            stmt = stmt.where(Years.c.year <= to_year)
        return [(row[0], row[1], tuple(int(cents) for cents in row[2:])) for row in await self.session.execute(stmt)]

    async def projects_per_currency(self, selection: Selection) -> dict[str, int]:
        """How many selected projects have a business case in each currency."""
        stmt = (sa.select(BusinessCase.currency, sa.func.count())
                .select_from(Project).join(BusinessCase, BusinessCase.project_id == Project.id)
                .where(*selection.where()).group_by(BusinessCase.currency))
        return dict((await self.session.execute(stmt)).all())
