"""Change model use cases."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.repository import record_audit

from tandem_change.standard.models import ChangeModel
from tandem_change.standard.repository import ChangeModelRepository
from tandem_change.standard.schemas import ChangeModelCreate, ChangeModelUpdate


async def active_model(session: AsyncSession, model_id: uuid.UUID | None) -> ChangeModel:
    """The active change model a standard change names, or 422 naming model_id."""
    if model_id is None:
        raise ValidationProblem.field("model_id", "a standard change names an active change model")
    model = await ChangeModelRepository(session).get(model_id)
    if model is None:
        raise ValidationProblem.field("model_id", f"no change model {model_id}")
    if not model.active:
        raise ValidationProblem.field("model_id", f"change model {model.name!r} is inactive")
    return model


async def create_model(session: AsyncSession, *, actor: Actor, body: ChangeModelCreate) -> ChangeModel:
    repo = ChangeModelRepository(session)
    if await repo.by_name(body.name):
        raise Conflict(f"a change model named {body.name!r} exists")
    model = await repo.add(ChangeModel(**body.model_dump()))
    await record_audit(session, actor=actor.sub, action="create", entity_type="change_model", entity_id=model.id,
                       detail=body.model_dump(mode="json"))
    return model


async def update_model(session: AsyncSession, *, actor: Actor, model: ChangeModel,
                       body: ChangeModelUpdate) -> ChangeModel:
    fields = body.model_dump(exclude_unset=True)
    for name in ("name", "default_effort_hours", "active"):
        if name in fields and fields[name] is None:
            raise ValidationProblem.field(name, "cannot be null")
    if fields.get("name") and fields["name"] != model.name and await ChangeModelRepository(session).by_name(
            fields["name"]):
        raise Conflict(f"a change model named {fields['name']!r} exists")
    before = history.snapshot(model, fields)
    for name, value in fields.items():
        setattr(model, name, value)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="update", entity_type="change_model", entity_id=model.id,
                       detail=body.model_dump(mode="json", exclude_unset=True),
                       changes=history.changes(before, history.snapshot(model, before)))
    return model
