"""Disruption use cases: keep an incident's link, and keep the projects' automatic "Go-live caused incidents" issue
in line (raised while disruption is above 0, updated, closed at 0, reopened).

Keyed by the incident: a redelivered link rewrites the same row, a re-link moves it (both the old and the new
project follow), an unlink removes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.disruption import rules
from tandem_portfolio.disruption.models import CausedIncident
from tandem_portfolio.disruption.repository import CausedIncidentRepository
from tandem_portfolio.projects.lifecycle import editable
from tandem_portfolio.projects.models import Project
from tandem_portfolio.risks import service as risks
from tandem_portfolio.risks.repository import RiskRepository

ACTOR = "tandem"


async def incidents_of(uow: UnitOfWork, project_id: uuid.UUID) -> list[rules.Incident]:
    """The project's caused incidents as the rules read them."""
    return [rules.Incident(i.external_id, i.priority, i.explanation)
            for i in await uow.repo(CausedIncidentRepository).of_project(project_id)]


async def keep_link(uow: UnitOfWork, *, incident_id: uuid.UUID, external_id: str, change_id: uuid.UUID | None,
                    project_id: uuid.UUID | None, priority: str, explanation: str, opened_at: datetime,
                    linked_at: datetime) -> None:
    """Keep the incident's (new) link and bring the projects it touched in line."""
    repo = uow.repo(CausedIncidentRepository)
    project_id = project_id or await repo.project_of_change(change_id)
    known = await repo.get(incident_id)
    touched = {project_id, await _project(repo, known)}
    if known is None:
        known = CausedIncident(incident_id=incident_id)
        repo.add(known)
    known.external_id, known.change_id, known.project_id, known.priority = external_id, change_id, project_id, priority
    known.explanation, known.opened_at, known.linked_at = explanation, opened_at, linked_at
    await uow.session.flush()
    await _sync_all(uow, touched)


async def drop_link(uow: UnitOfWork, *, incident_id: uuid.UUID, reason: str) -> None:
    """The incident has no cause any more: forget it and bring its project in line."""
    repo = uow.repo(CausedIncidentRepository)
    known = await repo.get(incident_id)
    if known is None:
        return  # redelivered, or never linked to anything portfolio knows
    touched = {await _project(repo, known)}
    await repo.delete(known)
    await _sync_all(uow, touched)


async def _project(repo: CausedIncidentRepository, row: CausedIncident | None) -> uuid.UUID | None:
    if row is None:
        return None
    return row.project_id or await repo.project_of_change(row.change_id)


async def _sync_all(uow: UnitOfWork, project_ids: set[uuid.UUID | None]) -> None:
    for project_id in sorted(p for p in project_ids if p is not None):
        await sync_project(uow, project_id)


async def sync_project(uow: UnitOfWork, project_id: uuid.UUID) -> None:
    """Bring the project's issue in line, if portfolio knows the project."""
    project = await uow.session.get(Project, project_id)
    if project is not None:
        await sync_issue(uow, project)


async def sync_issue(uow: UnitOfWork, project: Project) -> None:
    """Raise, update, reopen or close the project's automatic "Go-live caused incidents" issue."""
    if not editable(project.stage):
        return  # a closed or terminated project's register is history
    wanted = rules.issue(await incidents_of(uow, project.id))
    entry = await uow.repo(RiskRepository).by_source_key(project.id, rules.SOURCE_KEY)
    if wanted is None:
        if entry is not None and entry.status != "closed":
            await risks.update_risk(uow, actor=ACTOR, risk=entry, changes={
                "status": "closed", "source_explanation": "no incident linked to the project's go-live any more"})
        return
    if entry is None:
        await risks.raise_risk(uow, actor=ACTOR, project=project, kind="issue", title=wanted.title,
                               impact=wanted.impact, owner=project.project_manager, source="automatic",
                               source_explanation=wanted.explanation, source_key=rules.SOURCE_KEY)
        return
    changes: dict[str, object] = {"title": wanted.title, "impact": wanted.impact,
                                  "source_explanation": wanted.explanation}
    if entry.status == "closed":
        changes["status"] = "open"
    await risks.update_risk(uow, actor=ACTOR, risk=entry, changes=changes)
