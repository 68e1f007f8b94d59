"""The gate criterion scoring answers: does the project score at least a threshold under a model."""

from __future__ import annotations

import uuid
from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.projects.models import Project
from tandem_portfolio.scoring.repository import ScoringModelRepository, ScoringRepository


@criterion("score_at_least", "The project's stored score under a scoring model is at least a threshold.",
           model_id="id of the scoring model", threshold="lowest score that passes")
async def score_at_least(uow: UnitOfWork, project: Project, params: dict[str, Any]) -> CriterionResult:
    """Score ≥ threshold under the model; unmet without a score."""
    try:
        model_id, threshold = uuid.UUID(str(params["model_id"])), float(params["threshold"])
    except (KeyError, TypeError, ValueError):
        return CriterionResult(False, "the criterion needs a model_id (a scoring model's id) and a numeric threshold",
                               {"params": {k: str(v) for k, v in params.items()}})
    model = await uow.repo(ScoringModelRepository).get(model_id)
    if model is None:
        return CriterionResult(False, f"there is no scoring model {model_id}", {"model_id": str(model_id)})
    stored = await uow.repo(ScoringRepository).score_of(model_id, project.id)
    facts: dict[str, Any] = {"model_id": str(model_id), "model": model.name, "threshold": threshold,
                             "score": None if stored is None else stored.score}
    if stored is None:
        return CriterionResult(False, f"the project has no score under '{model.name}' (inputs missing)", facts)
    met = stored.score >= threshold
    relation = "at least" if met else "below"
    return CriterionResult(met, f"score {stored.score:g} under '{model.name}' is {relation} {threshold:g}", facts)
