"""Status use cases: a project's RAG now (rules + overrides), setting overrides, and filing weekly reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectStatusReported, RagDimension, ReportedRisk
from tandem_shared.db import new_id
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.costs.plan import month_number, to_date
from tandem_portfolio.costs.service import budget_of
from tandem_portfolio.disruption import rules as disruption_rules
from tandem_portfolio.disruption.service import incidents_of
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.milestones.schemas import MilestoneRead
from tandem_portfolio.projects.models import Project
from tandem_portfolio.risks.repository import RiskRepository
from tandem_portfolio.scope.repository import ScopeChangeRepository
from tandem_portfolio.status import rules
from tandem_portfolio.status.models import StatusOverride, StatusReport
from tandem_portfolio.status.repository import CapacityProjection, StatusRepository
from tandem_portfolio.stewardship import ensure_active, ensure_steward
from tandem_portfolio.teams.repository import TeamScoreRepository
from tandem_portfolio.teams.settings import risk_threshold

TOP_RISKS = 5
# Capacity publishes no role requests yet: the rule takes the count once a projection of them exists.
UNFILLED_ROLE_REQUESTS = 0


def iso_week(day: date) -> str:
    """The ISO week of a day, e.g. `2027-W09`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ProjectStatus:
    """A project's status at a moment: every dimension and the overall colour."""

    as_of: datetime
    dimensions: list[rules.DimensionStatus]

    @property
    def overall(self) -> rules.Rag:
        """The worst colour shown."""
        return rules.overall(self.dimensions)


def _override(row: StatusOverride | None) -> rules.Override | None:
    if row is None:
        return None
    return rules.Override(colour=rules.Rag(row.colour), reason=row.reason, expires_at=row.expires_at,
                          set_by=row.set_by, set_at=row.set_at)


async def project_status(uow: UnitOfWork, project: Project, now: datetime) -> ProjectStatus:
    """Compute every dimension from the project's facts now, then apply the overrides still in force."""
    today = now.date()
    milestones = await uow.repo(MilestoneRepository).for_project(project.id)
    schedule = rules.schedule([rules.MilestoneFacts(m.name, m.kind, m.baseline_date, m.forecast_date,
                                                    m.status == "completed") for m in milestones], today)
    budget = await budget_of(uow, project)
    planned, actual = to_date(budget.months, month_number(today))
    money = rules.budget(planned, actual, budget.currency)
    count, cost, days = await uow.repo(ScopeChangeRepository).approved_totals(project.id)
    total = budget.months[-1].cumulative_planned if budget.months else None
    scope = rules.scope(count, cost, total, budget.currency, days)
    people = await uow.repo(CapacityProjection).overallocated_on(project.id, iso_week(today))
    team = await uow.repo(TeamScoreRepository).of(project.delivery_team)
    caused = await incidents_of(uow, project.id)
    resources = rules.resources(people, UNFILLED_ROLE_REQUESTS, rules.DeliveryTeamScore(
        team.team, team.score, risk_threshold()) if team else None, rules.Disruption(
        disruption_rules.points(caused), len(caused), disruption_rules.describe(caused)) if caused else None)
    overrides = await uow.repo(StatusRepository).overrides(project.id)
    computed = {"schedule": schedule, "budget": money, "scope": scope, "resources": resources}
    return ProjectStatus(now, [rules.dimension_status(name, computed[name], _override(overrides.get(name)), now)
                               for name in rules.DIMENSIONS])


def _override_fields(dimension: str, override: StatusOverride) -> dict[str, Any]:
    """An override's fields as its history names them (`schedule.colour`, ...)."""
    return {f"{dimension}.{name}": getattr(override, name) for name in ("colour", "reason", "expires_at")}


async def set_override(uow: UnitOfWork, *, actor: Actor, project: Project, dimension: str, colour: str, reason: str,
                       expires_at: datetime, now: datetime) -> StatusOverride:
    """Set a dimension's colour by hand until `expires_at` (in the future, at most 30 days away)."""
    ensure_steward(actor, project, "overriding a status colour")
    ensure_active(project, "override a status colour")
    try:
        rules.check_override_expiry(expires_at, now)
    except ValueError as exc:
        raise ValidationProblem.field("expires_at", str(exc)) from exc
    statuses = uow.repo(StatusRepository)
    before = (await statuses.overrides(project.id)).get(dimension)
    override = await statuses.put_override(StatusOverride(
        project_id=project.id, dimension=dimension, colour=colour, reason=reason, expires_at=expires_at,
        set_by=actor.sub, set_at=now))
    await uow.audit(actor=actor.sub, action="override_status", entity_type="project", entity_id=project.id,
                    from_state=before.colour if before else None, to_state=colour,
                    detail={"dimension": dimension, "reason": reason, "expires_at": expires_at.isoformat()},
                    changes=history.changes(
                        {} if before is None else _override_fields(dimension, before),
                        _override_fields(dimension, override)))
    return override


async def clear_override(uow: UnitOfWork, *, actor: Actor, project: Project, dimension: str) -> None:
    """Remove a dimension's override (the computed colour shows again)."""
    ensure_steward(actor, project, "clearing a status override")
    statuses = uow.repo(StatusRepository)
    override = (await statuses.overrides(project.id)).get(dimension)
    if override is None:
        raise ValidationProblem.field("dimension", f"no override is set on {dimension}")
    await uow.audit(actor=actor.sub, action="clear_status_override", entity_type="project", entity_id=project.id,
                    from_state=override.colour, detail={"dimension": dimension})
    await statuses.delete_override(override)


def dimension_snapshot(status: rules.DimensionStatus) -> RagDimension:
    """A dimension as reports and events carry it."""
    return RagDimension(dimension=status.dimension, colour=status.colour.value,
                        computed_colour=status.computed.colour.value,
                        overridden=status.override is not None, explanation=status.computed.explanation,
                        facts=status.computed.facts)


async def file_report(uow: UnitOfWork, *, actor: Actor, project: Project, narrative: str,
                      now: datetime) -> StatusReport:
    """Freeze this week's RAG, milestones and top risks with the narrative: one report per project and ISO week."""
    ensure_steward(actor, project, "filing a status report")
    ensure_active(project, "file a status report")
    week = iso_week(now.date())
    statuses = uow.repo(StatusRepository)
    if await statuses.report_of_week(project.id, week) is not None:
        raise Conflict(f"the status report of {week} is filed already; reports are immutable", week=week)
    status = await project_status(uow, project, now)
    dimensions = [dimension_snapshot(d) for d in status.dimensions]
    overrides = {d.dimension: {"colour": d.override.colour.value, "reason": d.override.reason,
                               "expires_at": d.override.expires_at.isoformat(), "set_by": d.override.set_by}
                 for d in status.dimensions if d.override}
    milestones = [MilestoneRead.model_validate(m).model_dump(mode="json")
                  for m in await uow.repo(MilestoneRepository).for_project(project.id)]
    risks = [ReportedRisk(id=r.id, title=r.title, kind=r.kind, score=r.score, status=r.status)
             for r in await uow.repo(RiskRepository).top(project.id, TOP_RISKS)]
    snapshot: dict[str, Any] = {
        "as_of": now.isoformat(), "dimensions": [d.model_dump(mode="json") for d in dimensions],
        "overrides": overrides, "milestones": milestones, "top_risks": [r.model_dump(mode="json") for r in risks]}
    colours = {d.dimension: d.colour for d in dimensions}
    report = await statuses.add_report(StatusReport(
        id=new_id(), project_id=project.id, week=week, overall=status.overall.value, narrative=narrative,
        snapshot=snapshot, reported_by=actor.sub, reported_at=now, **colours))
    await uow.audit(actor=actor.sub, action="report_status", entity_type="project", entity_id=project.id,
                    to_state=report.overall, detail={"report_id": str(report.id), "week": week, **colours})
    await uow.record(ProjectStatusReported(
        project_id=project.id, report_id=report.id, week=week, overall=report.overall, dimensions=dimensions,
        open_milestones=sum(1 for m in milestones if m["status"] != "completed"), top_risks=risks,
        reported_by=actor.sub), actor=actor.sub)
    return report
