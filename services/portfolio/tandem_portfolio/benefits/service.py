"""Recording a benefit realised after delivery: the row, the audit and the event together."""

from __future__ import annotations

import uuid
from decimal import Decimal

from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import BenefitRealised
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.benefits.schemas import BenefitWrite
from tandem_portfolio.business_cases import finance
from tandem_portfolio.business_cases.models import BenefitRealisation
from tandem_portfolio.business_cases.repository import BusinessCaseRepository
from tandem_portfolio.business_cases.service import ensure_editor
from tandem_portfolio.months import parse_month

REALISING_STAGES = ("transition", "closed")


async def realise_benefit(uow: UnitOfWork, *, actor: Actor, project_id: uuid.UUID,
                          body: BenefitWrite) -> tuple[BenefitRealisation, Decimal]:
    """Record a benefit realised after delivery (transition or closed only); returns it and the running total."""
    repo = uow.repo(BusinessCaseRepository)
    project = await repo.lock_project(project_id)  # the running total is consistent under concurrent records
    ensure_editor(actor, project, "recording a realised benefit")
    if project.stage not in REALISING_STAGES:
        raise Conflict(f"benefits are realised once a project is in transition or closed; this one is in stage "
                       f"'{project.stage}'", stage=project.stage, allowed_stages=list(REALISING_STAGES))
    case = await repo.case(project_id)
    if case is None:
        raise Conflict("the project has no business case: realised benefits are measured against it")
    if body.currency is not None and body.currency != case.currency:
        raise ValidationProblem.field("currency", f"must be the business case's currency, {case.currency}")
    realisation = await repo.add_realisation(BenefitRealisation(
        project_id=project_id, month=parse_month(body.month), amount=body.amount.quantize(finance.CENT),
        currency=case.currency, note=body.note, recorded_by=actor.sub))
    total = sum((r.amount for r in await repo.realisations(project_id)), finance.ZERO)
    await uow.audit(actor=actor.sub, action="realise_benefit", entity_type="project", entity_id=project_id,
                    detail={"month": body.month, "amount": str(realisation.amount), "cumulative": str(total)})
    await uow.record(BenefitRealised(
        project_id=project_id, month=body.month, amount=realisation.amount, currency=case.currency,
        cumulative_realised=total, recorded_by=actor.sub), actor=actor.sub)
    return realisation, total
