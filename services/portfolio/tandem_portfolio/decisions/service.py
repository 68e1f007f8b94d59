"""Moving a project between stages: the stage change, its decision record, audit row and events.

Every stage change goes through `decide`, whoever takes it (a gate review, the PMO, a project manager): so each is
recorded (who, why, when), published as `portfolio.project.stage_changed.v1`, and a hold or a termination is also
published as `portfolio.project.deferred.v1` / `terminated.v1`, which capacity consumes to release bookings.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectDeferred, ProjectStageChanged, ProjectTerminated
from tandem_shared.db import new_id, utcnow
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.decisions.models import Decision
from tandem_portfolio.decisions.repository import DecisionRepository
from tandem_portfolio.demand.service import republish_plan
from tandem_portfolio.projects.lifecycle import RESUME, ProjectStage, next_stage
from tandem_portfolio.projects.models import Project
from tandem_portfolio.stewardship import ensure_owner

RECYCLE = "recycle"
DOING = {"defer": "deferring", "resume": "resuming", "terminate": "terminating"}
# Work other packages do when a project leaves a stage (gates cancels the review open for it), registered when they
# are imported: decisions depends on none of them. Called with the unit, the project and the deciding review's id.
StageLeft = Callable[[UnitOfWork, Project, "uuid.UUID | None"], Awaitable[None]]
ON_STAGE_LEFT: list[StageLeft] = []


async def decide(uow: UnitOfWork, *, actor: str, project: Project, action: str, reason: str,
                 gate: str | None = None, review_id: uuid.UUID | None = None) -> Decision:
    """Take a lifecycle action (a gate's name passes it; defer, resume, terminate), or 409 naming the allowed."""
    target = next_stage(project.stage, action, held_from=project.held_from_stage)
    before = project.stage
    project.stage = target.value
    project.held_from_stage = before if target is ProjectStage.ON_HOLD else None
    decision = await _record(uow, actor=actor, project=project, action=action, before=before, reason=reason,
                             gate=gate, review_id=review_id)
    for left in ON_STAGE_LEFT:
        await left(uow, project, review_id)
    await uow.record(ProjectStageChanged(id=project.id, from_stage=before, to_stage=project.stage, by=actor,
                                         reason=reason, gate=gate, at=decision.decided_at), actor=actor)
    if target is ProjectStage.ON_HOLD:
        await uow.record(ProjectDeferred(id=project.id, reason=reason, deferred_by=actor), actor=actor)
    elif target is ProjectStage.TERMINATED:
        await uow.record(ProjectTerminated(id=project.id, reason=reason, terminated_by=actor), actor=actor)
    elif action == RESUME:
        # Holding released the project's bookings in capacity; its plan, sent again, books them again.
        await republish_plan(uow, actor=actor, project=project)
    return decision


async def decide_by_hand(uow: UnitOfWork, *, actor: Actor, project: Project, action: str, reason: str) -> Decision:
    """Defer, resume or terminate a project through the API: its owners and the PMO only, before its stage counts."""
    ensure_owner(actor, project, f"{DOING.get(action, action)} a project")
    return await decide(uow, actor=actor.sub, project=project, action=action, reason=reason)


async def recycle(uow: UnitOfWork, *, actor: str, project: Project, reason: str, gate: str,
                  review_id: uuid.UUID) -> Decision:
    """Record a gate's recycle: the project stays in its stage (and keeps its bookings) for a new review."""
    return await _record(uow, actor=actor, project=project, action=RECYCLE, before=project.stage, reason=reason,
                         gate=gate, review_id=review_id)


async def _record(uow: UnitOfWork, *, actor: str, project: Project, action: str, before: str, reason: str,
                  gate: str | None, review_id: uuid.UUID | None) -> Decision:
    decision = uow.repo(DecisionRepository).add(Decision(
        id=new_id(), decided_at=utcnow(), project_id=project.id, action=action, from_stage=before,
        to_stage=project.stage, reason=reason, decided_by=actor, gate=gate, review_id=review_id))
    await uow.session.flush()
    await uow.audit(actor=actor, action=action, entity_type="project", entity_id=project.id, from_state=before,
                    to_state=project.stage, detail={"reason": reason, **({"gate": gate} if gate else {})})
    return decision


async def decisions_of(uow: UnitOfWork, project: Project) -> Sequence[Decision]:
    """The project's decision records, oldest first."""
    return await uow.repo(DecisionRepository).of_project(project.id)
