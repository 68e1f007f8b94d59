"""Keeping the projects projection from portfolio's project, milestone, risk, scope, business-case and status events,
and change's implementations linked to a project."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.contracts.portfolio import (
    BusinessCaseUpdated,
    GoLiveScheduled,
    MilestoneCompleted,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStageChanged,
    ProjectStatusReported,
    ProjectUpdated,
    RiskClosed,
    RiskRaised,
    RiskUpdated,
)
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_knowledge.projects.models import KnownProject, ProjectFact
from tandem_knowledge.projects.repository import ProjectRepository

PEOPLE_AND_NAMES = ("name", "category", "sponsor", "project_manager", "service_owner", "support_team")
OCCURRED = "occurred"


def _touches(value: Any) -> list[dict[str, Any]]:
    """Portfolio's list of touched services or CIs ([{id, name}]) as kept here."""
    found = []
    for item in value or []:
        if isinstance(item, dict) and item.get("id"):
            found.append({"id": str(item["id"]), "name": item.get("name")})
    return found


def _merge(current: list[dict[str, Any]], ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Add ids not listed yet (a go-live names what it touches; names come from the CMDB when drafting)."""
    known = {t["id"] for t in current}
    return current + [{"id": str(i), "name": None} for i in ids if str(i) not in known]


async def _touch(uow: UnitOfWork, project: KnownProject) -> None:
    project.updated_at = utcnow()
    await uow.repo(ProjectRepository).flush()


async def created(uow: UnitOfWork, data: ProjectCreated) -> None:
    project = await uow.repo(ProjectRepository).get_or_add(data.id)
    project.name, project.category, project.stage, project.sponsor = data.name, data.category, data.stage, data.sponsor
    project.go_live_date = data.go_live_date
    project.project_manager, project.service_owner = data.project_manager, data.service_owner
    project.support_team = data.support_team
    project.services = _touches([item.model_dump() for item in data.services])
    project.cis = _touches([item.model_dump() for item in data.cis])
    await _touch(uow, project)


async def updated(uow: UnitOfWork, data: ProjectUpdated) -> None:
    project = await uow.repo(ProjectRepository).get_or_add(data.id)
    for name in PEOPLE_AND_NAMES:
        if name in data.changed:
            setattr(project, name, data.changed[name])
    if "go_live_date" in data.changed:
        value = data.changed["go_live_date"]
        project.go_live_date = date.fromisoformat(value) if value else None
    for name in ("services", "cis"):
        if name in data.changed:
            setattr(project, name, _touches(data.changed[name]))
    await _touch(uow, project)


async def stage_changed(uow: UnitOfWork, data: ProjectStageChanged) -> KnownProject:
    project = await uow.repo(ProjectRepository).get_or_add(data.id)
    project.stage = data.to_stage
    await _touch(uow, project)
    return project


async def go_live_scheduled(uow: UnitOfWork, data: GoLiveScheduled) -> None:
    project = await uow.repo(ProjectRepository).get_or_add(data.project_id)
    project.services = _merge(list(project.services or []), data.service_ids)
    project.cis = _merge(list(project.cis or []), data.ci_ids)
    await _touch(uow, project)


async def _fact(uow: UnitOfWork, project_id: uuid.UUID, kind: str, ref_id: uuid.UUID, data: dict[str, Any],
                at: datetime | None = None) -> ProjectFact:
    """Keep (or replace) what the project's lessons will cite about one thing."""
    repo = uow.repo(ProjectRepository)
    fact = await repo.fact(project_id, kind, ref_id)
    if fact is None:
        fact = ProjectFact(project_id=project_id, kind=kind, ref_id=ref_id, data=data, at=at or utcnow())
        repo.add_fact(fact)
    else:
        fact.data = data
    await repo.flush()
    return fact


async def milestone_completed(uow: UnitOfWork, data: MilestoneCompleted) -> None:
    await _fact(uow, data.project_id, "milestone", data.id, data.model_dump(
        mode="json", include={"name", "kind", "baseline_date", "forecast_date", "actual_date", "slip_days",
                              "slip_working_days"}))


async def scope_changed(uow: UnitOfWork, data: ProjectScopeChanged) -> None:
    await _fact(uow, data.project_id, "scope_change", data.scope_change_id, data.model_dump(
        mode="json", include={"description", "schedule_impact_days", "cost_impact", "currency", "approved_by"}))


async def risk_changed(uow: UnitOfWork, data: RiskRaised | RiskUpdated | RiskClosed) -> None:
    """Keep the risk as it stands; once it occurred it stays marked as having occurred, even when closed."""
    before = await uow.repo(ProjectRepository).fact(data.project_id, "risk", data.id)
    occurred = (data.status == OCCURRED or getattr(data, "previous_status", None) == OCCURRED
                or bool(before and before.data.get("occurred")))
    await _fact(uow, data.project_id, "risk", data.id, {
        **data.model_dump(mode="json", include={"title", "kind", "probability", "impact", "score", "status", "owner"}),
        "occurred": occurred})


async def business_case_updated(uow: UnitOfWork, data: BusinessCaseUpdated) -> None:
    project = await uow.repo(ProjectRepository).get_or_add(data.project_id)
    project.business_case = data.model_dump(mode="json", include={
        "currency", "total_capex", "total_opex", "total_costs", "total_benefits", "npv", "roi", "payback_months"})
    await _touch(uow, project)


async def status_reported(uow: UnitOfWork, data: ProjectStatusReported) -> None:
    project = await uow.repo(ProjectRepository).get_or_add(data.project_id)
    project.last_report = {"week": data.week, "overall": data.overall, "dimensions": {
        d.dimension: {"colour": d.colour, "explanation": d.explanation, "facts": d.facts} for d in data.dimensions}}
    await _touch(uow, project)


async def change_implemented(uow: UnitOfWork, data: ChangeImplemented) -> None:
    """A change linked to a project finished: its outcome is a fact of the project's lessons."""
    if data.project_id is None:
        return
    await _fact(uow, data.project_id, "change", data.id, {
        "title": data.title, "outcome": data.outcome, "team": data.team, "completed_by": data.completed_by,
        "actual_end": data.actual_end.isoformat(), "incidents_caused": list(data.incidents_caused)},
        at=data.actual_end)
