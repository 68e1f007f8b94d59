"""Selection use cases: create a run (solved at once or queued), solve a queued one, commit one, compare two.

Solving goes through a `Solver` (the MILP optimiser by default) so a unit test can hand in a stand-in; the solver
runs in a worker thread so the event loop goes on meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Protocol

from tandem_shared.auth import Actor
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.business_cases import finance
from tandem_portfolio.decisions import service as decisions
from tandem_portfolio.decisions.models import Decision
from tandem_portfolio.decisions.repository import DecisionRepository
from tandem_portfolio.demand.service import republish_plan
from tandem_portfolio.projects.lifecycle import DEFER, LIVE, RESUME, ProjectStage
from tandem_portfolio.projects.models import Project
from tandem_portfolio.selections import builder
from tandem_portfolio.selections.models import Selection
from tandem_portfolio.selections.problem import (
    FrontierPoint,
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    SelectionTimeout,
)
from tandem_portfolio.selections.repository import CandidateFilter, SelectionRepository
from tandem_portfolio.selections.schemas import FrontierSpec, SelectionCommit, SelectionCreate
from tandem_portfolio.selections.settings import selection_settings

INITIATE = "initiate"
SYSTEM = "tandem"  # the platform solves background runs, not a person
STALE_AFTER = timedelta(hours=1)  # a run "running" this long lost its worker: another takes it
ENTITY = "selection"
# Stages a selected project is initiated from: it keeps its stage (the gates still decide forward moves) and its
# demand, shifted to the chosen start, is published for capacity to book. Executing and transition go on as they are.
INITIATED_STAGES = frozenset({ProjectStage.IDEA, ProjectStage.PROPOSED, ProjectStage.APPROVED, ProjectStage.PLANNING})


class Solver(Protocol):
    """What a run needs of the optimiser."""

    def solve(self, problem: SelectionProblem) -> SelectionResult: ...

    def frontier(self, problem: SelectionProblem, budget_factors: Sequence[float],
                 capacity_factors: Sequence[float]) -> list[FrontierPoint]: ...


class MilpSolver:
    """The exact optimiser (`selections.optimizer`, `selections.frontier`), imported when first used."""

    def solve(self, problem: SelectionProblem) -> SelectionResult:
        result: SelectionResult = importlib.import_module("tandem_portfolio.selections.optimizer").solve(problem)
        return result

    def frontier(self, problem: SelectionProblem, budget_factors: Sequence[float],
                 capacity_factors: Sequence[float]) -> list[FrontierPoint]:
        points: list[FrontierPoint] = importlib.import_module("tandem_portfolio.selections.frontier").frontier(
            problem, list(budget_factors), tuple(capacity_factors))
        return points


SOLVER: Solver = MilpSolver()


async def load_inputs(uow: UnitOfWork, body: SelectionCreate, *, today: date | None = None) -> builder.BuildInputs:
    """The facts a run is built from: candidates by the filter, their demand, business cases and scores."""
    repo = uow.repo(SelectionRepository)
    which = CandidateFilter(stages=[s.value for s in body.candidates.stages],
                            categories=[c.value for c in body.candidates.categories],
                            project_ids=body.candidates.project_ids)
    scores: dict[uuid.UUID, float] = {}
    if body.value.model_id is not None and body.value.kind != "npv":
        found = await repo.scores(body.value.model_id)
        if found is None:
            raise ValidationProblem.field("value.model_id", "no scoring model with this id")
        scores = found
    cases = {}
    for pid, case in (await repo.cases(which)).items():
        figures = finance.figures(((month - case.horizon_start, kind, amount) for month, kind, amount in case.lines),
                                  case.discount_rate)
        costs: dict[int, float] = {}
        for month, kind, amount in case.lines:
            if kind != "benefit":
                costs[month] = costs.get(month, 0.0) + float(amount)
        cases[pid] = builder.CaseFacts(currency=case.currency, npv=float(figures.npv), costs_by_month=costs)
    return builder.BuildInputs(projects=await repo.candidates(which), demand=await repo.demand(which), cases=cases,
                               scores=scores, outlook=await repo.outlook(), today=today or utcnow().date())


async def create_run(uow: UnitOfWork, *, actor: Actor, body: SelectionCreate, solver: Solver = SOLVER,
                     today: date | None = None, reads: UnitOfWork | None = None) -> tuple[Selection, bool]:
    """Build and store a run; solve it now when it is small (True), else queue it for the worker (False).

    `reads` is where the facts are read (the request's own unit by default; the route passes a read-only one).
    """
    built = await build_run(reads or uow, body, today=today)
    solved = await solve_if_small(built, body, solver)
    return await store_run(uow, actor=actor, body=body, built=built, solved=solved), solved is not None


async def build_run(reads: UnitOfWork, body: SelectionCreate, *, today: date | None = None) -> builder.Built:
    """The run's problem from the request and the facts (a 422 names the offending field)."""
    return builder.build(body, await load_inputs(reads, body, today=today))


async def solve_if_small(built: builder.Built, body: SelectionCreate, solver: Solver = SOLVER) -> Solved | None:
    """Solve a run with few enough candidates now (within the request's time limit); None for a large one."""
    settings = selection_settings()
    if len(built.problem.candidates) > settings.sync_max_candidates:
        return None
    limit = min(built.problem.time_limit_seconds, settings.sync_time_limit_seconds)
    return await solve(replace(built.problem, time_limit_seconds=limit), built.meta, body.frontier, solver)


async def store_run(uow: UnitOfWork, *, actor: Actor, body: SelectionCreate, built: builder.Built,
                    solved: Solved | None) -> Selection:
    """Store a run with its request and problem: with its outcome when solved, else queued for the worker."""
    started = utcnow()
    selection = await uow.repo(SelectionRepository).add(Selection(
        id=new_id(), name=body.name, description=body.description,
        status="queued" if solved is None else "running", request=body.model_dump(mode="json"),
        problem=builder.problem_to_json(built.problem), meta=built.meta, value_kind=body.value.kind,
        candidate_count=len(built.problem.candidates), created_by=actor.sub, created_at=started,
        started_at=None if solved is None else started))
    await uow.audit(actor=actor.sub, action="create", entity_type=ENTITY, entity_id=selection.id,
                    to_state=selection.status, detail={"name": body.name, "candidates": selection.candidate_count})
    if solved is not None:
        await keep(uow, selection, solved)
    return selection


@dataclass(frozen=True)
class Solved:
    """A run's outcome, before it is written: done (result, frontier), infeasible (conflicts) or failed (error)."""

    status: str
    result: dict[str, Any] | None = None
    frontier: list[dict[str, Any]] | None = None
    conflicts: list[str] | None = None
    error: str | None = None
    objective: float | None = None
    selected_count: int | None = None


async def solve(problem: SelectionProblem, meta: dict[str, Any], frontier: FrontierSpec | None,
                solver: Solver = SOLVER) -> Solved:
    """Solve a problem (and its frontier when asked) in a worker thread; no database."""
    try:
        result = await asyncio.to_thread(solver.solve, problem)
        if result.status == "infeasible":
            return Solved("infeasible", conflicts=result.conflicts or ["the constraints cannot all hold"])
        points = None
        if frontier is not None:
            points = await asyncio.to_thread(solver.frontier, problem, frontier.budget_factors,
                                             frontier.capacity_factors)
        return Solved("done", result=builder.outcome(problem, result, meta),
                      frontier=builder.frontier_json(points) if points is not None else None,
                      objective=result.objective, selected_count=len(result.selected))
    except SelectionInfeasible as exc:
        return Solved("infeasible", conflicts=list(exc.conflicts))
    except SelectionTimeout as exc:  # not proven infeasible: more time (or a smaller run) may find one
        return Solved("failed", error=f"{exc} (raise time_limit_seconds, or run it with fewer candidates)")
    except Exception as exc:  # noqa: BLE001 - a solver fault fails the run, which says why, not the service
        return Solved("failed", error=f"{type(exc).__name__}: {exc}")


async def keep(uow: UnitOfWork, selection: Selection, solved: Solved) -> None:
    """Write a run's outcome on it, with an audit row."""
    before = selection.status
    selection.status, selection.result, selection.frontier = solved.status, solved.result, solved.frontier
    selection.conflicts, selection.error, selection.finished_at = solved.conflicts, solved.error, utcnow()
    selection.objective, selection.selected_count = solved.objective, solved.selected_count
    await uow.audit(actor=SYSTEM, action="solve", entity_type=ENTITY, entity_id=selection.id, from_state=before,
                    to_state=solved.status, detail={"objective": solved.objective, "conflicts": solved.conflicts,
                                                    "error": solved.error})


async def claim_queued(uow: UnitOfWork) -> Selection | None:
    """Take the oldest queued run (or one a dead worker left running) for solving."""
    now = utcnow()
    return await uow.repo(SelectionRepository).claim_next(now=now, stale_before=now - STALE_AFTER)


async def keep_solved(uow: UnitOfWork, selection_id: uuid.UUID, solved: Solved) -> None:
    """Write a background run's outcome, unless another worker finished it meanwhile."""
    selection = await uow.repo(SelectionRepository).lock_or_404(selection_id)
    if selection.status in ("queued", "running"):
        await keep(uow, selection, solved)


async def frontier_of(uow: UnitOfWork, selection_id: uuid.UUID, spec: FrontierSpec | None,
                      solver: Solver = SOLVER) -> list[dict[str, Any]]:
    """The run's frontier: as stored when it was asked with the run and no other factors are given, else solved now."""
    selection = await uow.repo(SelectionRepository).get_or_404(selection_id)
    if selection.status != "done":
        raise Conflict(f"the run is {selection.status}: a frontier needs a run that is done", status=selection.status)
    if spec is None and selection.frontier is not None:
        return list(selection.frontier)
    spec = spec or FrontierSpec()
    problem = builder.problem_from_json(selection.problem)
    # Asked in a request: each point gets the request's time limit, not the run's.
    problem = replace(problem, time_limit_seconds=min(problem.time_limit_seconds,
                                                      selection_settings().sync_time_limit_seconds))
    points = await asyncio.to_thread(solver.frontier, problem, spec.budget_factors, spec.capacity_factors)
    return builder.frontier_json(points)


@dataclass(frozen=True)
class Committed:
    """What a commit did to one project."""

    project_id: uuid.UUID
    action: str
    from_stage: str
    to_stage: str
    shift_weeks: int = 0


async def commit(uow: UnitOfWork, *, actor: Actor, selection_id: uuid.UUID, body: SelectionCommit) -> tuple[
        Selection, list[Committed]]:
    """Initiate what the run selected (demand shifted to its start and published) and defer what it left out."""
    repo = uow.repo(SelectionRepository)
    selection = await repo.lock_or_404(selection_id)
    if selection.status != "done":
        raise Conflict(f"only a run that is done commits; this one is {selection.status}", status=selection.status)
    if selection.committed_at is not None:
        raise Conflict(f"committed already by {selection.committed_by} at {selection.committed_at.isoformat()}",
                       committed_by=selection.committed_by)
    reason = body.reason or f"Portfolio selection '{selection.name}' ({selection.id})"
    shifts = {uuid.UUID(item["project_id"]): int(item["shift_weeks"]) for item in _result(selection)["selected"]}
    candidates = [uuid.UUID(pid) for pid in selection.meta["projects"]]
    done: list[Committed] = []
    for project in await repo.lock_projects(candidates):
        before = project.stage
        if project.id in shifts:
            done.append(await _initiate(uow, actor=actor.sub, project=project, shift=shifts[project.id],
                                        reason=reason, selection_id=selection.id))
        elif ProjectStage(before) in LIVE:
            await decisions.decide(uow, actor=actor.sub, project=project, action=DEFER, reason=reason)
            done.append(Committed(project.id, DEFER, before, project.stage))
        else:
            done.append(Committed(project.id, "none", before, before))
    selection.committed_by, selection.committed_at = actor.sub, utcnow()
    await uow.audit(actor=actor.sub, action="commit", entity_type=ENTITY, entity_id=selection.id,
                    detail={"initiated": [str(c.project_id) for c in done if c.action in (INITIATE, RESUME)],
                            "deferred": [str(c.project_id) for c in done if c.action == DEFER],
                            "reason": reason})
    return selection, done


async def _initiate(uow: UnitOfWork, *, actor: str, project: Project, shift: int, reason: str,
                    selection_id: uuid.UUID) -> Committed:
    before = project.stage
    stage = ProjectStage(before)
    if stage is not ProjectStage.ON_HOLD and stage not in INITIATED_STAGES:
        return Committed(project.id, "none", before, before)  # executing (or ended since the run): as it is
    if shift:
        for line in await uow.repo(SelectionRepository).demand_lines(project.id):
            line.start += timedelta(weeks=shift)
            line.end += timedelta(weeks=shift)
        project.updated_at = utcnow()  # the plan's ETag is the project's
        await uow.audit(actor=actor, action="shift_demand", entity_type="project", entity_id=project.id,
                        detail={"weeks": shift, "selection_id": str(selection_id)})
    if stage is ProjectStage.ON_HOLD:
        # Resuming publishes the (shifted) plan again: capacity books it again.
        await decisions.decide(uow, actor=actor, project=project, action=RESUME, reason=reason)
        return Committed(project.id, RESUME, before, project.stage, shift)
    uow.repo(DecisionRepository).add(Decision(
        id=new_id(), decided_at=utcnow(), project_id=project.id, action=INITIATE, from_stage=before, to_stage=before,
        reason=reason, decided_by=actor))
    await uow.audit(actor=actor, action=INITIATE, entity_type="project", entity_id=project.id, from_state=before,
                    to_state=before, detail={"reason": reason, "selection_id": str(selection_id), "shift_weeks": shift})
    await republish_plan(uow, actor=actor, project=project)  # capacity books (or moves) the demand
    return Committed(project.id, INITIATE, before, before, shift)


def compare(a: Selection, b: Selection) -> dict[str, Any]:
    """Two done runs side by side: projects in and out, value, cost, peak utilisation per skill."""
    for name, run in (("a", a), ("b", b)):
        if run.status != "done":
            raise ValidationProblem.field(name, f"the run is {run.status}: only runs that are done compare")
    names = {**{p: m["name"] for p, m in a.meta["projects"].items()},
             **{p: m["name"] for p, m in b.meta["projects"].items()}}
    result_a, result_b = _result(a), _result(b)
    in_a = {item["project_id"] for item in result_a["selected"]}
    in_b = {item["project_id"] for item in result_b["selected"]}

    def listed(ids: set[str]) -> list[dict[str, str]]:
        return [{"project_id": pid, "name": names[pid]} for pid in sorted(ids, key=lambda p: (names[p], p))]

    peaks_a = {u["skill"]: u["peak_utilisation"] for u in result_a["utilisation"]}
    peaks_b = {u["skill"]: u["peak_utilisation"] for u in result_b["utilisation"]}
    value_a, value_b = result_a["objective"], result_b["objective"]
    cost_a, cost_b = result_a["total_cost"], result_b["total_cost"]
    return {"a": a.id, "b": b.id, "only_in_a": listed(in_a - in_b), "only_in_b": listed(in_b - in_a),
            "in_both": listed(in_a & in_b),
            "value": {"a": value_a, "b": value_b, "difference": value_b - value_a},
            "cost": {"a": cost_a, "b": cost_b, "difference": cost_b - cost_a},
            "peak_utilisation": [{"skill": s, "a": peaks_a.get(s), "b": peaks_b.get(s)}
                                 for s in sorted(set(peaks_a) | set(peaks_b))]}


def _result(selection: Selection) -> dict[str, Any]:
    """The outcome of a run that is done."""
    assert selection.result is not None, "a run that is done has a result"
    return selection.result
