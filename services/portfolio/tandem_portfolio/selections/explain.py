"""Why each excluded project is out, what it would need to get in, and which skill-weeks limit the value most.

An excluded project is tested against the optimal selection as it stands: never-do, then an exclusion with a selected
project, then a prerequisite that is out or ends too late, then, at its best start (the one needing the fewest extra
hours), capacity (the skill short most, its weeks and hours), budget (the period short most and by how much) and the
share rules. The first that fails is its Binding; the others are named in the detail. One that fails none fits beside
the selection and is out on value (its value is not positive, or the solver stopped within the gap).

Scarce skill-weeks are the capacity rows with a positive shadow price in the LP relaxation of the whole model (every
binary relaxed to [0, 1], nothing fixed): the value one more free hour of that skill in that week would add to the
relaxed optimum. The integer optimum has no prices of its own; the relaxation's are the standard, stable measure.
"""

from __future__ import annotations

import highspy
import numpy as np

from tandem_portfolio.selections.model import EPS, FloatArray, Model, balance_broken, balance_sums, highs
from tandem_portfolio.selections.problem import Binding, Candidate, ScarceSkillWeek


def explain(model: Model, selected: dict[str, int]) -> dict[str, Binding]:
    """Each excluded candidate's binding constraint against the selection."""
    problem = model.problem
    used = model.load(selected)
    spend: dict[str, float] = dict.fromkeys(problem.budget_by_period, 0.0)
    for pid in selected:
        for period in spend:
            spend[period] += problem.candidates[model.index[pid]].cost_by_period.get(period, 0.0)
    chosen = [problem.candidates[model.index[pid]] for pid in selected]
    requires: dict[str, list[str]] = {}
    for dep in problem.dependencies:
        requires.setdefault(dep.project, []).append(dep.requires)
    sums = balance_sums(chosen, problem.balance)
    out: dict[str, Binding] = {}
    for c in problem.candidates:
        if c.id not in selected:
            out[c.id] = _binding(model, c, selected, used, spend, chosen, sums, requires)
    return out


def _binding(model: Model, c: Candidate, selected: dict[str, int], used: FloatArray, spend: dict[str, float],
             chosen: list[Candidate], sums: list[tuple[float, float]], requires: dict[str, list[str]]) -> Binding:
    """One excluded candidate's binding constraint."""
    problem = model.problem
    weeks = problem.weeks
    if c.never:
        return Binding("never", f"{c.id} is marked never-do")
    for left, right in problem.exclusions:
        other = right if left == c.id else left if right == c.id else None
        if other is not None and other in selected:
            return Binding("exclusion", f"{c.id} excludes {other}, which is selected", other=other)
    first = max(c.earliest_start, 0)
    for r in requires.get(c.id, []):
        if r not in selected:
            return Binding("dependency", f"{c.id} needs {r}, which is not selected", other=r)
        ends = selected[r] + problem.candidates[model.index[r]].duration
        first = max(first, ends)
    last = min(c.latest_start, len(weeks) - 1)
    if first > last:
        blocker = max(requires.get(c.id, []), key=lambda r: selected[r] + problem.candidates[model.index[r]].duration,
                      default=None)
        if blocker is None:
            return Binding("window", f"{c.id}'s start window lies outside the horizon")
        return Binding("dependency", f"{c.id} must start after {blocker} ends (week "
                       f"{selected[blocker] + problem.candidates[model.index[blocker]].duration}), later than its "
                       f"latest start {c.latest_start}", other=blocker)

    # Capacity: the start needing the fewest extra hours beside the selection (the earliest of equals), looked at
    # only in the project's own skills and weeks.
    n_weeks = len(weeks)
    profile = [(model.skills.index(skill), np.asarray(hours, dtype=np.float64))
               for skill, hours in c.demand.items() if any(hours)]
    best_start, best_total = first, np.inf
    best_over: dict[int, tuple[int, FloatArray]] = {}  # skill -> (first week, hours short per week from there)
    fits_alone = False
    for start in range(first, last + 1):
        over: dict[int, tuple[int, FloatArray]] = {}
        total, alone = 0.0, True
        for k, hours in profile:
            end = min(n_weeks, start + len(hours))
            if end <= start:
                continue
            need, free = hours[: end - start], model.capacity[k, start:end]
            short = np.clip(used[k, start:end] + need - free, 0.0, None)
            alone = alone and bool((need <= free + EPS).all())
            over[k] = (start, short)
            total += float(short.sum())
        fits_alone = fits_alone or alone
        if total < best_total - EPS:
            best_start, best_total, best_over = start, total, over
    reasons: list[Binding] = []
    if best_total > EPS:
        k, (begin, short) = max(best_over.items(), key=lambda item: float(item[1][1].sum()))
        short_weeks = [begin + int(w) for w in np.flatnonzero(short > EPS)]
        hours_short = float(short.sum())
        others = [model.skills[j] for j, (_, o) in best_over.items() if j != k and o.sum() > EPS]
        span = (weeks[short_weeks[0]] if len(short_weeks) == 1
                else f"{weeks[short_weeks[0]]}..{weeks[short_weeks[-1]]}")
        detail = (f"{c.id} needs {hours_short:.1f} h more {model.skills[k]} in {span} at its best start "
                  f"{weeks[best_start]}" + (f" (also short of {', '.join(others)})" if others else "")
                  + ("" if fits_alone else "; it does not fit even on its own"))
        reasons.append(Binding("capacity", detail, skill=model.skills[k], weeks=[weeks[w] for w in short_weeks],
                               shortfall=hours_short))
    overs = {period: spend[period] + c.cost_by_period.get(period, 0.0) - budget
             for period, budget in problem.budget_by_period.items()}
    short_periods = {period: over for period, over in overs.items() if over > EPS}
    if short_periods:
        period = max(short_periods, key=lambda k: short_periods[k])
        reasons.append(Binding("budget", f"{c.id} costs {short_periods[period]:,.2f} more than the budget left in "
                               f"{period}", period=period, shortfall=short_periods[period]))
    broken = balance_broken(chosen, problem.balance, extra=c, sums=sums)
    if broken:
        n, side = broken[0]
        rule = problem.balance[n]
        bound = rule.minimum if side == "min" else rule.maximum
        reasons.append(Binding("balance", f"with {c.id} the {rule.category} share by {rule.basis} would be "
                               f"{'below' if side == 'min' else 'above'} its {side}imum of {bound:.0%}",
                               category=rule.category))
    if reasons:
        primary = reasons[0]
        also = "; ".join(r.detail for r in reasons[1:])
        if also:
            return Binding(primary.kind, f"{primary.detail}; also: {also}", skill=primary.skill, weeks=primary.weeks,
                           period=primary.period, category=primary.category, shortfall=primary.shortfall)
        return primary
    return Binding("value", f"{c.id} fits beside the selection (from {weeks[best_start]}) but its value "
                   f"{c.value:g} adds nothing the optimum needs" + ("" if c.value <= 0 else
                                                                   " within the accepted optimality gap"))


def scarce_skill_weeks(model: Model, used: FloatArray, duals: FloatArray | None = None,
                       limit: int = 50) -> list[ScarceSkillWeek]:
    """The capacity rows with the highest shadow prices in the LP relaxation, highest first (at most `limit`).

    `duals` are the relaxation's row duals when the caller solved it already.
    """
    rows = np.flatnonzero(model.capacity_row.ravel() >= 0)
    if model.num_col == 0 or len(rows) == 0:
        return []
    if duals is None:
        solver = highs(model.problem.time_limit_seconds)
        solver.passModel(model.lp(integral=False))
        solver.run()
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return []
        duals = np.asarray(solver.getSolution().row_dual, dtype=np.float64)
    dual = np.abs(duals)
    n_weeks = model.capacity.shape[1]
    prices = [(float(dual[model.capacity_row.ravel()[cell]]), int(cell)) for cell in rows]
    prices = sorted((price, cell) for price, cell in prices if price > 1e-9)
    prices.sort(key=lambda pc: (-pc[0], pc[1]))
    out = []
    for price, cell in prices[:limit]:
        k, w = divmod(cell, n_weeks)
        out.append(ScarceSkillWeek(skill=model.skills[k], week=model.problem.weeks[w], shadow_price=price,
                                   used_hours=float(used[k, w]), capacity_hours=float(model.capacity[k, w])))
    return out
