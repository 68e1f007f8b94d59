"""The baseline a PMO tool gives: rank by value, fill while every constraint holds, each project at its earliest fit.

Must-do projects go first, then the rest in rank order (value, or value per cost), each at the earliest start of its
window where its whole profile fits the capacity left, the budget left covers its cost, its prerequisites are in and
ended, and nothing it excludes is in. A share rule cannot be checked one project at a time (the first project is 100 %
of its category), so after the fill the lowest-ranked optional projects of an over-represented category (or outside
an under-represented one) come out until every share holds, and a last pass adds whatever still fits all of it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from tandem_portfolio.selections.model import EPS, add_profile, skill_capacity, windows
from tandem_portfolio.selections.problem import Candidate, SelectionProblem

Rank = Literal["value", "value_per_cost"]


def ranking(problem: SelectionProblem, rank: Rank = "value") -> list[Candidate]:
    """Must-do first (earliest window first, so prerequisites come before dependents), then by value, then id."""

    def key(c: Candidate) -> tuple[int, float, float, str]:
        score = c.value if rank == "value" else c.value / c.total_cost if c.total_cost > 0 else float("inf")
        return (0 if c.must else 1, c.earliest_start if c.must else 0, -score, c.id)

    return sorted(problem.candidates, key=key)


def greedy(problem: SelectionProblem, rank: Rank = "value") -> dict[str, int]:
    """The greedy selection: project id -> start week."""
    earliest, latest, unavailable = windows(problem)
    skills, capacity = skill_capacity(problem)
    weeks = len(problem.weeks)
    position = {c.id: p for p, c in enumerate(problem.candidates)}
    skill_index = {skill: k for k, skill in enumerate(skills)}
    profiles = [[(skill_index[skill], np.asarray(hours, dtype=np.float64)) for skill, hours in c.demand.items()
                 if any(hours)] for c in problem.candidates]
    requires: dict[str, list[str]] = {}
    for dep in problem.dependencies:
        requires.setdefault(dep.project, []).append(dep.requires)
    excludes: dict[str, set[str]] = {}
    for left, right in problem.exclusions:
        excludes.setdefault(left, set()).add(right)
        excludes.setdefault(right, set()).add(left)
    order = ranking(problem, rank)
    used = np.zeros_like(capacity)
    spend = dict.fromkeys(problem.budget_by_period, 0.0)
    # Running sums of each share rule: the rule's category's basis and the whole selection's.
    inside = np.zeros(len(problem.balance))
    total = np.zeros(len(problem.balance))
    selected: dict[str, int] = {}
    forced: set[str] = set()  # must-do projects and what they need: never removed for balance

    def basis(c: Candidate) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """What c adds to each rule's category sum and total."""
        amount = np.array([c.total_cost if rule.basis == "cost" else 1.0 for rule in problem.balance])
        member = np.array([c.category == rule.category for rule in problem.balance], dtype=np.float64)
        return amount * member, amount

    def broken(extra_inside: npt.NDArray[np.float64] | float = 0.0,
               extra_total: npt.NDArray[np.float64] | float = 0.0) -> tuple[int, str] | None:
        """The first share rule the running sums (plus the extra) break, with the MILP's linear form."""
        cat, tot = inside + extra_inside, total + extra_total
        for n, rule in enumerate(problem.balance):
            tolerance = 1e-6 * max(1.0, abs(tot[n]))
            if cat[n] - rule.minimum * tot[n] < -tolerance:
                return n, "min"
            if cat[n] - rule.maximum * tot[n] > tolerance:
                return n, "max"
        return None

    def start_for(c: Candidate) -> int | None:
        """The earliest start where c fits beside the selection, None when there is none."""
        if c.id in selected or c.id in unavailable or excludes.get(c.id, set()) & selected.keys():
            return None
        if any(r not in selected for r in requires.get(c.id, [])):
            return None
        for period in spend:
            if spend[period] + c.cost_by_period.get(period, 0.0) > problem.budget_by_period[period] + EPS:
                return None
        p = position[c.id]
        first = max([earliest[p]] + [selected[r] + problem.candidates[position[r]].duration
                                     for r in requires.get(c.id, [])])
        for start in range(first, latest[p] + 1):
            if all(_fits(used[k], capacity[k], hours, start, weeks) for k, hours in profiles[position[c.id]]):
                return start
        return None

    def take(c: Candidate, start: int) -> None:
        """c joins at start."""
        selected[c.id] = start
        add_profile(used, skills, c, start)
        for period in spend:
            spend[period] += c.cost_by_period.get(period, 0.0)
        extra_inside, extra_total = basis(c)
        inside[:] += extra_inside
        total[:] += extra_total

    def drop(pid: str) -> None:
        """pid leaves, and every selected project that needs it."""
        for dependent in [d for d, rs in requires.items() if pid in rs and d in selected]:
            drop(dependent)
        c = problem.candidates[position[pid]]
        add_profile(used, skills, c, selected.pop(pid), -1.0)
        for period in spend:
            spend[period] -= c.cost_by_period.get(period, 0.0)
        extra_inside, extra_total = basis(c)
        inside[:] -= extra_inside
        total[:] -= extra_total

    def force(c: Candidate) -> None:
        """A must-do project (or one a must-do project needs) joins, its prerequisites first."""
        if c.id in selected or c.id in unavailable:
            return
        forced.add(c.id)
        for r in requires.get(c.id, []):
            if r in position:
                force(problem.candidates[position[r]])
        start = start_for(c)
        # One that fits at no start still goes in, at its earliest: the optimiser, not this baseline, judges
        # feasibility.
        p = position[c.id]
        take(c, start if start is not None else max([earliest[p]] + [
            selected[r] + problem.candidates[position[r]].duration for r in requires.get(c.id, []) if r in selected]))

    def fill(with_balance: bool) -> None:
        """Every project that fits joins, in rank order, again while something joined."""
        added = True
        while added:  # a prerequisite ranked below its dependent lets the dependent in on the next pass
            added = False
            for c in order:
                start = start_for(c)
                if start is None or (with_balance and broken(*basis(c)) is not None):
                    continue
                take(c, start)
                added = True

    for c in order:
        if c.must:
            force(c)
    fill(with_balance=False)
    for _ in range(len(order)):
        rule = broken()
        if rule is None:
            break
        n, side = rule
        category = problem.balance[n].category
        removable = [c for c in reversed(order) if c.id in selected and c.id not in forced
                     and (c.category == category) == (side == "max")]
        if not removable:
            break
        drop(removable[0].id)
    fill(with_balance=True)
    return selected


def _fits(used: npt.NDArray[np.float64], capacity: npt.NDArray[np.float64], hours: npt.NDArray[np.float64],
          start: int, weeks: int) -> bool:
    """A profile fits one skill's remaining hours from start (hours past the horizon are not planned)."""
    end = min(weeks, start + len(hours))
    if end <= start:
        return True
    return bool((used[start:end] + hours[: end - start] <= capacity[start:end] + EPS).all())
