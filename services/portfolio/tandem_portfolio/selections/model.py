"""The selection MILP as sparse arrays: start windows, "started by week t" columns and every constraint family's rows.

Columns are z[p, j] = 1 when project p has started by the j-th week of its (tightened) start window, monotone in j
(z[p, j] <= z[p, j+1]); z at the window's last week is y[p], "p is selected", and x[p, s] = z[p, s] - z[p, s-1] is "p
starts in week s". The LP relaxation is the same as the textbook x formulation (the map is unimodular), but a
capacity row needs a coefficient only where the demand profile changes, so a flat profile costs two entries per start
instead of one per week it runs, and a dependency becomes the strong precedence z[B, t] <= z[A, t - duration(A)].
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
FAMILIES = ("order", "capacity", "budget", "balance", "dependency", "exclusion")
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
    matrix: tuple[IntArray, IntArray, FloatArray] | None = None  # column-wise (start, index, value)

    def y_col(self, p: int) -> int:
        """The "selected" column of candidate p (its last start's column), -1 when it has none."""
        first = int(self.first_col[p])
        return -1 if first < 0 else first + self.latest[p] - self.earliest[p]

    def started_col(self, p: int, week: int) -> int:
        """The column "p has started by `week`", -1 before its window; its y column from the window's end on."""
        if self.first_col[p] < 0 or week < self.earliest[p]:
            return -1
        return int(self.first_col[p]) + min(week, self.latest[p]) - self.earliest[p]

    def decode(self, values: FloatArray) -> dict[str, int]:
        """Selected project id -> start week from a solution's column values."""
        chosen: dict[str, int] = {}
        for p, candidate in enumerate(self.problem.candidates):
            first = int(self.first_col[p])
            if first < 0 or values[self.y_col(p)] < 0.5:
                continue
            window = values[first:self.y_col(p) + 1]
            chosen[candidate.id] = self.earliest[p] + int(np.argmax(window > 0.5))
        return chosen

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


def balance_broken(chosen: list[Candidate], rules: list[BalanceRule]) -> list[tuple[int, str]]:
    """The (rule index, "min" or "max") a selection breaks, with the MILP's tolerance."""
    broken: list[tuple[int, str]] = []
    for n, rule in enumerate(rules):
        basis = [c.total_cost if rule.basis == "cost" else 1.0 for c in chosen]
        total = sum(basis)
        inside = sum(b for b, c in zip(basis, chosen, strict=True) if c.category == rule.category)
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


def build(problem: SelectionProblem, capacity_factor: float = 1.0, budget_factor: float = 1.0) -> Model:
    """The whole model: columns per start window, then capacity, budget, balance, dependency and exclusion rows."""
    candidates = problem.candidates
    skills, capacity = skill_capacity(problem, capacity_factor)
    index = {c.id: p for p, c in enumerate(candidates)}
    earliest, latest, why = windows(problem)
    width = np.array([0 if c.id in why else latest[p] - earliest[p] + 1 for p, c in enumerate(candidates)],
                     dtype=np.int64)
    first_col = np.where(width > 0, np.cumsum(width) - width, -1).astype(np.int64)
    num_col = int(width.sum())
    last_col = first_col + width - 1
    modelled = width > 0

    cost = np.zeros(num_col, dtype=np.float64)
    col_lower = np.zeros(num_col, dtype=np.float64)
    col_upper = np.ones(num_col, dtype=np.float64)
    values = np.array([c.value for c in candidates], dtype=np.float64)
    must = np.array([c.must for c in candidates], dtype=bool)
    cost[last_col[modelled]] = values[modelled]
    col_lower[last_col[modelled & must]] = 1.0

    rows = Rows()
    # order: z[p, j] - z[p, j+1] <= 0 within each window.
    pairs = np.flatnonzero(width > 1)
    if len(pairs):
        reps = width[pairs] - 1
        cols = np.repeat(first_col[pairs], reps) + _ramp(reps)
        n = len(cols)
        ids = np.arange(rows.count, rows.count + n, dtype=np.int64)
        rows.row += [ids, ids]
        rows.col += [cols, cols + 1]
        rows.val += [np.ones(n), -np.ones(n)]
        rows.lower += [-np.inf] * n
        rows.upper += [0.0] * n
        rows.family += ["order"] * n
        rows.label += [("order",)] * n

    capacity_row = _capacity_rows(problem, rows, skills, capacity, earliest, latest, first_col, width)

    for period, budget in sorted(problem.budget_by_period.items()):
        spend = np.array([c.cost_by_period.get(period, 0.0) for c in candidates], dtype=np.float64)
        use = modelled & (spend != 0)
        limit = budget * budget_factor
        if spend[use].clip(min=0).sum() <= limit + EPS and not (spend[use] < 0).any():
            continue  # cannot bind
        rows.add(last_col[use].tolist(), spend[use].tolist(), -np.inf, limit, "budget", ("budget", period))

    for n, rule in enumerate(problem.balance):
        basis = (np.array([c.total_cost for c in candidates], dtype=np.float64) if rule.basis == "cost"
                 else np.ones(len(candidates), dtype=np.float64))
        member = np.array([c.category == rule.category for c in candidates], dtype=np.float64)
        use = modelled & (basis != 0)
        if rule.minimum > 0:
            coef = (member - rule.minimum) * basis
            rows.add(last_col[use].tolist(), coef[use].tolist(), 0.0, np.inf, "balance", ("balance", str(n), "min"))
        if rule.maximum < 1:
            coef = (member - rule.maximum) * basis
            rows.add(last_col[use].tolist(), coef[use].tolist(), -np.inf, 0.0, "balance", ("balance", str(n), "max"))

    model = Model(problem=problem, skills=skills, capacity=capacity, index=index, earliest=earliest, latest=latest,
                  first_col=first_col, num_col=num_col, cost=cost, col_lower=col_lower, col_upper=col_upper,
                  rows=rows, capacity_row=capacity_row, unavailable=why)

    for dep in problem.dependencies:
        b, a = index.get(dep.project), index.get(dep.requires)
        if b is None or a is None or not modelled[b]:
            continue  # b is out already (windows() saw to that)
        duration = candidates[a].duration
        seen: set[int] = set()
        # z[B, t] <= z[A, t - duration(A)]; rows against the same column of A are implied by the latest t (z[B]
        # is monotone), so walk back from the window's end and keep the first of each.
        for t in range(latest[b], earliest[b] - 1, -1):
            prerequisite = model.started_col(a, t - duration)
            if prerequisite < 0:
                col_upper[model.started_col(b, t)] = 0.0
            elif prerequisite not in seen:
                seen.add(prerequisite)
                rows.add([model.started_col(b, t), prerequisite], [1.0, -1.0], -np.inf, 0.0, "dependency",
                         ("dependency", dep.project, dep.requires))

    for left, right in problem.exclusions:
        a, b = index.get(left), index.get(right)
        if a is None or b is None or not modelled[a] or not modelled[b]:
            continue
        rows.add([model.y_col(a), model.y_col(b)], [1.0, 1.0], -np.inf, 1.0, "exclusion", ("exclusion", left, right))
    return model


def _ramp(reps: IntArray) -> IntArray:
    """0, 1, ..., r-1 for each r in reps, concatenated."""
    total = int(reps.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)


def _capacity_rows(problem: SelectionProblem, rows: Rows, skills: list[str], capacity: FloatArray,
                   earliest: list[int], latest: list[int], first_col: IntArray, width: IntArray) -> IntArray:
    """One row per skill-week that some choice could overload, in the started-by columns, built in bulk."""
    n_skills, weeks = capacity.shape
    position = {skill: k for k, skill in enumerate(skills)}
    pair_p: list[int] = []
    pair_k: list[int] = []
    profiles: list[list[float]] = []
    for p, c in enumerate(problem.candidates):
        if width[p] <= 0:
            continue
        for skill, hours in c.demand.items():
            if any(h != 0 for h in hours):
                pair_p.append(p)
                pair_k.append(position[skill])
                profiles.append(hours)
    capacity_row = np.full((n_skills, weeks), -1, dtype=np.int64)
    if not profiles or weeks == 0:
        return capacity_row
    longest = max(len(h) for h in profiles)
    demand = np.zeros((len(profiles), longest), dtype=np.float64)
    for n, hours in enumerate(profiles):
        demand[n, : len(hours)] = hours
    pp = np.asarray(pair_p, dtype=np.int64)
    kk = np.asarray(pair_k, dtype=np.int64)
    lo = np.asarray(earliest, dtype=np.int64)[pp]
    hi = np.asarray(latest, dtype=np.int64)[pp]
    lengths = np.array([len(h) for h in profiles], dtype=np.int64)

    # Which skill-weeks can bind: the most any choice could load there (each pair's peak over the weeks it can
    # touch) against capacity; the rest are left out.
    peak = demand.clip(min=0).max(axis=1)
    reach = np.zeros((n_skills, weeks + 1), dtype=np.float64)
    np.add.at(reach, (kk, lo), peak)
    np.add.at(reach, (kk, np.minimum(hi + lengths, weeks)), -peak)
    bound = np.cumsum(reach, axis=1)[:, :weeks]
    binds = bound > capacity + EPS
    if (demand < 0).any():
        binds[:] = True
    keep = np.flatnonzero(binds.ravel())
    capacity_row.ravel()[keep] = np.arange(rows.count, rows.count + len(keep), dtype=np.int64)

    step = np.diff(demand, axis=1, prepend=0.0, append=0.0)  # demand[t] - demand[t-1], t = 0..longest
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = []  # skill, week, column, coefficient
    # z[p, j] for j before the window's last start: coefficient step[t] in week earliest + j + t.
    span = hi - lo
    n_idx, t_idx = np.nonzero(step * (span > 0)[:, None])
    if len(n_idx):
        reps = span[n_idx]
        n_rep, t_rep = np.repeat(n_idx, reps), np.repeat(t_idx, reps)
        j = _ramp(reps)
        parts.append((kk[n_rep], lo[n_rep] + j + t_rep, first_col[pp[n_rep]] + j, step[n_rep, t_rep]))
    # y[p] (started by the window's last start): the profile itself from that week on.
    n_idx, t_idx = np.nonzero(demand)
    parts.append((kk[n_idx], hi[n_idx] + t_idx, first_col[pp[n_idx]] + span[n_idx], demand[n_idx, t_idx]))
    skill_of = np.concatenate([part[0] for part in parts])
    week = np.concatenate([part[1] for part in parts])
    col = np.concatenate([part[2] for part in parts])
    val = np.concatenate([part[3] for part in parts])
    inside = week < weeks  # the horizon ends: demand after it is not planned against
    row = capacity_row[skill_of[inside], week[inside]]
    kept = row >= 0
    rows.row.append(row[kept])
    rows.col.append(col[inside][kept])
    rows.val.append(val[inside][kept])
    k_rows, w_rows = np.divmod(keep, weeks)
    rows.lower += [-np.inf] * len(keep)
    rows.upper += capacity[k_rows, w_rows].tolist()
    rows.family += ["capacity"] * len(keep)
    rows.label += [("capacity", skills[k], str(w)) for k, w in zip(k_rows.tolist(), w_rows.tolist(), strict=True)]
    return capacity_row
