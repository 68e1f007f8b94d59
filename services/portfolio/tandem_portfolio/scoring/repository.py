"""Every query of scoring models, inputs, stored scores and the ranking."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams, encode_cursor
from tandem_shared.errors import NotFound, ValidationProblem
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.objectives.models import StrategicObjective
from tandem_portfolio.projects.models import Project, ProjectObjective
from tandem_portfolio.scoring.models import INPUT_FIELDS, ProjectScore, ScoringInputs, ScoringModel

Score = ProjectScore


@dataclass(frozen=True)
class Ranked:
    """A row of the ranking."""

    rank: int
    project_id: uuid.UUID
    project_name: str
    stage: str
    category: str
    score: float
    explanation: dict[str, Any]


def _ranking_cursor(cursor: tuple[Any, ...]) -> tuple[float, uuid.UUID]:
    try:
        score, project_id = cursor
        return float(score), uuid.UUID(str(project_id))
    except (TypeError, ValueError) as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc


class ScoringModelRepository(EntityRepository[ScoringModel]):
    """Scoring models."""

    model, noun = ScoringModel, "scoring model"

    async def page(self, page: PageParams) -> tuple[Sequence[ScoringModel], str | None]:
        return await keyset_page(self.session, sa.select(ScoringModel), sort=ScoringModel.name,
                                 tiebreak=ScoringModel.id, descending=False, page=page)

    async def every(self, *, share_lock: bool = False) -> Sequence[ScoringModel]:
        """Every model by name; `share_lock` waits for a model being changed and keeps it until commit."""
        stmt = sa.select(ScoringModel).order_by(ScoringModel.id)
        if share_lock:
            stmt = stmt.with_for_update(read=True)  # FOR SHARE on PostgreSQL; SQLite has one writer anyway
        return (await self.session.execute(stmt.execution_options(populate_existing=True))).scalars().all()

    async def lock_or_404(self, model_id: uuid.UUID) -> ScoringModel:
        """The model, its row locked until commit (rescoring it excludes rescoring a project under it), or 404."""
        stmt = sa.select(ScoringModel).where(ScoringModel.id == model_id).with_for_update()
        model = (await self.session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
        if model is None:
            raise NotFound(f"no scoring model with id {model_id}")
        return model

    async def name_taken(self, name: str, *, other_than: uuid.UUID | None = None) -> bool:
        # lower() on both sides: SQLite's folds ASCII only, so Python's 'ô' missed a stored 'Ô' (then a 500).
        stmt = sa.select(ScoringModel.id).where(sa.func.lower(ScoringModel.name) == sa.func.lower(name))
        if other_than is not None:
            stmt = stmt.where(ScoringModel.id != other_than)
        return (await self.session.execute(stmt)).first() is not None

    async def delete(self, model: ScoringModel) -> None:
        await self.session.delete(model)
        await self.session.flush()


class ScoringRepository:
    """Inputs, strategic alignment and stored scores of projects."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def inputs(self, project_id: uuid.UUID) -> ScoringInputs | None:
        return await self.session.get(ScoringInputs, project_id)

    async def add_inputs(self, inputs: ScoringInputs) -> ScoringInputs:
        self.session.add(inputs)
        await self.session.flush()
        return inputs

    async def every_input(self) -> dict[uuid.UUID, dict[str, float | None]]:
        """Each project's inputs as plain values (one query, no ORM objects)."""
        columns = [getattr(ScoringInputs, name) for name in INPUT_FIELDS]
        rows = await self.session.execute(sa.select(ScoringInputs.project_id, *columns))
        return {row[0]: dict(zip(INPUT_FIELDS, row[1:], strict=True)) for row in rows}

    async def alignment_sums(self, project_ids: Collection[uuid.UUID] | None = None
                             ) -> tuple[float, dict[uuid.UUID, list[tuple[float, float]]]]:
        """The weight of every active objective, and each project's (weight, contribution) to active ones."""
        active = StrategicObjective.active.is_(True)
        total = (await self.session.execute(sa.select(sa.func.sum(StrategicObjective.weight)).where(active))).scalar()
        stmt = (sa.select(ProjectObjective.project_id, StrategicObjective.weight, ProjectObjective.contribution)
                .join(StrategicObjective, StrategicObjective.id == ProjectObjective.objective_id).where(active))
        if project_ids is not None:
            stmt = stmt.where(ProjectObjective.project_id.in_(list(project_ids)))
        pairs: dict[uuid.UUID, list[tuple[float, float]]] = {}
        for project_id, weight, contribution in await self.session.execute(stmt):
            pairs.setdefault(project_id, []).append((float(weight), float(contribution)))
        return float(total or 0), pairs

    async def scores_of_model(self, model_id: uuid.UUID) -> dict[uuid.UUID, float]:
        rows = await self.session.execute(sa.select(Score.project_id, Score.score).where(Score.model_id == model_id))
        return dict(rows.all())

    async def scores_of_project(self, project_id: uuid.UUID) -> dict[uuid.UUID, float]:
        """The project's score under each model that gives it one."""
        rows = await self.session.execute(sa.select(Score.model_id, Score.score).where(Score.project_id == project_id))
        return dict(rows.all())

    async def scores_with_models(self, project_id: uuid.UUID) -> Sequence[tuple[ProjectScore, ScoringModel]]:
        stmt = (sa.select(Score, ScoringModel).join(ScoringModel, ScoringModel.id == Score.model_id)
                .where(Score.project_id == project_id).order_by(ScoringModel.name))
        return [(score, model) for score, model in await self.session.execute(stmt)]

    async def score_of(self, model_id: uuid.UUID, project_id: uuid.UUID) -> ProjectScore | None:
        return await self.session.get(Score, (model_id, project_id))

    async def replace_scores(self, rows: list[dict[str, Any]], *, model_id: uuid.UUID | None = None,
                             project_id: uuid.UUID | None = None) -> None:
        """Delete the stored scores of a model or of a project, then insert these rows (one multi-row insert)."""
        where = Score.model_id == model_id if model_id is not None else Score.project_id == project_id
        await self.session.execute(sa.delete(Score).where(where), execution_options={"synchronize_session": False})
        if rows:
            await self.session.execute(sa.insert(Score), rows)

    async def ranking(self, model_id: uuid.UUID, page: PageParams, *, stages: Collection[str] = (),
                      categories: Collection[str] = ()) -> tuple[list[Ranked], str | None]:
        """One page of a model's scores, highest first (ties by project id), ranked among the listed projects."""
        filters = [Score.model_id == model_id]
        if stages:
            filters.append(Project.stage.in_(list(stages)))
        if categories:
            filters.append(Project.category.in_(list(categories)))
        stmt = (sa.select(Score.project_id, Score.score, Score.explanation, Project.name, Project.stage,
                          Project.category)
                .join(Project, Project.id == Score.project_id).where(*filters))
        before, last_score, last_rank = 0, None, 0
        if page.cursor is not None:
            last_score, last_id = _ranking_cursor(page.cursor)
            stmt = stmt.where(sa.or_(Score.score < last_score,
                                     sa.and_(Score.score == last_score, Score.project_id < last_id)))
            # The rank of the previous page's last row and how many rows came before this page.
            counts = (sa.select(sa.func.sum(sa.case((Score.score > last_score, 1), else_=0)), sa.func.count())
                      .select_from(Score).join(Project, Project.id == Score.project_id)
                      .where(*filters, sa.or_(Score.score > last_score,
                                              sa.and_(Score.score == last_score, Score.project_id >= last_id))))
            higher, before = (await self.session.execute(counts)).one()
            last_rank = int(higher or 0) + 1
        rows = (await self.session.execute(
            stmt.order_by(Score.score.desc(), Score.project_id.desc()).limit(page.limit + 1))).all()
        more = len(rows) > page.limit
        ranked = []
        for position, row in enumerate(rows[:page.limit], start=before + 1):
            last_rank = last_rank if row.score == last_score else position
            last_score = row.score
            ranked.append(Ranked(last_rank, row.project_id, row.name, row.stage, row.category, row.score,
                                 row.explanation))
        cursor = encode_cursor((ranked[-1].score, str(ranked[-1].project_id))) if more else None
        return ranked, cursor
