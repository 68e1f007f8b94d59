"""The selection MILP as sparse arrays: a binary per project per allowed start week, and every constraint's rows.

x[p, s] = 1 when project p starts in week s of its start window (tightened by the horizon and by dependencies);
sum_s x[p, s] is "p is selected" (<= 1, == 1 for must-do). A capacity row per skill-week that some choice could
overload carries each start's demand in that week; a dependency "B after A" is the standard precedence of
start-indexed binaries, sum_{s <= t} x[B, s] <= sum_{s <= t - duration(A)} x[A, s] for every t (B started by t means
A started early enough to have ended). Built in bulk with numpy: the model of 2,000 candidates takes well under a
second to build; HiGHS takes the matrix column-wise as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from tandem_portfolio.selections.problem import BalanceRule, Candidate, SelectionProblem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# A row's family: the unit the infeasibility diagnosis relaxes and the explanation speaks of.
FAMILIES = ("choice", "capacity", "budget", "balance", "dependency", "exclusion")
EPS = 1e-7


@dataclass
class Rows:
    """Rows in triplet form with their bounds, family and what each one is about."""

    row: list[IntArray] = field(default_factory=list)
    col: list[IntArray] = field(default_factory=list)
    val: list[FloatArray] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    label: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Rows so far."""
        return len(self.lower)

    def add(self, cols: list[int], vals: list[float], lower: float, upper: float, family: str,
            label: tuple[str, ...]) -> None:
        """One row."""
        self.row.append(np.full(len(cols), self.count, dtype=np.int64))
        self.col.append(np.asarray(cols, dtype=np.int64))
        self.val.append(np.asarray(vals, dtype=np.float64))
        self.lower.append(lower)
        self.upper.append(upper)
        self.family.append(family)
        self.label.append(label)


@dataclass
class Model:
    """The built model: the column layout per candidate, the rows and the capacity row of each skill-week."""

    problem: SelectionProblem
    skills: list[str]
    capacity: FloatArray  # skills x weeks, free hours (absent skills and weeks are 0)
    index: dict[str, int]  # candidate id -> position in problem.candidates
    earliest: list[int]  # tightened start window per candidate (earliest > latest: cannot be selected)
    latest: list[int]
    first_col: IntArray  # first column per candidate, -1 when it has none
    num_col: int
    cost: FloatArray  # objective per column (the value on y columns)
    col_lower: FloatArray
    col_upper: FloatArray
    rows: Rows
    capacity_row: IntArray  # skills x weeks -> row index, -1 when the row cannot bind and was left out
    unavailable: dict[str, str] = field(default_factory=dict)  # candidate id -> why it cannot be selected
    budget_scale: dict[str, float] = field(default_factory=dict)  # period -> what its row was divided by
    matrix: tuple[IntArray, IntArray, FloatArray] | None = None  # column-wise (start, index, value)

    def cols(self, p: int) -> range:
        """Candidate p's columns, one per start in its window (empty when it cannot be selected)."""
        first = int(self.first_col[p])
        return range(0) if first < 0 else range(first, first + self.latest[p] - self.earliest[p] + 1)

    def started_cols(self, p: int, week: int) -> range:
        """The columns "p starts in or before `week`" (empty before its window)."""
        cols = self.cols(p)
        return cols[: max(0, min(week, self.latest[p]) - self.earliest[p] + 1)]

    def decode(self, values: FloatArray) -> dict[str, int]:
        """Selected project id -> start week from a solution's column values."""
        chosen: dict[str, int] = {}
        for p, candidate in enumerate(self.problem.candidates):
            cols = self.cols(p)
            if len(cols) and values[cols.start:cols.stop].max() > 0.5:
                chosen[candidate.id] = self.earliest[p] + int(np.argmax(values[cols.start:cols.stop]))
        return chosen

    def encode(self, selected: dict[str, int]) -> FloatArray:
        """Column values of a selection (a start outside a project's window leaves it out)."""
        values = np.zeros(self.num_col, dtype=np.float64)
        for pid, start in selected.items():
            p = self.index[pid]
            if self.earliest[p] <= start <= self.latest[p] and self.first_col[p] >= 0:
                values[self.first_col[p] + start - self.earliest[p]] = 1.0
        return values

    def lp(self, integral: bool = True) -> highspy.HighsLp:
        """The model as a HiGHS LP (or MILP), maximising value."""
        start, index, value = self.column_wise()
        lp = highspy.HighsLp()
        lp.num_col_ = self.num_col
        lp.num_row_ = self.rows.count
        lp.col_cost_ = self.cost
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = np.asarray(self.rows.lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(self.rows.upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.num_col
        lp.a_matrix_.num_row_ = self.rows.count
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        lp.sense_ = highspy.ObjSense.kMaximize
        if integral:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * self.num_col
        return lp

    def column_wise(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The constraint matrix in compressed column form (built once)."""
        if self.matrix is None:
            rows = np.concatenate(self.rows.row) if self.rows.row else np.zeros(0, dtype=np.int64)
            cols = np.concatenate(self.rows.col) if self.rows.col else np.zeros(0, dtype=np.int64)
            vals = np.concatenate(self.rows.val) if self.rows.val else np.zeros(0, dtype=np.float64)
            order = np.lexsort((rows, cols))
            counts = np.bincount(cols, minlength=self.num_col)
            start = np.zeros(self.num_col + 1, dtype=np.int64)
            np.cumsum(counts, out=start[1:])
            self.matrix = (start, rows[order], vals[order])
        return self.matrix

    def row_activity(self, values: FloatArray) -> FloatArray:
        """Each row's left-hand side at the given column values."""
        out = np.zeros(self.rows.count, dtype=np.float64)
        for row, col, val in zip(self.rows.row, self.rows.col, self.rows.val, strict=True):
            if len(row):
                np.add.at(out, row, val * values[col])
        return out

    def feasible(self, values: FloatArray, tolerance: float = 1e-6) -> bool:
        """Whether column values are a selection that keeps every row and bound."""
        outside = (values < self.col_lower - tolerance) | (values > self.col_upper + tolerance)
        if len(values) != self.num_col or outside.any():
            return False
        activity = self.row_activity(values)
        lower = np.asarray(self.rows.lower, dtype=np.float64)
        upper = np.asarray(self.rows.upper, dtype=np.float64)
        slack = tolerance * np.maximum(1.0, np.abs(np.where(np.isfinite(upper), upper, 0.0)))
        return bool(((activity >= lower - slack) & (activity <= upper + slack)).all())

    def load(self, selected: dict[str, int]) -> FloatArray:
        """Hours used per skill per week by a selection (skills x weeks)."""
        used = np.zeros_like(self.capacity)
        for pid, start in selected.items():
            add_profile(used, self.skills, self.problem.candidates[self.index[pid]], start)
        return used


def highs(time_limit: float, mip_gap: float | None = None) -> highspy.Highs:
    """A quiet HiGHS with a time limit (and a relative gap for MILPs)."""
    solver = highspy.Highs()  # type: ignore[no-untyped-call]  # its stub leaves __init__ unannotated
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", time_limit)
    if mip_gap is not None:
        solver.setOptionValue("mip_rel_gap", mip_gap)
    return solver


def add_profile(used: FloatArray, skills: list[str], candidate: Candidate, start: int, sign: float = 1.0) -> None:
    """Adds (or with sign -1 removes) a candidate's demand at a start week to the skills x weeks load."""
    weeks = used.shape[1]
    position = {skill: k for k, skill in enumerate(skills)}
    for skill, hours in candidate.demand.items():
        end = min(weeks, start + len(hours))
        if end > start:
            used[position[skill], start:end] += sign * np.asarray(hours[: end - start], dtype=np.float64)


def share(chosen: list[Candidate], rule: BalanceRule) -> float:
    """A balance rule's category share of a selection by cost or count (0 for an empty selection)."""
    basis = [c.total_cost if rule.basis == "cost" else 1.0 for c in chosen]
    total = sum(basis)
    return sum(b for b, c in zip(basis, chosen, strict=True) if c.category == rule.category) / total if total else 0.0


def balance_sums(chosen: list[Candidate], rules: list[BalanceRule]) -> list[tuple[float, float]]:
    """Each rule's (category basis, total basis) over a selection."""
    sums = []
    for rule in rules:
        basis = [c.total_cost if rule.basis == "cost" else 1.0 for c in chosen]
        sums.append((sum(b for b, c in zip(basis, chosen, strict=True) if c.category == rule.category), sum(basis)))
    return sums


def balance_broken(chosen: list[Candidate], rules: list[BalanceRule], extra: Candidate | None = None,
                   sums: list[tuple[float, float]] | None = None) -> list[tuple[int, str]]:
    """The (rule index, "min" or "max") a selection (plus `extra`) breaks, with the MILP's tolerance.

    `sums` are balance_sums(chosen, rules) when the caller already has them.
    """
    broken: list[tuple[int, str]] = []
    for n, (rule, (inside, total)) in enumerate(zip(rules, sums or balance_sums(chosen, rules), strict=True)):
        if extra is not None:
            amount = extra.total_cost if rule.basis == "cost" else 1.0
            inside += amount if extra.category == rule.category else 0.0
            total += amount
        tolerance = 1e-6 * max(1.0, abs(total))
        if inside - rule.minimum * total < -tolerance:
            broken.append((n, "min"))
        if inside - rule.maximum * total > tolerance:
            broken.append((n, "max"))
    return broken


def skill_capacity(problem: SelectionProblem, factor: float = 1.0) -> tuple[list[str], FloatArray]:
    """Every skill capacity or demand names, and capacity as a skills x weeks array (a skill nobody has is 0)."""
    skills = sorted(set(problem.capacity) | {s for c in problem.candidates for s in c.demand})
    weeks = len(problem.weeks)
    capacity = np.zeros((len(skills), weeks), dtype=np.float64)
    for k, skill in enumerate(skills):
        hours = problem.capacity.get(skill, [])[:weeks]
        capacity[k, : len(hours)] = hours
    return skills, capacity * factor


def windows(problem: SelectionProblem) -> tuple[list[int], list[int], dict[str, str]]:
    """Start windows tightened by the horizon and by dependencies, and the candidates that cannot be selected.

    A dependent starts no earlier than its prerequisite's earliest start plus its duration; a prerequisite that
    cannot be selected takes its dependents with it. Repeated until nothing moves (a cycle of positive durations
    pushes its windows past their ends).
    """
    weeks = len(problem.weeks)
    index = {c.id: p for p, c in enumerate(problem.candidates)}
    earliest = [max(c.earliest_start, 0) for c in problem.candidates]
    latest = [min(c.latest_start, weeks - 1) for c in problem.candidates]
    why: dict[str, str] = {}
    for p, c in enumerate(problem.candidates):
        if c.never:
            why[c.id] = "never-do"
        elif earliest[p] > latest[p]:
            why[c.id] = "its start window lies outside the horizon"
    deps = [(index[d.project], index[d.requires]) for d in problem.dependencies
            if d.project in index and d.requires in index]
    for c in problem.candidates:
        for d in problem.dependencies:
            if d.project == c.id and d.requires not in index and c.id not in why:
                why[c.id] = f"it needs {d.requires}, which is not a candidate"
    for _ in range(len(problem.candidates) + weeks + 2):
        moved = False
        for b, a in deps:
            cb, ca = problem.candidates[b], problem.candidates[a]
            if cb.id in why:
                continue
            if ca.id in why:
                why[cb.id] = f"it needs {ca.id}, which cannot be selected ({why[ca.id]})"
                moved = True
                continue
            if earliest[a] + ca.duration > earliest[b]:
                earliest[b] = earliest[a] + ca.duration
                moved = True
                if earliest[b] > latest[b]:
                    why[cb.id] = f"it cannot start after {ca.id} ends within its start window"
        if not moved:
            break
    return earliest, latest, why


def build(problem: SelectionProblem, capacity_factor: float = 1.0, budget_factor: float = 1.0,
          fix_misfits: bool = True) -> Model:
    """The whole model: columns per start window, then capacity, budget, balance, dependency and exclusion rows.

    With fix_misfits, a start that overflows a skill-week on its own, or a project dearer than a period's budget,
    is fixed out (not for the frontier, which raises the bounds later).
    """
    candidates = problem.candidates
    skills, capacity = skill_capacity(problem, capacity_factor)
    index = {c.id: p for p, c in enumerate(candidates)}
    earliest, latest, why = windows(problem)
    pairs = _pairs(problem, skills, why)
    binds = _binding_cells(pairs, capacity, earliest, latest)
    # A project that needs nothing of a skill-week that can bind, and takes no part in a dependency, is as good at
    # any start: one column (its earliest start) instead of its whole window. HiGHS's presolve would find these
    # parallel columns too, but slowly.
    linked = {index[name] for d in problem.dependencies for name in (d.project, d.requires) if name in index}
    touching = _touching(pairs, binds, earliest, latest, len(candidates))
    for p in range(len(candidates)):
        if not touching[p] and p not in linked:
            latest[p] = min(latest[p], earliest[p])
    width = np.array([0 if c.id in why else latest[p] - earliest[p] + 1 for p, c in enumerate(candidates)],
                     dtype=np.int64)
    first_col = np.where(width > 0, np.cumsum(width) - width, -1).astype(np.int64)
    num_col = int(width.sum())
    modelled = np.flatnonzero(width > 0)
    owner = np.repeat(modelled, width[modelled])  # column -> candidate

    values = np.array([c.value for c in candidates], dtype=np.float64)
    cost = values[owner] if num_col else np.zeros(0, dtype=np.float64)
    col_lower = np.zeros(num_col, dtype=np.float64)
    col_upper = np.ones(num_col, dtype=np.float64)

    rows = Rows()
    # choice: one start at most per project, exactly one for must-do.
    if len(modelled):
        ids = np.arange(len(modelled), dtype=np.int64)
        rows.row.append(np.repeat(ids, width[modelled]))
        rows.col.append(np.arange(num_col, dtype=np.int64))
        rows.val.append(np.ones(num_col, dtype=np.float64))
        rows.lower += [1.0 if candidates[p].must else -np.inf for p in modelled.tolist()]
        rows.upper += [1.0] * len(modelled)
        rows.family += ["choice"] * len(modelled)
        rows.label += [("choice", candidates[p].id) for p in modelled.tolist()]

    capacity_row, misfits = _capacity_rows(rows, pairs, binds, skills, capacity, earliest, latest, first_col)
    # A start whose own demand overflows some skill-week can never be chosen: fixed at 0 here, which spares HiGHS's
    # presolve most of its probing (must-do projects keep theirs, so a conflict is named rather than hidden).
    optional = np.array([not c.must for c in candidates], dtype=bool)
    if num_col and fix_misfits:
        col_upper[misfits[optional[owner[misfits]]]] = 0.0

    def per_project(coef: FloatArray, use: npt.NDArray[np.bool_]) -> tuple[list[int], list[float]]:
        """A row's entries: each used project's coefficient on every one of its columns."""
        chosen = np.flatnonzero(use[owner]) if num_col else np.zeros(0, dtype=np.int64)
        return chosen.tolist(), coef[owner[chosen]].tolist()

    available = width > 0
    budget_scale: dict[str, float] = {}
    for period, budget in sorted(problem.budget_by_period.items()):
        spend = np.array([c.cost_by_period.get(period, 0.0) for c in candidates], dtype=np.float64)
        use = available & (spend != 0)
        limit = budget * budget_factor
        if spend[use].clip(min=0).sum() <= limit + EPS and not (spend[use] < 0).any():
            continue  # cannot bind
        # Scaled to shares of the budget: money's 1e5-1e7 beside hours' 1e1-1e3 slows HiGHS's LP badly.
        scale = abs(limit) if abs(limit) > EPS else max(float(np.abs(spend[use]).max()), 1.0)
        budget_scale[period] = scale
        if fix_misfits and num_col:
            col_upper[(optional & (spend > limit + EPS))[owner]] = 0.0
        cols, vals = per_project(spend / scale, use)
        rows.add(cols, vals, -np.inf, limit / scale, "budget", ("budget", period))

    for n, rule in enumerate(problem.balance):
        basis = (np.array([c.total_cost for c in candidates], dtype=np.float64) if rule.basis == "cost"
                 else np.ones(len(candidates), dtype=np.float64))
        member = np.array([c.category == rule.category for c in candidates], dtype=np.float64)
        use = available & (basis != 0)
        basis = basis / max(float(np.abs(basis).max(initial=0.0)), 1.0)  # scaled like the budget rows
        if rule.minimum > 0:
            cols, vals = per_project((member - rule.minimum) * basis, use)
            rows.add(cols, vals, 0.0, np.inf, "balance", ("balance", str(n), "min"))
        if rule.maximum < 1:
            cols, vals = per_project((member - rule.maximum) * basis, use)
            rows.add(cols, vals, -np.inf, 0.0, "balance", ("balance", str(n), "max"))

    model = Model(problem=problem, skills=skills, capacity=capacity, index=index, earliest=earliest, latest=latest,
                  first_col=first_col, num_col=num_col, cost=cost, col_lower=col_lower, col_upper=col_upper,
                  rows=rows, capacity_row=capacity_row, unavailable=why, budget_scale=budget_scale)

    for dep in problem.dependencies:
        b, a = index.get(dep.project), index.get(dep.requires)
        if b is None or a is None or not available[b]:
            continue  # b is out already (windows() saw to that)
        duration = candidates[a].duration
        seen: set[int] = set()
        # B started by t <= A started by t - duration(A). Rows whose A side is the same are implied by the latest t
        # (B's side only grows with t): walk back from the window's end and keep the first of each.
        for t in range(latest[b], earliest[b] - 1, -1):
            prerequisite = model.started_cols(a, t - duration)
            if len(prerequisite) in seen:
                continue
            seen.add(len(prerequisite))
            mine = model.started_cols(b, t)
            rows.add([*mine, *prerequisite], [1.0] * len(mine) + [-1.0] * len(prerequisite), -np.inf, 0.0,
                     "dependency", ("dependency", dep.project, dep.requires))

    for left, right in problem.exclusions:
        a, b = index.get(left), index.get(right)
        if a is None or b is None or not available[a] or not available[b]:
            continue
        both = [*model.cols(a), *model.cols(b)]
        rows.add(both, [1.0] * len(both), -np.inf, 1.0, "exclusion", ("exclusion", left, right))
    return model


def _ramp(reps: IntArray) -> IntArray:
    """0, 1, ..., r-1 for each r in reps, concatenated."""
    total = int(reps.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)


@dataclass(frozen=True)
class Pairs:
    """Every (candidate, skill) with some demand, its profile padded to the longest, as arrays."""

    candidate: IntArray
    skill: IntArray
    demand: FloatArray  # pairs x longest profile
    lengths: IntArray


def _pairs(problem: SelectionProblem, skills: list[str], why: dict[str, str]) -> Pairs:
    """The demand of every candidate that can be selected, one row per skill it needs."""
    position = {skill: k for k, skill in enumerate(skills)}
    pair_p: list[int] = []
    pair_k: list[int] = []
    profiles: list[list[float]] = []
    for p, c in enumerate(problem.candidates):
        if c.id in why:
            continue
        for skill, hours in c.demand.items():
            if any(h != 0 for h in hours):
                pair_p.append(p)
                pair_k.append(position[skill])
                profiles.append(hours)
    longest = max((len(h) for h in profiles), default=0)
    demand = np.zeros((len(profiles), longest), dtype=np.float64)
    for n, hours in enumerate(profiles):
        demand[n, : len(hours)] = hours
    return Pairs(candidate=np.asarray(pair_p, dtype=np.int64), skill=np.asarray(pair_k, dtype=np.int64),
                 demand=demand, lengths=np.array([len(h) for h in profiles], dtype=np.int64))


def _binding_cells(pairs: Pairs, capacity: FloatArray, earliest: list[int], latest: list[int]) -> npt.NDArray[np.bool_]:
    """The skill-weeks some choice could overload: each pair's peak over every week it can reach, against capacity."""
    n_skills, weeks = capacity.shape
    if len(pairs.candidate) == 0 or weeks == 0:
        return np.zeros((n_skills, weeks), dtype=bool)
    if (pairs.demand < 0).any():
        return np.ones((n_skills, weeks), dtype=bool)
    lo = np.asarray(earliest, dtype=np.int64)[pairs.candidate]
    hi = np.asarray(latest, dtype=np.int64)[pairs.candidate]
    peak = pairs.demand.max(axis=1)
    reach = np.zeros((n_skills, weeks + 1), dtype=np.float64)
    np.add.at(reach, (pairs.skill, np.minimum(lo, weeks)), peak)
    np.add.at(reach, (pairs.skill, np.minimum(hi + pairs.lengths, weeks)), -peak)
    bound: FloatArray = np.cumsum(reach, axis=1)[:, :weeks]
    return bound > capacity + EPS


def _placements(pairs: Pairs, earliest: list[int], latest: list[int]) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Each nonzero demand hour at each start of its window: pair, start offset in the window, skill, week."""
    lo = np.asarray(earliest, dtype=np.int64)[pairs.candidate]
    span = np.asarray(latest, dtype=np.int64)[pairs.candidate] - lo + 1
    n_idx, t_idx = np.nonzero(pairs.demand)
    reps = span[n_idx]
    n_rep, t_rep = np.repeat(n_idx, reps), np.repeat(t_idx, reps)
    j = _ramp(reps)
    return n_rep, j, pairs.skill[n_rep], lo[n_rep] + j + t_rep


def _touching(pairs: Pairs, binds: npt.NDArray[np.bool_], earliest: list[int], latest: list[int],
              candidates: int) -> npt.NDArray[np.bool_]:
    """The candidates that need hours in some skill-week that can bind, at some start of their window."""
    touching = np.zeros(candidates, dtype=bool)
    if len(pairs.candidate) == 0:
        return touching
    n_rep, _, skill, week = _placements(pairs, earliest, latest)
    inside = week < binds.shape[1]
    hit = binds[skill[inside], week[inside]]
    touching[pairs.candidate[n_rep[inside][hit]]] = True
    return touching


def _capacity_rows(rows: Rows, pairs: Pairs, binds: npt.NDArray[np.bool_], skills: list[str], capacity: FloatArray,
                   earliest: list[int], latest: list[int], first_col: IntArray) -> tuple[IntArray, IntArray]:
    """One row per skill-week that can bind, and the columns whose own demand overflows some skill-week."""
    n_skills, weeks = capacity.shape
    capacity_row = np.full((n_skills, weeks), -1, dtype=np.int64)
    keep = np.flatnonzero(binds.ravel())
    capacity_row.ravel()[keep] = np.arange(rows.count, rows.count + len(keep), dtype=np.int64)
    misfits = np.zeros(0, dtype=np.int64)
    if len(pairs.candidate) and weeks:
        n_rep, j, skill, week = _placements(pairs, earliest, latest)
        inside = week < weeks  # the horizon ends: demand after it is not planned against
        n_rep, j, skill, week = n_rep[inside], j[inside], skill[inside], week[inside]
        col = first_col[pairs.candidate[n_rep]] + j
        val = pairs.demand[n_rep, week - np.asarray(earliest, dtype=np.int64)[pairs.candidate[n_rep]] - j]
        misfits = np.unique(col[val > capacity[skill, week] + EPS])
        row = capacity_row[skill, week]
        kept = row >= 0
        rows.row.append(row[kept])
        rows.col.append(col[kept])
        rows.val.append(val[kept])
    k_rows, w_rows = np.divmod(keep, weeks) if weeks else (keep, keep)
    rows.lower += [-np.inf] * len(keep)
    rows.upper += capacity[k_rows, w_rows].tolist()
    rows.family += ["capacity"] * len(keep)
    rows.label += [("capacity", skills[k], str(w)) for k, w in zip(k_rows.tolist(), w_rows.tolist(), strict=True)]
    return capacity_row, misfits
