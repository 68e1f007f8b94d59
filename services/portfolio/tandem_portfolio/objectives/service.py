"""Strategic objective use cases: each writes the objective, its audit row and its event in the caller's unit."""

from __future__ import annotations

import uuid
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ObjectiveCreated, ObjectiveDeleted, ObjectiveUpdated
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.objectives.models import StrategicObjective
from tandem_portfolio.objectives.repository import ObjectiveRepository
from tandem_portfolio.objectives.schemas import ObjectiveCreate, ObjectiveUpdate

NOT_NULL = ("name", "weight", "period_start", "period_end", "active")


async def get_objective(uow: UnitOfWork, objective_id: uuid.UUID) -> StrategicObjective:
    """The objective, or 404."""
    return await uow.repo(ObjectiveRepository).get_or_404(objective_id)


async def _name_free(uow: UnitOfWork, name: str, *, but: uuid.UUID | None = None) -> None:
    same = await uow.repo(ObjectiveRepository).by_name(name)
    if same is not None and same.id != but:
        raise Conflict(f"a strategic objective named {same.name!r} exists", existing_id=str(same.id))


async def create_objective(uow: UnitOfWork, *, actor: Actor, body: ObjectiveCreate) -> StrategicObjective:
    """Define a strategic objective (names are unique, case-insensitively)."""
    await _name_free(uow, body.name)
    objective = await uow.repo(ObjectiveRepository).add(StrategicObjective(**body.model_dump(), created_by=actor.sub))
    await uow.audit(actor=actor.sub, action="create", entity_type="objective", entity_id=objective.id,
                    detail=body.model_dump(mode="json"))
    await uow.record(ObjectiveCreated(id=objective.id, created_by=actor.sub, **body.model_dump()), actor=actor.sub)
    return objective


async def update_objective(uow: UnitOfWork, *, actor: Actor, objective: StrategicObjective,
                           body: ObjectiveUpdate) -> StrategicObjective:
    """Change the fields given; publish what changed (nothing changed: no event, same version)."""
    fields = body.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in fields and fields[name] is None:
            raise ValidationProblem.field(name, "cannot be null")
    start, end = fields.get("period_start", objective.period_start), fields.get("period_end", objective.period_end)
    if end < start:
        raise ValidationProblem.field("period_end", "must not be before period_start")
    if "name" in fields and fields["name"].lower() != objective.name.lower():
        await _name_free(uow, fields["name"], but=objective.id)
    changed: dict[str, Any] = {k: v for k, v in fields.items() if getattr(objective, k) != v}
    if not changed:
        return objective
    before = {k: getattr(objective, k) for k in changed}
    for name, value in changed.items():
        setattr(objective, name, value)
    await uow.session.flush()
    as_json = ObjectiveUpdate(**changed).model_dump(mode="json", include=set(changed))
    old = ObjectiveUpdate(**before).model_dump(mode="json", include=set(before))
    await uow.audit(actor=actor.sub, action="update", entity_type="objective", entity_id=objective.id,
                    detail={"from": old, "to": as_json}, changes=history.changes(old, as_json))
    await uow.record(ObjectiveUpdated(id=objective.id, changed=as_json, updated_by=actor.sub,
                                      version=objective.version), actor=actor.sub)
    return objective


async def delete_objective(uow: UnitOfWork, *, actor: Actor, objective: StrategicObjective) -> None:
    """Delete an objective no project serves (409 otherwise: deactivate it instead)."""
    repo = uow.repo(ObjectiveRepository)
    linked = await repo.linked_projects(objective.id)
    if linked:
        raise Conflict(f"{linked} project(s) serve {objective.name!r}; set active to false instead",
                       linked_projects=linked)
    await repo.delete(objective)
    await uow.audit(actor=actor.sub, action="delete", entity_type="objective", entity_id=objective.id)
    await uow.record(ObjectiveDeleted(id=objective.id, name=objective.name, deleted_by=actor.sub), actor=actor.sub)
