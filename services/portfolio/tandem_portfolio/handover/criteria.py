"""Gate criteria of the operations handover, measured from other services' events (never ticked by hand).

The four readiness facts are the handover gate's built-in criteria (executing → transition), and the service owner's
acceptance the closure gate's (transition → closed); see gates/defaults.py.
"""

from __future__ import annotations

from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.handover import rules, service
from tandem_portfolio.handover.repository import AcceptanceRepository
from tandem_portfolio.projects.models import Project


def _result(fact: rules.Fact) -> CriterionResult:
    since = fact.since.isoformat() if fact.since else None
    return CriterionResult(fact.met, fact.why, {"since": since, **fact.details})


@criterion("cis_registered", "Every service and CI the project touches is registered in the CMDB and not retired "
           "(from change's CI events).")
async def cis_registered(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _result(await service.cis_registered(uow, project))


@criterion("runbooks_published", "A runbook, handover or known-error article is published for the project, or one "
           "documents each touched service and CI (from knowledge's article events).")
async def runbooks_published(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _result(await service.runbooks_published(uow, project))


@criterion("support_capacity_booked", "Run work or on-call is booked in capacity for a member of the support team "
           "from the go-live date on (from capacity's operations bookings).")
async def support_capacity_booked(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _result(await service.support_capacity_booked(uow, project))


@criterion("go_live_change_approved", "A change linked to the project is approved, or was implemented successfully "
           "(from change's request events).")
async def go_live_change_approved(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _result(await service.go_live_change_approved(uow, project))


@criterion("service_owner_accepted", "The named service owner accepted the handover "
           "(POST /projects/{id}/handover/accept).")
async def service_owner_accepted(uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    acceptance = await uow.repo(AcceptanceRepository).of(project.id)
    if acceptance is None:
        owner = project.service_owner or "the service owner (none is named)"
        return CriterionResult(False, f"{owner} has not accepted the handover", {"since": None})
    hours = acceptance.transition_hours
    return CriterionResult(True, f"accepted by {acceptance.accepted_by} at {acceptance.accepted_at:%Y-%m-%d %H:%M} UTC"
                           + (f", {hours:g} h after the go-live change" if hours is not None else ""),
                           {"since": acceptance.accepted_at.isoformat(), "transition_hours": hours})
