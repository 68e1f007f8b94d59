"""Scoring use cases: models and inputs change, scores are recomputed and stored with their explanations."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectScored
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.business_cases.repository import BusinessCaseRepository
from tandem_portfolio.business_cases.service import ensure_editor
from tandem_portfolio.scoring import rules
from tandem_portfolio.scoring.models import INPUT_FIELDS, ScoringInputs, ScoringModel
from tandem_portfolio.scoring.repository import ScoringModelRepository, ScoringRepository
from tandem_portfolio.scoring.schemas import ScoringInputsWrite, ScoringModelWrite

FORMULAS = {"weighted": rules.WEIGHTED_FORMULA, "wsjf": rules.WSJF_FORMULA, "rice": rules.RICE_FORMULA}


def uses_alignment(model: ScoringModel) -> bool:
    return model.kind == "weighted" and model.weights.get("strategic_alignment", 0) > 0


def _alignments(total: float, pairs: Mapping[uuid.UUID, list[tuple[float, float]]],
                projects: Collection[uuid.UUID]) -> dict[uuid.UUID, float | None]:
    return {pid: rules.alignment(pairs.get(pid, []), total) for pid in projects}


def _score(model: ScoringModel, inputs: Mapping[str, float | None], alignment: float | None) -> rules.Score:
    result = rules.score(model.kind, model.weights, {**inputs, "strategic_alignment": alignment})
    if uses_alignment(model):
        note = rules.ALIGNMENT_FORMULA if alignment is not None else "no active strategic objectives: no alignment"
        result = rules.Score(result.kind, result.score, result.formula, result.terms, result.missing,
                             (*result.notes, note))
    return result


async def _store(uow: UnitOfWork, model: ScoringModel, scores: dict[uuid.UUID, rules.Score],
                 before: Mapping[uuid.UUID, float], actor: str) -> int:
    """Publish each score that changed (a new one, another value, or gone); returns how many changed."""
    changed = 0
    for project_id in sorted(scores.keys() | before.keys()):
        new = scores[project_id].score if project_id in scores else None
        if new != before.get(project_id):
            changed += 1
            await uow.record(ProjectScored(project_id=project_id, model_id=model.id, model_name=model.name,
                                           kind=model.kind, score=new), actor=actor)
    return changed


def _rows(model: ScoringModel, scores: dict[uuid.UUID, rules.Score]) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"model_id": model.id, "project_id": pid, "score": s.score, "explanation": s.explanation(),
             "computed_at": now} for pid, s in scores.items() if s.score is not None]


def _scored(model: ScoringModel, inputs: Mapping[uuid.UUID, Mapping[str, float | None]],
            alignments: Mapping[uuid.UUID, float | None]) -> dict[uuid.UUID, rules.Score]:
    """The projects the model gives a score (inputs missing: none)."""
    scores = {pid: _score(model, values, alignments.get(pid)) for pid, values in inputs.items()}
    return {pid: score for pid, score in scores.items() if score.score is not None}


async def recompute_model(uow: UnitOfWork, model: ScoringModel, *, actor: str) -> tuple[int, int]:
    """Score every project with inputs under the model (locked or new); returns (projects scored, scores changed)."""
    repo = uow.repo(ScoringRepository)
    inputs = await repo.every_input()
    alignments = _alignments(*await repo.alignment_sums(), inputs.keys()) if uses_alignment(model) else {}
    scores = _scored(model, inputs, alignments)
    before = await repo.scores_of_model(model.id)
    await repo.replace_scores(_rows(model, scores), model_id=model.id)
    return len(scores), await _store(uow, model, scores, before, actor)


async def recompute_project(uow: UnitOfWork, project_id: uuid.UUID, *, actor: str) -> None:
    """Score one project under every model (its inputs changed)."""
    repo = uow.repo(ScoringRepository)
    stored = await repo.inputs(project_id)
    inputs = {project_id: {name: getattr(stored, name) for name in INPUT_FIELDS}} if stored else {}
    alignments = _alignments(*await repo.alignment_sums([project_id]), [project_id])
    before = await repo.scores_of_project(project_id)
    rows = []
    # Share-locked: a model being changed or rescored is waited for, so both never write the same score rows.
    for model in await uow.repo(ScoringModelRepository).every(share_lock=True):
        scores = _scored(model, inputs, alignments)
        await _store(uow, model, scores, {project_id: before[model.id]} if model.id in before else {}, actor)
        rows += _rows(model, scores)
    await repo.replace_scores(rows, project_id=project_id)


async def _unique(uow: UnitOfWork, name: str, other_than: uuid.UUID | None = None) -> None:
    if await uow.repo(ScoringModelRepository).name_taken(name, other_than=other_than):
        raise Conflict(f"a scoring model named '{name}' already exists",
                       errors=[{"field": "name", "message": "already used by another scoring model"}])


async def create_model(uow: UnitOfWork, *, actor: Actor, body: ScoringModelWrite) -> ScoringModel:
    """Add a scoring model and score every project under it."""
    await _unique(uow, body.name)
    try:
        model = await uow.repo(ScoringModelRepository).add(ScoringModel(
            name=body.name, kind=body.kind, description=body.description, weights=dict(body.weights),
            created_by=actor.sub))
    except IntegrityError as exc:  # a concurrent create took the name
        raise Conflict(f"a scoring model named '{body.name}' already exists") from exc
    scored, _ = await recompute_model(uow, model, actor=actor.sub)
    await uow.audit(actor=actor.sub, action="create", entity_type="scoring_model", entity_id=model.id,
                    detail={"name": model.name, "kind": model.kind, "weights": model.weights, "scored": scored})
    return model


async def update_model(uow: UnitOfWork, *, actor: Actor, model_id: uuid.UUID, body: ScoringModelWrite,
                       precondition: Callable[[int], None]) -> ScoringModel:
    """Replace a model's name, kind, description and weights, then rescore every project under it."""
    model = await uow.repo(ScoringModelRepository).lock_or_404(model_id)
    precondition(model.version)
    await _unique(uow, body.name, other_than=model.id)
    before = {"name": model.name, "kind": model.kind, "weights": model.weights}
    old = history.snapshot(model, ("name", "kind", "description", "weights"))
    model.name, model.kind, model.description = body.name, body.kind, body.description
    model.weights, model.updated_at = dict(body.weights), utcnow()
    await uow.session.flush()
    scored, changed = await recompute_model(uow, model, actor=actor.sub)
    await uow.audit(actor=actor.sub, action="update", entity_type="scoring_model", entity_id=model.id,
                    detail={"before": before, "weights": model.weights, "scored": scored, "changed": changed},
                    changes=history.changes(old, history.snapshot(model, old)))
    return model


async def delete_model(uow: UnitOfWork, *, actor: Actor, model_id: uuid.UUID,
                       precondition: Callable[[int], None]) -> None:
    """Remove a model and its scores."""
    repo = uow.repo(ScoringModelRepository)
    model = await repo.lock_or_404(model_id)
    precondition(model.version)
    await uow.repo(ScoringRepository).replace_scores([], model_id=model.id)
    await repo.delete(model)
    await uow.audit(actor=actor.sub, action="delete", entity_type="scoring_model", entity_id=model_id,
                    detail={"name": model.name})


async def set_inputs(uow: UnitOfWork, *, actor: Actor, project_id: uuid.UUID, body: ScoringInputsWrite,
                     precondition: Callable[[int | None], None]) -> ScoringInputs:
    """Replace a project's scoring inputs and rescore it under every model."""
    project = await uow.repo(BusinessCaseRepository).lock_project(project_id)
    ensure_editor(actor, project, "setting the scoring inputs")
    repo = uow.repo(ScoringRepository)
    inputs = await repo.inputs(project_id)
    precondition(None if inputs is None else inputs.version)
    values = {name: getattr(body, name) for name in INPUT_FIELDS}
    old = {} if inputs is None else history.snapshot(inputs, INPUT_FIELDS)
    if inputs is None:
        inputs = await repo.add_inputs(ScoringInputs(project_id=project_id, updated_by=actor.sub, **values))
    else:
        for name, value in {**values, "updated_by": actor.sub, "updated_at": utcnow()}.items():
            setattr(inputs, name, value)
        await uow.session.flush()
    await recompute_project(uow, project_id, actor=actor.sub)
    await uow.audit(actor=actor.sub, action="set_scoring_inputs", entity_type="project", entity_id=project_id,
                    detail={name: value for name, value in values.items() if value is not None},
                    changes=history.changes(old, history.snapshot(inputs, INPUT_FIELDS)))
    return inputs


async def alignment_of(uow: UnitOfWork, project_id: uuid.UUID) -> float | None:
    """The project's strategic alignment, 0–10 (None without active objectives)."""
    total, pairs = await uow.repo(ScoringRepository).alignment_sums([project_id])
    return rules.alignment(pairs.get(project_id, []), total)


async def project_exists(uow: UnitOfWork, project_id: uuid.UUID) -> None:
    """404 unless the project exists."""
    await uow.repo(BusinessCaseRepository).project(project_id)


async def recompute(uow: UnitOfWork, *, actor: Actor, model_id: uuid.UUID) -> tuple[int, int]:
    """Rescore every project under a model (e.g. after objectives changed)."""
    model = await uow.repo(ScoringModelRepository).lock_or_404(model_id)
    scored, changed = await recompute_model(uow, model, actor=actor.sub)
    await uow.audit(actor=actor.sub, action="recompute", entity_type="scoring_model", entity_id=model_id,
                    detail={"scored": scored, "changed": changed})
    return scored, changed
