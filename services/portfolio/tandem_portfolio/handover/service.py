"""Handover use cases: a project's operational readiness (facts from other services), and the service owner's
acceptance, which measures and publishes the transition time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import HandoverCompleted
from tandem_shared.errors import Conflict, Forbidden
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.handover import rules
from tandem_portfolio.handover.models import HandoverAcceptance
from tandem_portfolio.handover.repository import AcceptanceRepository, ReadinessProjection
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.projects.lifecycle import ProjectStage
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository


async def _touches(uow: UnitOfWork, project: Project) -> list[rules.Touch]:
    links = (await uow.repo(ProjectRepository).links([project.id]))[project.id]
    return [rules.Touch(t.ref_id, t.kind, t.name) for t in [*links.services, *links.cis]]


async def go_live_date(uow: UnitOfWork, project: Project) -> date | None:
    """The go-live date: the earliest open go-live milestone's forecast, else the project's go_live_date."""
    milestones = await uow.repo(MilestoneRepository).for_project(project.id)
    forecasts = [m.forecast_date for m in milestones if m.kind == "go_live" and m.status != "completed"]
    return min(forecasts) if forecasts else project.go_live_date


async def cis_registered(uow: UnitOfWork, project: Project) -> rules.Fact:
    """Every touched service and CI is in the CMDB and not retired."""
    touches = await _touches(uow, project)
    known = await uow.repo(ReadinessProjection).cmdb_items([t.id for t in touches])
    return rules.cis_registered(touches, known)


async def runbooks_published(uow: UnitOfWork, project: Project) -> rules.Fact:
    """Runbooks or known errors published for the project or its touched services and CIs."""
    touches = await _touches(uow, project)
    articles = await uow.repo(ReadinessProjection).published_runbooks(project.id, [str(t.id) for t in touches])
    return rules.runbooks_published(project.id, touches, articles)


async def support_capacity_booked(uow: UnitOfWork, project: Project) -> rules.Fact:
    """Run work or on-call booked for the support team from the go-live date on."""
    team = project.support_team
    bookings = await uow.repo(ReadinessProjection).team_operations_bookings(team) if team else []
    return rules.support_capacity_booked(team, await go_live_date(uow, project), bookings)


async def go_live_change_approved(uow: UnitOfWork, project: Project) -> rules.Fact:
    """A change linked to the project is approved or was implemented successfully."""
    return rules.go_live_change_approved(await uow.repo(ReadinessProjection).changes_of(project.id))


READINESS = (cis_registered, runbooks_published, support_capacity_booked, go_live_change_approved)


@dataclass(frozen=True)
class Readiness:
    """Every readiness fact of a project, and its acceptance by operations if given."""

    go_live: date | None
    facts: list[rules.Fact]
    acceptance: HandoverAcceptance | None

    @property
    def ready(self) -> bool:
        return all(fact.met for fact in self.facts)


async def readiness(uow: UnitOfWork, project: Project) -> Readiness:
    """The project's operational readiness now."""
    facts = [await fact(uow, project) for fact in READINESS]
    return Readiness(await go_live_date(uow, project), facts, await uow.repo(AcceptanceRepository).of(project.id))


async def accept_handover(uow: UnitOfWork, *, actor: Actor, project: Project, comment: str | None,
                          now: datetime) -> HandoverAcceptance:
    """The named service owner takes the result over: the transition time is measured and published."""
    if not project.service_owner or actor.sub != project.service_owner:
        owner = f"the named service owner ({project.service_owner})" if project.service_owner else \
            "the service owner, once the project names one,"
        raise Forbidden(f"only {owner} accepts the handover", reason="not_the_service_owner",
                        service_owner=project.service_owner)
    if project.stage != ProjectStage.TRANSITION:
        raise Conflict(f"the handover is accepted while the project is in transition; it is {project.stage}",
                       stage=project.stage)
    acceptances = uow.repo(AcceptanceRepository)
    if (done := await acceptances.of(project.id)) is not None:
        raise Conflict(f"the handover was accepted by {done.accepted_by} at {done.accepted_at:%Y-%m-%d %H:%M} UTC",
                       accepted_by=done.accepted_by)
    change = rules.go_live_change(await uow.repo(ReadinessProjection).changes_of(project.id))
    implemented = change.implemented_at if change else None
    acceptance = await acceptances.add(HandoverAcceptance(
        project_id=project.id, accepted_by=actor.sub, accepted_at=now, go_live_change_id=change.id if change else None,
        implemented_at=implemented, transition_hours=rules.transition_hours(implemented, now), comment=comment))
    await uow.audit(actor=actor.sub, action="accept_handover", entity_type="project", entity_id=project.id,
                    detail={"go_live_change_id": str(change.id) if change else None,
                            "transition_hours": acceptance.transition_hours, "comment": comment})
    touches = await _touches(uow, project)
    await uow.record(HandoverCompleted(
        project_id=project.id, service_owner=actor.sub, support_team=project.support_team,
        go_live_change_id=acceptance.go_live_change_id, implemented_at=implemented, accepted_at=now,
        transition_hours=acceptance.transition_hours, services=[t.id for t in touches if t.kind == "service"],
        cis=[t.id for t in touches if t.kind == "ci"], comment=comment), actor=actor.sub)
    return acceptance
