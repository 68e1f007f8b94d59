"""Why a selection problem has no solution: the constraints that must give, found by relaxing every family at once.

Each capacity, budget, balance, dependency and exclusion row gets a slack that lets it be broken, priced at the
relative size of the break (hours over a skill-week's capacity / that capacity, money over a budget / that budget
(budget rows are built as shares of their budget),
share below a minimum, a dependency or exclusion broken counts 1). Minimising the total keeps the must-do projects in
and names the rows that cannot hold with them: those are the conflicts, described with the projects that fill them.
"""

from __future__ import annotations

import highspy
import numpy as np

from tandem_portfolio.selections.model import EPS, FloatArray, Model, highs, share

RELAXED = ("capacity", "budget", "balance", "dependency", "exclusion")


def conflicts(model: Model, time_limit: float | None = None) -> list[str]:
    """The broken rows of the least-broken selection that keeps every must-do project, as sentences."""
    problem = model.problem
    rows = model.rows
    start, index, value = model.column_wise()
    relaxed = [r for r, family in enumerate(rows.family) if family in RELAXED]
    n_slack = len(relaxed)
    lower = np.asarray(rows.lower, dtype=np.float64)
    upper = np.asarray(rows.upper, dtype=np.float64)
    weight = np.ones(n_slack, dtype=np.float64)
    for n, r in enumerate(relaxed):
        family = rows.family[r]
        if family == "capacity":
            weight[n] = 1.0 / max(abs(upper[r]), 1.0)
        elif family == "balance":  # its row is in units of the largest candidate's cost (or count)
            weight[n] = 1.0 / max(len(problem.candidates), 1)
    # A slack column per relaxed row: -1 in a <= row, +1 in a >= row (balance minimums).
    sign = np.where(np.isfinite(upper[relaxed]), -1.0, 1.0)
    n_col = model.num_col + n_slack
    all_start = np.concatenate([start, start[-1] + 1 + np.arange(n_slack, dtype=np.int64)])
    all_index = np.concatenate([index, np.asarray(relaxed, dtype=np.int64)])
    all_value = np.concatenate([value, sign])
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = rows.count
    # A tiny price on choosing optional projects keeps them out unless they help (a balance minimum).
    optional = np.zeros(model.num_col)
    for p, candidate in enumerate(problem.candidates):
        if not candidate.must:
            optional[model.cols(p).start:model.cols(p).stop] = 1e-6
    lp.col_cost_ = np.concatenate([optional, weight])
    lp.col_lower_ = np.concatenate([model.col_lower, np.zeros(n_slack)])
    lp.col_upper_ = np.concatenate([model.col_upper, np.full(n_slack, np.inf)])
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = rows.count
    lp.a_matrix_.start_ = all_start
    lp.a_matrix_.index_ = all_index
    lp.a_matrix_.value_ = all_value
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.integrality_ = ([highspy.HighsVarType.kInteger] * model.num_col
                       + [highspy.HighsVarType.kContinuous] * n_slack)
    solver = highs(time_limit or problem.time_limit_seconds)
    solver.passModel(lp)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:
        return []  # the must-do choices alone conflict: precheck names those
    solution = np.asarray(solver.getSolution().col_value, dtype=np.float64)
    values, slack = solution[: model.num_col], solution[model.num_col:]
    return describe(model, values, {relaxed[n]: float(slack[n]) for n in np.flatnonzero(slack > EPS * 10)})


def describe(model: Model, values: FloatArray, broken: dict[int, float]) -> list[str]:
    """Sentences for the broken rows, a skill's consecutive weeks joined into one."""
    problem = model.problem
    selected = model.decode(values)
    musts = sorted(c.id for c in problem.candidates if c.must)
    used = model.load(selected)
    out: list[str] = []
    capacity: dict[str, list[int]] = {}
    for r in sorted(broken):
        label = model.rows.label[r]
        if label[0] == "capacity":
            capacity.setdefault(label[1], []).append(int(label[2]))
    for skill, weeks in capacity.items():
        k = model.skills.index(skill)
        for run in _runs(sorted(weeks)):
            over = float(sum(used[k, w] - model.capacity[k, w] for w in run))
            who = _loading(model, selected, skill, run)
            span = problem.weeks[run[0]] if len(run) == 1 else f"{problem.weeks[run[0]]}..{problem.weeks[run[-1]]}"
            out.append(f"capacity of {skill} in {span}: {_names(who)} need {over:.1f} h more than is free "
                       f"({_names([p for p in who if p in musts]) or 'none'} must-do)")
    for r in sorted(broken):
        label = model.rows.label[r]
        if label[0] == "budget":
            period = label[1]
            spend = sum(problem.candidates[model.index[p]].cost_by_period.get(period, 0.0) for p in selected)
            who = [p for p in selected if problem.candidates[model.index[p]].cost_by_period.get(period, 0.0)]
            out.append(f"budget {period}: {_names(sorted(who))} cost {spend:,.2f} against "
                       f"{problem.budget_by_period[period]:,.2f}")
        elif label[0] == "balance":
            rule = problem.balance[int(label[1])]
            bound = rule.minimum if label[2] == "min" else rule.maximum
            got = share([problem.candidates[model.index[p]] for p in selected], rule)
            out.append(f"balance {rule.category} by {rule.basis}: the share must be "
                       f"{'at least' if label[2] == 'min' else 'at most'} {bound:.0%}, the must-do projects "
                       f"({_names(musts) or 'none'}) and what can join them give {got:.0%}")
        elif label[0] == "dependency":
            out.append(f"dependency {label[1]} needs {label[2]}: {label[1]} cannot start after {label[2]} ends "
                       f"within its window with the other must-do projects in place")
        elif label[0] == "exclusion":
            out.append(f"exclusion {label[1]} / {label[2]}: both are needed (must-do or required by one)")
    return out


def _names(ids: list[str], shown: int = 10) -> str:
    """Project ids for a sentence: the first ten, then how many more."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more" if more > 0 else "")


def _runs(weeks: list[int]) -> list[list[int]]:
    """Consecutive week indices grouped."""
    runs: list[list[int]] = []
    for w in weeks:
        if runs and runs[-1][-1] == w - 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def _loading(model: Model, selected: dict[str, int], skill: str, run: list[int]) -> list[str]:
    """The selected projects with demand for `skill` in any of the weeks."""
    who = []
    for pid, start in sorted(selected.items()):
        hours = model.problem.candidates[model.index[pid]].demand.get(skill, [])
        if any(0 <= w - start < len(hours) and hours[w - start] for w in run):
            who.append(pid)
    return who
