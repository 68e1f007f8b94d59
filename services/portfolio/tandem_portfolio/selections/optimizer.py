"""The exact selection: the MILP of model.py solved by HiGHS, with the greedy baseline and the explanations."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from tandem_portfolio.selections.diagnose import conflicts
from tandem_portfolio.selections.explain import explain, scarce_skill_weeks
from tandem_portfolio.selections.greedy import greedy
from tandem_portfolio.selections.model import FloatArray, Model, build, highs
from tandem_portfolio.selections.problem import (
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    SelectionTimeout,
)


@dataclass(frozen=True)
class Outcome:
    """One MILP run: HiGHS's status, the incumbent's columns (None without one), objective, proven gap, seconds."""

    status: str  # "optimal", "time_limit" or "infeasible"
    values: FloatArray | None
    objective: float
    gap: float
    seconds: float
    duals: FloatArray | None = None  # row duals of the LP relaxation, when it was solved on the way


def run(solver: highspy.Highs, model: Model, start: FloatArray | None = None) -> Outcome:
    """Solves the model already passed to `solver`, optionally from a known feasible selection."""
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        solver.setSolution(solution)  # HiGHS checks it and ignores it when it does not fit
    began = time.perf_counter()
    solver.run()
    seconds = time.perf_counter() - began
    status = solver.getModelStatus()
    info = solver.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return Outcome("infeasible", None, 0.0, 0.0, seconds)
    if model.num_col == 0:
        return Outcome("optimal", np.zeros(0), 0.0, 0.0, seconds)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(solver.getSolution().col_value, dtype=np.float64) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else 0.0
    gap = _gap(objective, float(info.mip_dual_bound)) if has_solution else 1.0
    optimal = status == highspy.HighsModelStatus.kOptimal
    return Outcome("optimal" if optimal else "time_limit", values, objective, 0.0 if optimal and gap < 0 else gap,
                   seconds)


def _gap(objective: float, bound: float) -> float:
    """The relative gap |bound - objective| / |objective| as HiGHS computes it (0 when both are 0)."""
    if abs(bound - objective) < 1e-9:
        return 0.0
    return abs(bound - objective) / max(abs(objective), 1e-9)


@dataclass(frozen=True)
class Relaxation:
    """The LP relaxation's optimum: column values, objective (a bound on the MILP's) and row duals."""

    values: FloatArray
    objective: float
    duals: FloatArray
    reduced_costs: FloatArray


def relax(model: Model) -> Relaxation | None:
    """The LP relaxation solved by simplex; None when it is infeasible (so is the MILP) or did not finish."""
    solver = highs(model.problem.time_limit_seconds)
    solver.passModel(model.lp(integral=False))
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = solver.getSolution()
    return Relaxation(values=np.asarray(solution.col_value, dtype=np.float64),
                      objective=float(solver.getInfo().objective_function_value),
                      duals=np.asarray(solution.row_dual, dtype=np.float64),
                      reduced_costs=np.asarray(solution.col_dual, dtype=np.float64))


def rounded(model: Model, relaxation: Relaxation, time_limit: float, keep_in: bool = True) -> FloatArray | None:
    """A selection near the relaxation, from a small MILP around it (RENS and RINS, in the literature).

    Projects the relaxation leaves out stay out. With `keep_in` the ones it takes whole stay in (at any start of
    their window) and only the few it splits are decided: with most binaries fixed HiGHS solves this in a fraction
    of the whole MILP's time. Without, the ones it takes may go out too: slower, and closer to the optimum.
    """
    x = relaxation.values
    upper = model.col_upper.copy()
    row_lower = np.asarray(model.rows.lower, dtype=np.float64).copy()
    choice = {label[1]: r for r, label in enumerate(model.rows.label) if label[0] == "choice"}
    for p, candidate in enumerate(model.problem.candidates):
        cols = model.cols(p)
        if not len(cols):
            continue
        taken = float(x[cols.start:cols.stop].sum())
        if taken < 1e-6:
            upper[cols.start:cols.stop] = 0.0
        elif keep_in and taken > 1 - 1e-6:
            row_lower[choice[candidate.id]] = 1.0
    lp = model.lp()
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    solver = highs(time_limit, model.problem.mip_gap / 2)
    solver.passModel(lp)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:
        return None
    return np.asarray(solver.getSolution().col_value, dtype=np.float64)


def optimise(model: Model, start: FloatArray | None = None) -> Outcome:
    """The model's optimum (or the best found in the time limit).

    1. The LP relaxation: its objective bounds the optimum.
    2. Selections from two small MILPs around it (rounded()): when one is within the gap of that bound, the bound
       proves it and the search ends there.
    3. Otherwise reduced-cost fixing, which is exact: a column at 0 in the relaxation whose reduced cost is more
       than the distance between the bound and the selection's value cannot be 1 in any better selection (nor a
       column at 1 be 0), so it is fixed; HiGHS's branch and bound then runs on what is left, from the selection.
       The bound of the whole problem is the larger of that run's bound and the selection's value.
    """
    if model.num_col == 0:
        return Outcome("optimal", np.zeros(0), 0.0, 0.0, 0.0)
    problem = model.problem
    began = time.perf_counter()
    if start is not None and not model.feasible(start):
        start = None  # only a selection that keeps every constraint may serve as the incumbent
    relaxation = relax(model)
    duals = relaxation.duals if relaxation is not None else None
    lp = model.lp()
    incumbent = -np.inf
    if relaxation is not None:
        for keep_in in (True, False):  # the smaller neighbourhood first
            left = problem.time_limit_seconds - (time.perf_counter() - began)
            candidate = rounded(model, relaxation, max(left / 4, 0.1), keep_in)
            if candidate is None:
                continue
            objective = float(candidate @ model.cost)
            gap = _gap(objective, relaxation.objective)
            if gap <= problem.mip_gap:
                return Outcome("optimal", candidate, objective, gap, time.perf_counter() - began, duals)
            if start is None or objective > float(start @ model.cost):
                start = candidate
        if start is not None:
            incumbent = float(start @ model.cost)
            margin = relaxation.objective - incumbent + 1e-6 * max(1.0, abs(incumbent))
            x, rc = relaxation.values, np.abs(relaxation.reduced_costs)
            lower, upper = model.col_lower.copy(), model.col_upper.copy()
            upper[(x < 1e-9) & (rc > margin)] = 0.0
            lower[(x > 1 - 1e-9) & (rc > margin) & (upper > 0)] = 1.0
            lp.col_lower_ = lower
            lp.col_upper_ = upper
    left = problem.time_limit_seconds - (time.perf_counter() - began)
    solver = highs(max(left, 0.1), problem.mip_gap)
    solver.passModel(lp)
    outcome = run(solver, model, start)
    values, objective = outcome.values, outcome.objective
    if start is not None and (values is None or objective < incumbent):
        values, objective = start, incumbent  # the fixed problem holds only the better selections, if any
    if values is None:
        return Outcome(outcome.status, None, 0.0, 1.0, time.perf_counter() - began, duals)
    if outcome.status == "infeasible":  # nothing better than the incumbent exists: it is optimal
        return Outcome("optimal", values, objective, 0.0, time.perf_counter() - began, duals)
    bound = float(solver.getInfo().mip_dual_bound)
    if relaxation is not None:
        bound = min(bound, relaxation.objective) if np.isfinite(bound) else relaxation.objective
    gap = _gap(objective, max(bound, objective))
    status = "optimal" if outcome.status == "optimal" or gap <= problem.mip_gap else outcome.status
    return Outcome(status, values, objective, gap, time.perf_counter() - began, duals)


def precheck(problem: SelectionProblem, model: Model) -> list[str]:
    """Conflicts visible without solving: a must-do project that is never-do, cannot start, or excludes another."""
    found: list[str] = []
    musts = {c.id for c in problem.candidates if c.must}
    for c in problem.candidates:
        if c.must and c.id in model.unavailable:
            found.append(f"must-do {c.id} cannot be selected: {model.unavailable[c.id]}")
    for left, right in problem.exclusions:
        if left in musts and right in musts:
            found.append(f"exclusion {left} / {right}: both are must-do")
    return found


def solve(problem: SelectionProblem) -> SelectionResult:
    """The best selection under every constraint, the greedy fill beside it and why each other project is out."""
    began = time.perf_counter()
    model = build(problem)
    build_seconds = time.perf_counter() - began
    found = precheck(problem, model)
    if found:
        raise SelectionInfeasible(found)
    outcome = optimise(model)
    if outcome.status == "infeasible":
        raise SelectionInfeasible(conflicts(model) or ["the constraints cannot all hold (no single cause found)"])
    if outcome.values is None:
        raise SelectionTimeout(f"no selection that keeps every constraint was found within "
                               f"{problem.time_limit_seconds:g} s, and none was proven impossible")
    selected = model.decode(outcome.values)
    baseline = greedy(problem)
    used = model.load(selected)
    cost_by_period: dict[str, float] = {}
    for pid in selected:
        for period, amount in problem.candidates[model.index[pid]].cost_by_period.items():
            cost_by_period[period] = cost_by_period.get(period, 0.0) + amount
    return SelectionResult(
        status="optimal" if outcome.status == "optimal" else "time_limit",
        objective=float(sum(problem.candidates[model.index[pid]].value for pid in selected)),
        gap=outcome.gap,
        solve_seconds=outcome.seconds,
        selected=selected,
        excluded=explain(model, selected),
        greedy_objective=float(sum(problem.candidates[model.index[pid]].value for pid in baseline)),
        greedy_selected=baseline,
        scarce=scarce_skill_weeks(model, used, outcome.duals),
        total_cost=float(sum(problem.candidates[model.index[pid]].total_cost for pid in selected)),
        cost_by_period=dict(sorted(cost_by_period.items())),
        utilisation={skill: used[k].tolist() for k, skill in enumerate(model.skills)},
        build_seconds=build_seconds,
    )
