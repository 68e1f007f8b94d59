"""Applying consumed events to the KPI values: look up the facts an event needs, keep the projections that let a
later event replace an earlier one's numbers, then add the pure rules' increments."""

from __future__ import annotations

from datetime import datetime

from tandem_shared.contracts.capacity import (
    BookingCreated,
    BookingMoved,
    BookingReleased,
    PersonCreated,
    PersonOverallocated,
    PersonOverallocationCleared,
)
from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.contracts.portfolio import (
    BenefitRealised,
    BusinessCaseUpdated,
    HandoverCompleted,
    MilestoneCompleted,
    ProjectCreated,
    ProjectScopeChanged,
    ProjectStatusReported,
    ProjectUpdated,
)
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.kpis.rules import (
    NO_FACTS,
    BudgetReport,
    BusinessCase,
    Facts,
    budget_of,
    business_case_of,
    increments,
)
from tandem_metrics.people.repository import People
from tandem_metrics.projects.repository import Projects

_PROJECT_KEYED = (MilestoneCompleted, ProjectScopeChanged, BenefitRealised, HandoverCompleted)
# The types `_facts` looks anything up for: the others (most events: a change created, scheduled, approved) skip the
# chain of checks below.
_LOOKS_UP = frozenset({ChangeImplemented, *_PROJECT_KEYED, BookingCreated, BookingReleased, BookingMoved,
                       PersonCreated, PersonOverallocated, PersonOverallocationCleared, ProjectCreated,
                       ProjectStatusReported, BusinessCaseUpdated})


async def _facts(uow: UnitOfWork, data: EventData, at: datetime) -> Facts:
    """Look up (and keep) what the event's increments depend on beyond its own data."""
    if type(data) not in _LOOKS_UP:
        return NO_FACTS
    people, projects = uow.repo(People), uow.repo(Projects)
    if isinstance(data, ChangeImplemented):
        project = await projects.get(data.project_id)
        return Facts(category=project.category if project else None)
    if isinstance(data, _PROJECT_KEYED):
        project = await projects.get(data.project_id)
        return Facts(category=project.category if project else None)
    if isinstance(data, BookingCreated):
        team = await people.team_of(data.person_id)
        await people.put_booking(data.id, team)
        return Facts(team=team)
    if isinstance(data, BookingReleased):
        known, team = await people.booking_team(data.id)
        return Facts(team=team if known else await people.team_of(data.person_id))
    if isinstance(data, BookingMoved):
        known, previous = await people.booking_team(data.id)
        if not known:
            previous = await people.team_of(data.previous_person_id)
        team = await people.team_of(data.person_id)
        await people.put_booking(data.id, team)
        return Facts(team=team, previous_team=previous)
    if isinstance(data, PersonCreated):
        await people.put_person(data.id, data.team, data.weekly_hours)
        return NO_FACTS
    if isinstance(data, PersonOverallocated):
        await people.put_episode(data.episode_id, data.first_week, data.last_week)
        return NO_FACTS
    if isinstance(data, PersonOverallocationCleared):
        previous_weeks = await people.episode_weeks(data.episode_id)
        await people.put_episode(data.episode_id, data.first_week, data.last_week)
        return Facts(previous_weeks=previous_weeks)
    if isinstance(data, ProjectCreated):
        project = await projects.ensure(data.id, at)
        project.name, project.category = data.name, data.category
        return NO_FACTS
    if isinstance(data, ProjectStatusReported):
        return await _status_reported(projects, data, at)
    if isinstance(data, BusinessCaseUpdated):
        project = await projects.ensure(data.project_id, at)
        previous = (BusinessCase(project.case_costs or 0.0, project.case_benefits or 0.0,
                                 dict(project.case_monthly_benefits or {}))
                    if project.case_costs is not None else None)
        case = business_case_of(data)
        project.case_costs, project.case_benefits = case.costs, case.benefits
        project.case_monthly_benefits = dict(case.monthly_benefits)
        project.updated_at = at
        return Facts(category=project.category, previous_case=previous)
    return NO_FACTS


async def _status_reported(projects: Projects, data: ProjectStatusReported, at: datetime) -> Facts:
    project = await projects.ensure(data.project_id, at)
    previous = (BudgetReport(project.report_week, project.report_planned or 0.0, project.report_actual or 0.0)
                if project.report_week else None)
    report = budget_of(data)
    if report is not None and (previous is None or report.week >= previous.week):
        project.report_week, project.report_planned, project.report_actual = report.week, report.planned, report.actual
        project.updated_at = at
    return Facts(category=project.category, previous_report=previous)


async def apply_event(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Add what the event counts to the KPIs, stamped with the event's own time."""
    facts = await _facts(uow, data, event.time)
    await uow.repo(KpiValues).add(increments(data, event.time, facts), at=event.time)


async def apply_project_updated(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Keep a project's category: later events count under the new one (history stays where it was counted)."""
    assert isinstance(data, ProjectUpdated)
    if "category" in data.changed or "name" in data.changed:
        project = await uow.repo(Projects).ensure(data.id, event.time)
        if "category" in data.changed:
            project.category = data.changed["category"]
        if "name" in data.changed:
            project.name = data.changed["name"]
