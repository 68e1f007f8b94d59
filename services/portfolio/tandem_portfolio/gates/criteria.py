"""The built-in gate criteria on a project's own record: who is named, which objectives it serves, what it touches.

They live with the gates rather than in `projects`, which the criteria registry already refers to.
"""

from __future__ import annotations

from typing import Any

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CriterionResult, criterion
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectLinks, ProjectRepository


def whole(params: dict[str, Any], name: str, default: int) -> int:
    """A whole-number parameter (≥ 0), or ValueError naming it."""
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"parameter {name!r} must be a whole number ≥ 0, not {value!r}")
    return value


async def _links(uow: UnitOfWork, project: Project) -> ProjectLinks:
    return (await uow.repo(ProjectRepository).links([project.id]))[project.id]


def _named(what: str, value: str | None) -> CriterionResult:
    return CriterionResult(True, f"{what}: {value}") if value else CriterionResult(False, f"no {what} named")


@criterion("sponsor_named", "The project names its sponsor.")
async def sponsor_named(_uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _named("sponsor", project.sponsor)


@criterion("project_manager_named", "The project names its project manager.")
async def project_manager_named(_uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    return _named("project manager", project.project_manager)


@criterion("problem_stated", "The idea states the problem it solves.")
async def problem_stated(_uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    if project.problem_statement and project.problem_statement.strip():
        return CriterionResult(True, "the problem is stated")
    return CriterionResult(False, "no problem statement")


@criterion("service_owner_named", "The receiving service's owner and the support team are named.")
async def service_owner_named(_uow: UnitOfWork, project: Project, _params: dict[str, Any]) -> CriterionResult:
    missing = [what for what, value in (("service owner", project.service_owner),
                                        ("support team", project.support_team)) if not value]
    if missing:
        return CriterionResult(False, f"no {' and no '.join(missing)} named")
    return CriterionResult(True, f"service owner {project.service_owner}, support team {project.support_team}")


@criterion("objectives_linked", "The project serves at least `min` strategic objectives.",
           min="how many objectives at least (default 1)",
           min_contribution="the contribution (0–5) an objective counts from (default 1)")
async def objectives_linked(uow: UnitOfWork, project: Project, params: dict[str, Any]) -> CriterionResult:
    least, floor = whole(params, "min", 1), whole(params, "min_contribution", 1)
    counted = [o for o in (await _links(uow, project)).objectives if o.contribution >= floor]
    why = f"{len(counted)} objective(s) with a contribution of {floor} or more; {least} needed"
    return CriterionResult(len(counted) >= least, why, {"objectives": len(counted)})


@criterion("touches_named", "The services and CIs the project will touch are listed.",
           min="how many services and CIs at least, together (default 1)")
async def touches_named(uow: UnitOfWork, project: Project, params: dict[str, Any]) -> CriterionResult:
    least = whole(params, "min", 1)
    links = await _links(uow, project)
    listed = len(links.services) + len(links.cis)
    why = f"{len(links.services)} service(s) and {len(links.cis)} CI(s) listed; {least} needed"
    return CriterionResult(listed >= least, why, {"services": len(links.services), "cis": len(links.cis)})
