"""Portfolio selection: the MILP's optimum equals a brute force over every subset and start week; greedy, explanations,
conflicts and the frontier on instances small enough to check by hand."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest
from tandem_portfolio.selections.frontier import frontier
from tandem_portfolio.selections.greedy import greedy
from tandem_portfolio.selections.optimizer import solve
from tandem_portfolio.selections.problem import (
    BalanceRule,
    Candidate,
    Dependency,
    SelectionInfeasible,
    SelectionProblem,
)

WEEKS = [f"2027-W{w:02d}" for w in range(1, 9)]


def feasible(problem: SelectionProblem, chosen: dict[str, int]) -> bool:
    """Every constraint of the problem, checked directly on a selection (the brute force's judge)."""
    by_id = {c.id: c for c in problem.candidates}
    weeks = len(problem.weeks)
    for c in problem.candidates:
        if (c.must and c.id not in chosen) or (c.never and c.id in chosen):
            return False
    for pid, start in chosen.items():
        c = by_id[pid]
        if not max(c.earliest_start, 0) <= start <= min(c.latest_start, weeks - 1):
            return False
    skills = set(problem.capacity) | {s for c in problem.candidates for s in c.demand}
    for skill in skills:
        free = problem.capacity.get(skill, [])
        for w in range(weeks):
            used = sum(by_id[p].demand.get(skill, [])[w - s] for p, s in chosen.items()
                       if 0 <= w - s < len(by_id[p].demand.get(skill, [])))
            if used > (free[w] if w < len(free) else 0.0) + 1e-9:
                return False
    for period, budget in problem.budget_by_period.items():
        if sum(by_id[p].cost_by_period.get(period, 0.0) for p in chosen) > budget + 1e-9:
            return False
    for rule in problem.balance:
        basis = {p: by_id[p].total_cost if rule.basis == "cost" else 1.0 for p in chosen}
        total = sum(basis.values())
        inside = sum(b for p, b in basis.items() if by_id[p].category == rule.category)
        if inside < rule.minimum * total - 1e-9 or inside > rule.maximum * total + 1e-9:
            return False
    for dep in problem.dependencies:
        if dep.project in chosen:
            if dep.requires not in chosen:
                return False
            if chosen[dep.project] < chosen[dep.requires] + by_id[dep.requires].duration:
                return False
    return all(not (a in chosen and b in chosen) for a, b in problem.exclusions)


def brute_force(problem: SelectionProblem) -> tuple[float, dict[str, int]] | None:
    """The best value over every subset and every start week of each member (None when nothing is feasible)."""
    weeks = len(problem.weeks)
    options = [[None, *range(max(c.earliest_start, 0), min(c.latest_start, weeks - 1) + 1)]
               for c in problem.candidates]
    best: tuple[float, dict[str, int]] | None = None
    for combo in itertools.product(*options):
        chosen = {c.id: s for c, s in zip(problem.candidates, combo, strict=True) if s is not None}
        if feasible(problem, chosen):
            value = sum(c.value for c in problem.candidates if c.id in chosen)
            if best is None or value > best[0] + 1e-9:
                best = (value, chosen)
    return best


def random_problem(seed: int) -> SelectionProblem:
    """A small random instance: 3-6 candidates, 8 weeks, 2 skills, windows of 1-3 weeks, every rule sometimes."""
    rnd = random.Random(seed)
    candidates = []
    for n in range(rnd.randint(3, 6)):
        earliest = rnd.randrange(0, 5)
        demand = {skill: [float(rnd.choice([0, 2, 4, 6])) for _ in range(rnd.randint(1, 4))]
                  for skill in rnd.sample(["dba", "dev"], rnd.randint(1, 2))}
        candidates.append(Candidate(
            id=f"P{n}", name=f"Project {n}", value=float(rnd.randint(1, 20)),
            category=rnd.choice(["run", "grow", "transform"]), earliest_start=earliest,
            latest_start=earliest + rnd.randint(0, 2), demand=demand,
            cost_by_period={"2027": float(rnd.randint(1, 10)), "2028": float(rnd.randint(0, 5))},
            must=rnd.random() < 0.1, never=rnd.random() < 0.08))
    ids = [c.id for c in candidates]
    dependencies = [Dependency(*rnd.sample(ids, 2)) for _ in range(rnd.randint(0, 2))]
    exclusions = [tuple(rnd.sample(ids, 2)) for _ in range(rnd.randint(0, 1))]
    balance = []
    if rnd.random() < 0.5:
        balance.append(BalanceRule(rnd.choice(["run", "grow", "transform"]), minimum=rnd.choice([0.0, 0.2]),
                                   maximum=rnd.choice([0.6, 1.0]), basis=rnd.choice(["cost", "count"])))
    return SelectionProblem(
        weeks=WEEKS, candidates=candidates,
        capacity={"dba": [float(rnd.choice([4, 6, 8, 10])) for _ in WEEKS],
                  "dev": [float(rnd.choice([4, 6, 8, 10])) for _ in WEEKS]},
        budget_by_period={"2027": float(rnd.randint(8, 30))} | ({"2028": 6.0} if rnd.random() < 0.5 else {}),
        balance=balance, dependencies=dependencies,
        exclusions=[(a, b) for a, b in exclusions], mip_gap=0.0)


def candidate(pid: str, value: float, demand: dict[str, list[float]] | None = None, *, earliest: int = 0,
              latest: int | None = None, cost: float = 0.0, category: str = "grow", **flags: bool) -> Candidate:
    """A candidate with defaults for what a test does not care about."""
    return Candidate(id=pid, name=pid, value=value, category=category,  # type: ignore[arg-type]
                     earliest_start=earliest, latest_start=earliest if latest is None else latest,
                     demand=demand or {}, cost_by_period={"2027": cost} if cost else {}, **flags)


def problem_of(*candidates: Candidate, capacity: dict[str, list[float]] | None = None,
               **rules: object) -> SelectionProblem:
    """A problem over the eight weeks with a 10-hour DBA capacity unless told otherwise."""
    return SelectionProblem(weeks=WEEKS, candidates=list(candidates),
                            capacity=capacity if capacity is not None else {"dba": [10.0] * 8},
                            mip_gap=0.0, **rules)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(60))
def test_the_optimum_is_the_brute_force_optimum(seed: int) -> None:
    problem = random_problem(seed)
    best = brute_force(problem)
    if best is None:
        with pytest.raises(SelectionInfeasible) as raised:
            solve(problem)
        assert raised.value.conflicts
        return
    result = solve(problem)
    assert result.status == "optimal"
    assert feasible(problem, result.selected)
    assert result.objective == pytest.approx(best[0])
    assert result.objective == pytest.approx(sum(c.value for c in problem.candidates if c.id in result.selected))
    # Greedy is a feasible selection never worth more, and the uplift is the difference.
    assert result.greedy_objective <= result.objective + 1e-9
    assert result.uplift == pytest.approx(result.objective - result.greedy_objective)
    if not any(c.must for c in problem.candidates):
        assert feasible(problem, result.greedy_selected)
    assert set(result.excluded) == {c.id for c in problem.candidates} - set(result.selected)


def test_the_random_instances_exercise_every_rule() -> None:
    problems = [random_problem(seed) for seed in range(60)]
    assert any(p.dependencies for p in problems) and any(p.exclusions for p in problems)
    assert any(any(c.must for c in p.candidates) for p in problems)
    assert any(any(c.never for c in p.candidates) for p in problems)
    assert {r.basis for p in problems for r in p.balance} == {"cost", "count"}
    assert any(len(p.budget_by_period) == 2 for p in problems)
    assert any(c.latest_start > c.earliest_start for p in problems for c in p.candidates)
    assert sum(brute_force(p) is None for p in problems) >= 1  # some are infeasible: the conflicts path runs


def test_a_start_shift_lets_two_projects_share_a_skill() -> None:
    problem = problem_of(candidate("A", 5, {"dba": [8, 8]}, earliest=0, latest=3),
                         candidate("B", 5, {"dba": [8, 8]}, earliest=0, latest=1))
    result = solve(problem)
    assert set(result.selected) == {"A", "B"}
    assert abs(result.selected["A"] - result.selected["B"]) >= 2


def test_a_dependent_starts_after_its_prerequisite_ends_and_only_with_it() -> None:
    problem = problem_of(candidate("A", 1, {"dba": [2, 2, 2]}, earliest=0, latest=2),
                         candidate("B", 10, {"dba": [2]}, earliest=0, latest=5),
                         dependencies=[Dependency("B", "A")])
    result = solve(problem)
    assert result.selected["B"] >= result.selected["A"] + 3
    # Without room for A, B cannot come either, and says so.
    blocked = replace(problem, candidates=[replace(problem.candidates[0], never=True), problem.candidates[1]])
    result = solve(blocked)
    assert result.selected == {}
    assert result.excluded["B"].kind == "dependency" and result.excluded["B"].other == "A"
    assert result.excluded["A"].kind == "never"


def test_exclusions_must_and_never() -> None:
    problem = problem_of(candidate("A", 10), candidate("B", 8), candidate("C", 1, must=True),
                         candidate("D", 50, never=True), exclusions=[("A", "B")])
    result = solve(problem)
    assert result.selected == {"A": 0, "C": 0}
    assert result.excluded["B"].kind == "exclusion" and result.excluded["B"].other == "A"
    assert result.excluded["D"].kind == "never"


def test_budget_per_period_binds_and_is_explained() -> None:
    problem = problem_of(candidate("A", 10, cost=61), candidate("B", 9, cost=50), candidate("C", 8, cost=40),
                         budget_by_period={"2027": 100})
    result = solve(problem)
    assert set(result.selected) == {"B", "C"}  # 17 beats A alone (10) and A + C (over budget)
    assert result.cost_by_period == {"2027": 90}
    binding = result.excluded["A"]
    assert binding.kind == "budget" and binding.period == "2027" and binding.shortfall == pytest.approx(51)


def test_capacity_binding_names_the_skill_weeks_and_the_hours_short() -> None:
    problem = problem_of(candidate("A", 10, {"dba": [8, 8, 8]}, earliest=1),
                         candidate("B", 4, {"dba": [6, 6]}, earliest=2, latest=3))
    result = solve(problem)
    assert result.selected == {"A": 1}
    binding = result.excluded["B"]
    assert binding.kind == "capacity" and binding.skill == "dba"
    # Its best start is week index 3: only 2027-W04 overlaps A, 8 + 6 - 10 = 4 hours short.
    assert binding.weeks == ["2027-W04"] and binding.shortfall == pytest.approx(4)
    assert [(s.skill, s.week) for s in result.scarce][:1] in ([("dba", "2027-W03")], [("dba", "2027-W04")])
    assert all(s.shadow_price > 0 for s in result.scarce)


def test_a_skill_nobody_has_is_zero_capacity() -> None:
    result = solve(problem_of(candidate("A", 10, {"unicorn": [1]})))
    assert result.selected == {}
    assert result.excluded["A"].kind == "capacity" and result.excluded["A"].skill == "unicorn"


@pytest.mark.parametrize("basis", ["cost", "count"])
def test_balance_shares_by_cost_and_by_count(basis: str) -> None:
    problem = problem_of(candidate("R1", 10, cost=10, category="run"), candidate("R2", 9, cost=10, category="run"),
                         candidate("T1", 1, cost=30 if basis == "cost" else 10, category="transform"),
                         balance=[BalanceRule("run", maximum=0.5, basis=basis)])  # type: ignore[arg-type]
    result = solve(problem)
    # Run may be half at most: by cost R1 + R2 (20) need 20 of other categories, T1 (30) gives it, so all three;
    # by count two runs need two others, there is one: one run and T1.
    expected = {"R1", "R2", "T1"} if basis == "cost" else {"R1", "T1"}
    assert set(result.selected) == expected
    if basis == "count":
        assert result.excluded["R2"].kind == "balance" and result.excluded["R2"].category == "run"


def test_an_excluded_project_that_fits_is_out_on_value() -> None:
    result = solve(problem_of(candidate("A", 10), candidate("Z", -1, {"dba": [1]})))  # a negative NPV
    assert result.selected == {"A": 0}
    assert result.excluded["Z"].kind == "value"


def test_must_do_projects_overflowing_a_skill_name_the_skill_weeks_and_projects() -> None:
    problem = problem_of(candidate("A", 1, {"dba": [6, 6]}, earliest=2, must=True),
                         candidate("B", 1, {"dba": [6]}, earliest=3, must=True), candidate("C", 5))
    with pytest.raises(SelectionInfeasible) as raised:
        solve(problem)
    (conflict,) = raised.value.conflicts
    assert "capacity of dba in 2027-W04" in conflict and "A, B" in conflict and "2 h" in conflict.replace(".0 h", " h")


def test_must_do_projects_over_budget_name_the_period() -> None:
    problem = problem_of(candidate("A", 1, cost=70, must=True), candidate("B", 1, cost=50, must=True),
                         budget_by_period={"2027": 100})
    with pytest.raises(SelectionInfeasible) as raised:
        solve(problem)
    assert any(c.startswith("budget 2027") and "A, B" in c for c in raised.value.conflicts)


def test_a_balance_minimum_the_candidates_cannot_meet_is_named() -> None:
    problem = problem_of(candidate("A", 1, cost=10, category="run", must=True), candidate("B", 1, cost=1),
                         balance=[BalanceRule("grow", minimum=0.5)])
    with pytest.raises(SelectionInfeasible) as raised:
        solve(problem)
    assert any(c.startswith("balance grow by cost") and "at least 50%" in c for c in raised.value.conflicts)


def test_structural_conflicts_are_named_without_solving() -> None:
    problem = problem_of(candidate("A", 1, must=True), candidate("B", 1, must=True),
                         candidate("C", 1, must=True, never=True), exclusions=[("A", "B")])
    with pytest.raises(SelectionInfeasible) as raised:
        solve(problem)
    assert raised.value.conflicts == ["must-do C cannot be selected: never-do", "exclusion A / B: both are must-do"]


def test_greedy_ranks_by_value_and_the_optimum_beats_it() -> None:
    # Greedy takes A (10) first, which leaves no DBA for B and C (7 each): the optimum takes B and C.
    problem = problem_of(candidate("A", 10, {"dba": [10]}), candidate("B", 7, {"dba": [5]}),
                         candidate("C", 7, {"dba": [5]}))
    assert greedy(problem) == {"A": 0}
    assert greedy(problem, rank="value_per_cost") == {"A": 0}
    result = solve(problem)
    assert set(result.selected) == {"B", "C"}
    assert (result.greedy_objective, result.objective, result.uplift) == (10, 14, 4)
    assert result.excluded["A"].kind == "capacity"


def test_the_frontier_rises_with_budget_and_capacity_and_matches_brute_force() -> None:
    problem = random_problem(3)
    problem = replace(problem, candidates=[replace(c, must=False, never=False) for c in problem.candidates],
                      balance=[], dependencies=[], exclusions=[])
    points = frontier(problem, [0.5, 1.0, 2.0], capacity_factors=(1.0, 2.0))
    assert [(p.capacity_factor, p.budget_factor) for p in points] == [
        (1.0, 0.5), (1.0, 1.0), (1.0, 2.0), (2.0, 0.5), (2.0, 1.0), (2.0, 2.0)]
    for point in points:
        scaled = replace(problem, budget_by_period={k: v * point.budget_factor
                                                   for k, v in problem.budget_by_period.items()},
                         capacity={k: [h * point.capacity_factor for h in v] for k, v in problem.capacity.items()})
        best = brute_force(scaled)
        assert best is not None and point.feasible
        assert point.objective == pytest.approx(best[0])
    assert points[0].objective <= points[1].objective <= points[2].objective
    assert all(a.objective <= b.objective for a, b in zip(points[:3], points[3:], strict=True))


def test_a_frontier_point_the_must_do_projects_do_not_fit_is_marked_infeasible() -> None:
    problem = problem_of(candidate("A", 5, cost=60, must=True), candidate("B", 3, cost=30),
                         budget_by_period={"2027": 100})
    low, high = frontier(problem, [0.5, 1.0])
    assert (low.feasible, low.objective) == (False, 0.0)
    assert (high.feasible, high.objective, high.selected_count) == (True, 8.0, 2)


@pytest.mark.parametrize("seed", range(60, 90))
def test_the_reported_gap_bounds_the_distance_to_the_optimum(seed: int) -> None:
    # With the default 0.1 % gap the search may stop early (on the relaxation's bound or HiGHS's): what it reports
    # must still be a true bound on how far the brute-force optimum is.
    problem = replace(random_problem(seed), mip_gap=0.001)
    best = brute_force(problem)
    if best is None:
        with pytest.raises(SelectionInfeasible):
            solve(problem)
        return
    result = solve(problem)
    assert feasible(problem, result.selected)
    assert result.objective <= best[0] + 1e-9
    assert result.gap <= 0.001 + 1e-9 and result.status == "optimal"
    assert best[0] - result.objective <= result.gap * max(abs(result.objective), 1e-9) + 1e-6


def test_a_conflict_names_ten_projects_then_counts_the_rest() -> None:
    problem = problem_of(*(candidate(f"M{n:02d}", 1, {"dba": [1]}, must=True) for n in range(12)))
    with pytest.raises(SelectionInfeasible) as raised:
        solve(problem)
    (conflict,) = raised.value.conflicts
    assert conflict.startswith("capacity of dba in 2027-W01: M00, M01, M02, M03, M04, M05, M06, M07, M08, M09 "
                               "and 2 more need 2.0 h more than is free")
