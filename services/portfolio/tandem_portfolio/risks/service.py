"""Risk register use cases: the entry, its audit row and its event in the caller's unit of work.

`raise_risk` and `update_risk` take the actor's name, not a request's actor, so an event handler can keep
automatic entries (e.g. delivery risk from a team's change success score) with `source="automatic"`, a
`source_explanation` and a `source_key` it finds the entry by again (`RiskRepository.by_source_key`).
"""

from __future__ import annotations

from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import RiskClosed, RiskRaised, RiskUpdated
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.projects.models import Project
from tandem_portfolio.risks.models import Risk
from tandem_portfolio.risks.repository import RiskRepository
from tandem_portfolio.risks.rules import ISSUE_PROBABILITY, TRANSITIONS, allowed_statuses, score
from tandem_portfolio.risks.schemas import RiskCreate, RiskUpdate
from tandem_portfolio.stewardship import ensure_active, ensure_steward

FIELDS = ("title", "description", "probability", "impact", "owner", "mitigation", "status")


def _facts(risk: Risk) -> dict[str, Any]:
    return {"id": risk.id, "project_id": risk.project_id, "kind": risk.kind, "title": risk.title,
            "probability": risk.probability, "impact": risk.impact, "score": risk.score, "status": risk.status,
            "owner": risk.owner}


async def raise_risk(uow: UnitOfWork, *, actor: str, project: Project, kind: str, title: str, impact: int,
                     probability: int | None = None, description: str | None = None, owner: str | None = None,
                     mitigation: str | None = None, source: str = "manual", source_explanation: str | None = None,
                     source_key: str | None = None) -> Risk:
    """Enter a risk or issue (status open); an automatic entry must explain itself."""
    if source == "automatic" and not source_explanation:
        raise ValueError("an automatic risk needs its explanation")
    if probability is None:
        if kind != "issue":
            raise ValidationProblem.field("probability", "is required for a risk")
        probability = ISSUE_PROBABILITY
    risk = await uow.repo(RiskRepository).add(Risk(
        id=new_id(), project_id=project.id, kind=kind, title=title, description=description, probability=probability,
        impact=impact, score=score(probability, impact), owner=owner, mitigation=mitigation, status="open",
        source=source, source_explanation=source_explanation, source_key=source_key, created_by=actor))
    await uow.audit(actor=actor, action="raise", entity_type="risk", entity_id=risk.id, to_state="open",
                    detail={"project_id": str(project.id), "score": risk.score, "source": source})
    await uow.record(RiskRaised(**_facts(risk), source=source, source_explanation=source_explanation,
                                raised_by=actor), actor=actor)
    return risk


async def update_risk(uow: UnitOfWork, *, actor: str, risk: Risk, changes: dict[str, Any]) -> Risk:
    """Apply changes (a status move must be allowed: 409 names the allowed ones); closing publishes risk.closed."""
    before = risk.status
    status = changes.get("status", before)
    if status != before and status not in TRANSITIONS[before]:
        raise InvalidTransition(entity="risk", state=before, action=f"move to {status}",
                                allowed=allowed_statuses(before))
    changed = sorted(name for name, value in changes.items() if getattr(risk, name) != value)
    old = history.snapshot(risk, [*changed, "score", "closed_at"])
    for name in changed:
        setattr(risk, name, changes[name])
    risk.score = score(risk.probability, risk.impact)
    if status != before:
        risk.closed_at = utcnow() if status == "closed" else None
    if not changed:
        return risk
    await uow.repo(RiskRepository).save(risk)
    await uow.audit(actor=actor, action="update", entity_type="risk", entity_id=risk.id, from_state=before,
                    to_state=risk.status, detail={"changed": changed, "score": risk.score},
                    changes=history.changes(old, history.snapshot(risk, old)))
    if status == "closed" and before != "closed":
        await uow.record(RiskClosed(**_facts(risk), previous_status=before, closed_by=actor), actor=actor)
    else:
        await uow.record(RiskUpdated(**_facts(risk), changed=changed, updated_by=actor), actor=actor)
    return risk


async def raise_manual_risk(uow: UnitOfWork, *, actor: Actor, project: Project, body: RiskCreate) -> Risk:
    """Enter a risk or issue by hand."""
    ensure_steward(actor, project, "raising a risk")
    ensure_active(project, "raise a risk")
    return await raise_risk(uow, actor=actor.sub, project=project, kind=body.kind, title=body.title,
                            impact=body.impact, probability=body.probability, description=body.description,
                            owner=body.owner, mitigation=body.mitigation)


async def edit_risk(uow: UnitOfWork, *, actor: Actor, project: Project, risk: Risk, body: RiskUpdate) -> Risk:
    """Change a risk by hand (fields left out stay)."""
    ensure_steward(actor, project, "changing a risk")
    ensure_active(project, "change a risk")
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("title", "probability", "impact", "status"):
        if name in changes and changes[name] is None:
            raise ValidationProblem.field(name, "cannot be removed")
    return await update_risk(uow, actor=actor.sub, risk=risk, changes=changes)
