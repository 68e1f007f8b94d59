"""Scope change use cases: proposals, amendments and decisions; an approval is published (scope stability)."""

from __future__ import annotations

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectScopeChanged
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.projects.models import Project
from tandem_portfolio.scope.models import ScopeChange
from tandem_portfolio.scope.repository import ScopeChangeRepository
from tandem_portfolio.scope.schemas import ScopeChangeCreate, ScopeChangeUpdate, ScopeDecision
from tandem_portfolio.stewardship import ensure_active, ensure_steward

DECISIONS = {"approve": "approved", "reject": "rejected"}


def _check_currency(project: Project, currency: str | None) -> None:
    # Cost impacts are weighed against the budget (the scope RAG rule): they must be in its currency.
    if currency is not None and project.budget_currency is not None and currency != project.budget_currency:
        raise ValidationProblem.field("currency", f"must be the project's budget currency {project.budget_currency}")


def _ensure_proposed(change: ScopeChange, action: str) -> None:
    if change.status != "proposed":
        raise InvalidTransition(entity="scope change", state=change.status, action=action, allowed=[])


async def propose(uow: UnitOfWork, *, actor: Actor, project: Project, body: ScopeChangeCreate) -> ScopeChange:
    """Log a proposed scope change."""
    ensure_steward(actor, project, "proposing a scope change")
    ensure_active(project, "propose a scope change")
    _check_currency(project, body.currency)
    change = await uow.repo(ScopeChangeRepository).add(ScopeChange(
        id=new_id(), project_id=project.id, title=body.title, description=body.description,
        schedule_impact_days=body.schedule_impact_days, cost_impact=body.cost_impact, currency=body.currency,
        status="proposed", requested_by=actor.sub))
    await uow.audit(actor=actor.sub, action="propose", entity_type="scope_change", entity_id=change.id,
                    to_state="proposed", detail={"project_id": str(project.id), "cost_impact": str(body.cost_impact),
                                                 "schedule_impact_days": body.schedule_impact_days})
    return change


async def amend(uow: UnitOfWork, *, actor: Actor, project: Project, change: ScopeChange,
                body: ScopeChangeUpdate) -> ScopeChange:
    """Amend a change while it is proposed."""
    ensure_steward(actor, project, "amending a scope change")
    ensure_active(project, "amend a scope change")
    _ensure_proposed(change, "amend")
    values = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("title", "schedule_impact_days", "cost_impact"):
        if name in values and values[name] is None:
            raise ValidationProblem.field(name, "cannot be removed")
    currency = values.get("currency", change.currency)
    if values.get("cost_impact", change.cost_impact) != 0 and currency is None:
        raise ValidationProblem.field("currency", "is required with a cost impact")
    _check_currency(project, currency)
    old = history.snapshot(change, sorted(values))
    for name, value in values.items():
        setattr(change, name, value)
    await uow.repo(ScopeChangeRepository).save(change)
    await uow.audit(actor=actor.sub, action="amend", entity_type="scope_change", entity_id=change.id,
                    detail={"changed": sorted(values)}, changes=history.changes(old, history.snapshot(change, old)))
    return change


async def decide(uow: UnitOfWork, *, actor: Actor, project: Project, change: ScopeChange, action: str,
                 body: ScopeDecision) -> ScopeChange:
    """Approve or reject a proposed change; an approval publishes the change with the project's running totals."""
    ensure_steward(actor, project, f"{action.rstrip('e')}ing a scope change")
    ensure_active(project, f"{action} a scope change")
    _ensure_proposed(change, action)
    changes = uow.repo(ScopeChangeRepository)
    change.status, change.decided_by, change.decided_at = DECISIONS[action], actor.sub, utcnow()
    change.decision_note = body.note
    await changes.save(change)
    await uow.audit(actor=actor.sub, action=action, entity_type="scope_change", entity_id=change.id,
                    from_state="proposed", to_state=change.status, detail={"note": body.note})
    if change.status == "approved":
        count, total_cost, _days = await changes.approved_totals(project.id)
        await uow.record(ProjectScopeChanged(
            project_id=project.id, scope_change_id=change.id, description=change.title,
            schedule_impact_days=change.schedule_impact_days, cost_impact=change.cost_impact, currency=change.currency,
            approved_changes=count, total_cost_impact=total_cost, approved_by=actor.sub), actor=actor.sub)
    return change
