"""Portfolio selection: the exact MILP against a greedy fill, at 200, 500 and 2,000 candidates.

A seeded synthetic portfolio over one year of 52 ISO weeks and 30 skills: each candidate runs 6-26 weeks in two or
three phases (hours per skill constant within a phase, as planned demand is), needs 2-4 skills, may start anywhere in
a window of 1-12 weeks, and costs money in 2027 and 2028 in proportion to its weeks in each. Free hours per skill-week
are steady; a quarter of the skills are scarce (half to 90 % of their average weekly demand over all candidates at
their earliest starts), the rest are not (1.5-3 times it). The budget is about 35 % of all costs per year; balance
shares by cost (run 20-50 %, grow at least 20 %, transform 15-40 %); 100 dependencies (B only with A, and after A
ends) and 20 mutual exclusions; up to 10 short must-do projects (their hours held in capacity). Value grows with
cost, times noise.

Times the model build (numpy, in process) and the HiGHS solve to the problem's 0.1 % gap, then the greedy fill and
the explanations (with the LP relaxation's shadow prices), and prints a table. No pass/fail on time: read it.

Usage: .venv/bin/python bench/portfolio_selection.py [--candidates 200,500,2000] [--seed 7] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import sys
import time

from tandem_portfolio.selections.explain import explain, scarce_skill_weeks
from tandem_portfolio.selections.greedy import greedy
from tandem_portfolio.selections.model import build
from tandem_portfolio.selections.optimizer import optimise
from tandem_portfolio.selections.problem import BalanceRule, Candidate, Dependency, SelectionProblem

CATEGORIES = ["run", "grow", "transform"]


def instance(candidates: int, weeks: int = 52, skills: int = 30, window: int = 12, dependencies: int = 100,
             seed: int = 7, time_limit: float = 60.0) -> SelectionProblem:
    """A seeded synthetic selection problem of the stated size."""
    rnd = random.Random(seed)
    labels = [f"2027-W{w + 1:02d}" for w in range(weeks)]
    names = [f"skill-{k:02d}" for k in range(skills)]
    load = {skill: [0.0] * weeks for skill in names}
    reserved = {skill: [0.0] * weeks for skill in names}  # the must-do projects' hours, held for them
    out: list[Candidate] = []
    for n in range(candidates):
        duration = rnd.randint(6, 26)
        earliest = rnd.randrange(0, weeks - 4)
        latest = min(weeks - 1, earliest + rnd.randrange(window))
        demand: dict[str, list[float]] = {}
        must = n < 10 and duration <= 10
        for skill in rnd.sample(names, rnd.randint(2, 4)):
            cuts = sorted(rnd.sample(range(1, duration), rnd.randint(1, 2)))
            hours: list[float] = []
            for a, b in zip([0, *cuts], [*cuts, duration], strict=True):
                hours += [float(rnd.choice([0, 4, 8, 12, 16, 20, 24, 32, 40]))] * (b - a)
            demand[skill] = hours
            for t, h in enumerate(hours):
                if earliest + t < weeks:
                    (reserved if must else load)[skill][earliest + t] += h
        rate = rnd.uniform(90, 140)  # money per demand hour
        spend = rate * sum(sum(h) for h in demand.values())
        in_2027 = max(0, min(duration, weeks - earliest)) / duration
        costs = {"2027": round(spend * in_2027, 2), "2028": round(spend * (1 - in_2027), 2)}
        value = round(spend * rnd.uniform(0.6, 2.2) / 1000, 1)
        out.append(Candidate(id=f"P{n:05d}", name=f"Project {n}", value=value, category=rnd.choice(CATEGORIES),
                             earliest_start=earliest, latest_start=latest, demand=demand, cost_by_period=costs,
                             must=must))
    # A team's free hours are steady week to week (a few percent of time off either way). A quarter of the skills
    # are scarce (free hours half to 90 % of their average weekly demand at the candidates' earliest starts), the
    # rest are not (one and a half to three times it); the must-do projects' hours are held on top.
    scarce = set(rnd.sample(names, len(names) // 4))
    scarcity = {skill: rnd.uniform(0.5, 0.9) if skill in scarce else rnd.uniform(1.5, 3.0) for skill in names}
    capacity = {skill: [round(sum(hours) / weeks * scarcity[skill] * rnd.uniform(0.9, 1.1) + held, 1)
                        for held in reserved[skill]] for skill, hours in load.items()}
    budget = {period: round(sum(c.cost_by_period[period] for c in out) * 0.35, 2) for period in ("2027", "2028")}
    balance = [BalanceRule("run", 0.2, 0.5), BalanceRule("grow", 0.2, 1.0), BalanceRule("transform", 0.15, 0.4)]
    deps: set[tuple[str, str]] = set()
    by_start = sorted(out, key=lambda c: c.earliest_start)
    while len(deps) < dependencies:
        a, b = sorted(rnd.sample(range(len(by_start)), 2))
        if not by_start[b].must and by_start[a].earliest_start < by_start[b].earliest_start:
            deps.add((by_start[b].id, by_start[a].id))
    exclusions: set[tuple[str, str]] = set()
    while len(exclusions) < 20:
        a, b = rnd.sample(range(len(out)), 2)
        if not (out[a].must and out[b].must):
            exclusions.add((out[a].id, out[b].id))
    return SelectionProblem(weeks=labels, candidates=out, capacity=capacity, budget_by_period=budget,
                            balance=balance, dependencies=[Dependency(b, a) for b, a in sorted(deps)],
                            exclusions=sorted(exclusions), time_limit_seconds=time_limit, mip_gap=0.001)


def measure(problem: SelectionProblem) -> dict[str, float | int | str]:
    """Build, solve, greedy and explain once, timed."""
    began = time.perf_counter()
    model = build(problem)
    built = time.perf_counter()
    cpu = time.process_time()
    outcome = optimise(model)
    solved = time.perf_counter()
    cpu = time.process_time() - cpu
    baseline = greedy(problem)
    greedied = time.perf_counter()
    selected = model.decode(outcome.values) if outcome.values is not None else {}
    explain(model, selected)
    scarce = scarce_skill_weeks(model, model.load(selected), outcome.duals)  # as solve() does: no second LP
    explained = time.perf_counter()
    value = {c.id: c.value for c in problem.candidates}
    objective = sum(value[p] for p in selected)
    greedy_objective = sum(value[p] for p in baseline)
    nonzeros = sum(len(r) for r in model.rows.row)
    return {"candidates": len(problem.candidates), "columns": model.num_col, "rows": model.rows.count,
            "nonzeros": nonzeros, "build": built - began, "solve": solved - built, "cpu": cpu,
            "load": os.getloadavg()[0], "status": outcome.status,
            "gap": outcome.gap, "objective": objective, "selected": len(selected), "greedy": greedy_objective,
            "greedy_selected": len(baseline), "uplift": (objective - greedy_objective) / greedy_objective
            if greedy_objective else float("nan"), "greedy_s": greedied - solved, "explain_s": explained - greedied,
            "scarce": len(scarce)}


def main() -> None:
    """Runs the sizes asked for and prints one row each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", default="200,500,2000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0, help="HiGHS time limit per solve, seconds")
    args = parser.parse_args()
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), host.processor())
    print(f"machine: {host.node()} · {host.machine()} · {os.cpu_count()} cores · {cpu} · Python "
          f"{sys.version.split()[0]} · load {os.getloadavg()[0]:.1f}")
    print("| candidates | columns | rows | nonzeros | build s | solve s (CPU s) | status | gap | "
          "objective (selected) | greedy (selected) | uplift | greedy s | explain s | load |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in (int(s) for s in args.candidates.split(",")):
        row = measure(instance(size, seed=args.seed, time_limit=args.time_limit))
        print(f"| {row['candidates']:,} | {row['columns']:,} | {row['rows']:,} | {row['nonzeros']:,} | "
              f"{row['build']:.2f} | {row['solve']:.2f} ({row['cpu']:.2f}) | {row['status']} | {row['gap']:.3%} | "
              f"{row['objective']:,.1f} ({row['selected']}) | {row['greedy']:,.1f} ({row['greedy_selected']}) | "
              f"{row['uplift']:+.1%} | {row['greedy_s']:.2f} | {row['explain_s']:.2f} | {row['load']:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
