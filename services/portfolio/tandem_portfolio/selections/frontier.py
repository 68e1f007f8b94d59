"""The efficient frontier: the best value at each budget level (and capacity multiplier), as points a UI can plot.

The model is built once, at the smallest factors (so every row that can bind at any level is in it, and no start is
fixed out for want of capacity or budget); each point only moves the budget and capacity rows' bounds and is solved
as solve() does (relaxation, neighbourhoods, fixing, branch and bound); a point without any selection (the must-do
projects do not fit, or none was found in the time limit) is feasible=False. Points run budget-ascending, and each
starts from the previous point's selection when it still fits (it does at a larger budget): HiGHS takes it as its
first incumbent (setSolution) and the reduced-cost fixing measures against it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tandem_portfolio.selections.model import FloatArray, build, skill_capacity
from tandem_portfolio.selections.optimizer import optimise
from tandem_portfolio.selections.problem import FrontierPoint, SelectionProblem


def frontier(problem: SelectionProblem, budget_factors: Sequence[float],
             capacity_factors: Sequence[float] = (1.0,)) -> list[FrontierPoint]:
    """The optimum at every budget factor x capacity factor, capacity-major, budgets in the order given."""
    if not budget_factors or not capacity_factors:
        return []
    model = build(problem, capacity_factor=min(capacity_factors), budget_factor=min(budget_factors),
                  fix_misfits=False)
    _, capacity = skill_capacity(problem)
    budget_rows = [(r, problem.budget_by_period[label[1]] / model.budget_scale[label[1]])
                   for r, label in enumerate(model.rows.label) if label[0] == "budget"]
    cells = np.flatnonzero(model.capacity_row.ravel() >= 0)
    capacity_rows = model.capacity_row.ravel()[cells]
    total_budget = sum(problem.budget_by_period.values())
    points: dict[tuple[int, int], FrontierPoint] = {}
    previous: FloatArray | None = None
    for c, capacity_factor in enumerate(capacity_factors):
        for r, hours in zip(capacity_rows.tolist(), (capacity.ravel()[cells] * capacity_factor).tolist(),
                            strict=True):
            model.rows.upper[r] = hours
        for b in sorted(range(len(budget_factors)), key=lambda n: budget_factors[n]):
            factor = budget_factors[b]
            for r, budget in budget_rows:
                model.rows.upper[r] = budget * factor
            outcome = optimise(model, previous)  # the previous point's selection, when it still fits
            feasible = outcome.values is not None
            if outcome.values is not None:
                previous = outcome.values
            count = len(model.decode(outcome.values)) if outcome.values is not None else 0
            points[c, b] = FrontierPoint(budget_factor=factor, capacity_factor=capacity_factor,
                                         budget=total_budget * factor, objective=outcome.objective if feasible else 0.0,
                                         selected_count=count, gap=outcome.gap if feasible else 0.0, feasible=feasible)
    return [points[c, b] for c in range(len(capacity_factors)) for b in range(len(budget_factors))]
