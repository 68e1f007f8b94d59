"""Gate criteria on a project's resource demand."""

from __future__ import annotations

from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.projects.models import Project


@criterion("demand_planned", "The project has planned its resource demand (at least `min` lines).",
           min="how many demand lines at least (default 1)")
async def demand_planned(uow: UnitOfWork, project: Project, params: dict[str, Any]) -> CriterionResult:
    least = params.get("min", 1)
    if isinstance(least, bool) or not isinstance(least, int) or least < 0:
        raise ValueError(f"parameter 'min' must be a whole number ≥ 0, not {least!r}")
    lines = await uow.repo(DemandRepository).for_project(project.id)
    hours = sum(line.hours_per_week for line in lines)
    why = f"{len(lines)} demand line(s), {hours:g} h/week in all; {least} line(s) needed"
    return CriterionResult(len(lines) >= least, why, {"lines": len(lines)})
