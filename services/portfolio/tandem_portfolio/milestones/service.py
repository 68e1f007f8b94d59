"""Milestone use cases: each writes the milestone, its audit row and its events in the caller's unit of work."""

from __future__ import annotations

from datetime import date, timedelta

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import (
    GoLiveScheduled,
    MilestoneBaselined,
    MilestoneCompleted,
    MilestoneForecastChanged,
    MilestonePlanned,
)
from tandem_shared.db import new_id
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.milestones.models import Milestone
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.milestones.schemas import MilestoneBaseline, MilestoneComplete, MilestoneCreate, MilestoneUpdate
from tandem_portfolio.milestones.slip import working_days_late
from tandem_portfolio.projects.models import Project
from tandem_portfolio.stewardship import ensure_active, ensure_steward

OPEN_ACTIONS = ("update", "baseline", "complete", "delete")
# An actual date a day ahead of UTC is someone's today east of Greenwich; further ahead has not happened yet.
FUTURE_TOLERANCE = timedelta(days=1)


def _ensure_open(milestone: Milestone, action: str) -> None:
    if milestone.status == "completed":
        raise InvalidTransition(entity="milestone", state="completed", action=action, allowed=[])


def _slip_days(baseline: date | None, later: date) -> tuple[int | None, int | None]:
    if baseline is None:
        return None, None
    return (later - baseline).days, working_days_late(baseline, later)


async def _go_live_scheduled(uow: UnitOfWork, milestone: Milestone, actor: Actor) -> None:
    if milestone.kind != "go_live" or milestone.window_start is None or milestone.window_end is None:
        return
    await uow.record(GoLiveScheduled(
        project_id=milestone.project_id, milestone_id=milestone.id, name=milestone.name,
        window_start=milestone.window_start, window_end=milestone.window_end,
        service_ids=milestone.service_ids, ci_ids=milestone.ci_ids, scheduled_by=actor.sub), actor=actor.sub)


async def plan_milestone(uow: UnitOfWork, *, actor: Actor, project: Project, body: MilestoneCreate) -> Milestone:
    """Add a milestone (baselined at once when asked); a go-live with a window is announced for change."""
    ensure_steward(actor, project, "planning a milestone")
    ensure_active(project, "plan a milestone")
    milestone = await uow.repo(MilestoneRepository).add(Milestone(
        id=new_id(), project_id=project.id, name=body.name, description=body.description, kind=body.kind,
        status="planned", forecast_date=body.forecast_date,
        baseline_date=body.forecast_date if body.baseline else None,
        window_start=body.window_start, window_end=body.window_end,
        service_ids=[str(i) for i in body.service_ids], ci_ids=[str(i) for i in body.ci_ids], created_by=actor.sub))
    await uow.audit(actor=actor.sub, action="plan", entity_type="milestone", entity_id=milestone.id,
                    to_state="planned", detail={"project_id": str(project.id), "forecast_date": str(body.forecast_date),
                                                "baselined": body.baseline})
    await uow.record(MilestonePlanned(
        id=milestone.id, project_id=project.id, name=milestone.name, kind=milestone.kind,
        forecast_date=milestone.forecast_date, baseline_date=milestone.baseline_date, planned_by=actor.sub),
        actor=actor.sub)
    await _go_live_scheduled(uow, milestone, actor)
    return milestone


async def update_milestone(uow: UnitOfWork, *, actor: Actor, project: Project, milestone: Milestone,
                           body: MilestoneUpdate) -> Milestone:
    """Change a milestone's name, forecast or go-live details; a moved forecast or window is published."""
    ensure_steward(actor, project, "changing a milestone")
    ensure_active(project, "change a milestone")
    _ensure_open(milestone, "update")
    given = body.model_fields_set - {"reason"}
    for name in ("name", "forecast_date"):
        if name in given and getattr(body, name) is None:
            raise ValidationProblem.field(name, "cannot be removed")
    touches_go_live = {"window_start", "window_end", "service_ids", "ci_ids"} & given
    if touches_go_live and milestone.kind != "go_live":
        raise ValidationProblem.field(min(touches_go_live), "only a go_live milestone has this")
    if milestone.window_start is not None and {"window_start", "window_end"} & given and body.window_start is None:
        raise ValidationProblem.field("window_start", "a go-live's window can be moved, not removed")
    before = {"forecast_date": milestone.forecast_date, "window": (milestone.window_start, milestone.window_end),
              "touches": (list(milestone.service_ids), list(milestone.ci_ids))}
    old = history.snapshot(milestone, sorted(given))
    for name in given:
        value = getattr(body, name)
        setattr(milestone, name, [str(i) for i in value] if name in ("service_ids", "ci_ids") else value)
    await uow.repo(MilestoneRepository).save(milestone)
    changed = sorted(given)
    await uow.audit(actor=actor.sub, action="update", entity_type="milestone", entity_id=milestone.id,
                    detail={"changed": changed, "reason": body.reason,
                            "previous_forecast_date": str(before["forecast_date"])},
                    changes=history.changes(old, history.snapshot(milestone, old)))
    if milestone.forecast_date != before["forecast_date"]:
        slip, working = _slip_days(milestone.baseline_date, milestone.forecast_date)
        await uow.record(MilestoneForecastChanged(
            id=milestone.id, project_id=project.id, name=milestone.name, kind=milestone.kind,
            baseline_date=milestone.baseline_date, previous_forecast_date=before["forecast_date"],
            forecast_date=milestone.forecast_date, slip_days=slip, slip_working_days=working, reason=body.reason,
            changed_by=actor.sub), actor=actor.sub)
    if (before["window"] != (milestone.window_start, milestone.window_end)
            or before["touches"] != (milestone.service_ids, milestone.ci_ids)):
        await _go_live_scheduled(uow, milestone, actor)
    return milestone


async def baseline_milestone(uow: UnitOfWork, *, actor: Actor, project: Project, milestone: Milestone,
                             body: MilestoneBaseline) -> Milestone:
    """Set the baseline once; setting it again is re-baselining, which needs a reason (audited, published)."""
    ensure_steward(actor, project, "baselining a milestone")
    ensure_active(project, "baseline a milestone")
    _ensure_open(milestone, "baseline")
    previous = milestone.baseline_date
    if previous is not None and not body.reason:
        raise ValidationProblem.field("reason", "re-baselining needs a reason")
    milestone.baseline_date = body.baseline_date or milestone.forecast_date
    await uow.repo(MilestoneRepository).save(milestone)
    await uow.audit(actor=actor.sub, action="baseline" if previous is None else "rebaseline", entity_type="milestone",
                    entity_id=milestone.id, from_state=str(previous) if previous else None,
                    to_state=str(milestone.baseline_date), detail={"reason": body.reason},
                    changes=history.changes({"baseline_date": previous}, {"baseline_date": milestone.baseline_date}))
    await uow.record(MilestoneBaselined(
        id=milestone.id, project_id=project.id, name=milestone.name, baseline_date=milestone.baseline_date,
        previous_baseline_date=previous, reason=body.reason, baselined_by=actor.sub), actor=actor.sub)
    return milestone


async def complete_milestone(uow: UnitOfWork, *, actor: Actor, project: Project, milestone: Milestone,
                             body: MilestoneComplete, today: date) -> Milestone:
    """Record that the milestone was reached, with its slip against the baseline (schedule adherence)."""
    ensure_steward(actor, project, "completing a milestone")
    ensure_active(project, "complete a milestone")
    _ensure_open(milestone, "complete")
    actual = body.actual_date or today
    if actual > today + FUTURE_TOLERANCE:
        raise ValidationProblem.field("actual_date", "must not be in the future")
    milestone.status, milestone.actual_date = "completed", actual
    await uow.repo(MilestoneRepository).save(milestone)
    slip, working = _slip_days(milestone.baseline_date, actual)
    await uow.audit(actor=actor.sub, action="complete", entity_type="milestone", entity_id=milestone.id,
                    from_state="planned", to_state="completed", detail={"actual_date": str(actual)},
                    changes=history.changes({"status": "planned", "actual_date": None},
                                            {"status": "completed", "actual_date": actual}))
    await uow.record(MilestoneCompleted(
        id=milestone.id, project_id=project.id, name=milestone.name, kind=milestone.kind,
        baseline_date=milestone.baseline_date, forecast_date=milestone.forecast_date, actual_date=actual,
        slip_days=slip, slip_working_days=working, completed_by=actor.sub), actor=actor.sub)
    return milestone


async def delete_milestone(uow: UnitOfWork, *, actor: Actor, project: Project, milestone: Milestone) -> None:
    """Remove a milestone not yet reached; the audit row keeps its dates."""
    ensure_steward(actor, project, "deleting a milestone")
    ensure_active(project, "delete a milestone")
    _ensure_open(milestone, "delete")
    await uow.audit(actor=actor.sub, action="delete", entity_type="milestone", entity_id=milestone.id,
                    from_state=milestone.status, detail={
                        "project_id": str(project.id), "name": milestone.name, "kind": milestone.kind,
                        "baseline_date": str(milestone.baseline_date) if milestone.baseline_date else None,
                        "forecast_date": str(milestone.forecast_date)})
    await uow.repo(MilestoneRepository).delete(milestone)
