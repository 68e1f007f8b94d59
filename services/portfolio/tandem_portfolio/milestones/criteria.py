"""Gate criterion `milestones_baselined`: the plan's milestones carry baselines."""

from __future__ import annotations

from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.projects.models import Project


@criterion("milestones_baselined",
           "The project has milestones and every one not yet completed is baselined.",
           require_go_live="true: a go-live milestone must be among them (default false)")
async def milestones_baselined(uow: UnitOfWork, project: Project, params: dict[str, Any]) -> CriterionResult:
    """Met when there is at least one milestone and no open one lacks a baseline (and a go-live, if required)."""
    milestones = await uow.repo(MilestoneRepository).for_project(project.id)
    unbaselined = [m.name for m in milestones if m.status != "completed" and m.baseline_date is None]
    has_go_live = any(m.kind == "go_live" for m in milestones)
    wants_go_live = str(params.get("require_go_live", "false")).lower() in ("true", "1", "yes")
    facts = {"milestones": len(milestones), "unbaselined": unbaselined, "has_go_live": has_go_live}
    if not milestones:
        return CriterionResult(False, "the project has no milestones", facts)
    if unbaselined:
        return CriterionResult(False, f"{len(unbaselined)} open milestone(s) not baselined: "
                               + ", ".join(unbaselined), facts)
    if wants_go_live and not has_go_live:
        return CriterionResult(False, "no go-live milestone is planned", facts)
    return CriterionResult(True, f"all {len(milestones)} milestone(s) are baselined", facts)
