"""The selection problem and its result as plain data: what the optimiser reads and writes, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Category = Literal["run", "grow", "transform"]
BalanceBasis = Literal["cost", "count"]


@dataclass(frozen=True)
class Candidate:
    """A project that may be selected, with its value, costs and weekly demand profile.

    `demand` maps a skill to hours per week offset: `demand["dba"][0]` is the DBA hours the project needs in its
    first week. The whole profile shifts with the start week, chosen in [earliest_start, latest_start] (indices
    into the horizon's weeks; equal for a fixed start). `cost_by_period` is the cost per budget period (a year
    or a quarter key such as "2027" or "2027-Q1") when the project starts at `earliest_start`; costs do not
    move between periods with the start shift (periods are coarse next to a 12-week window).
    """

    id: str
    name: str
    value: float
    category: Category
    earliest_start: int
    latest_start: int
    demand: dict[str, list[float]] = field(default_factory=dict)
    cost_by_period: dict[str, float] = field(default_factory=dict)
    must: bool = False
    never: bool = False

    @property
    def total_cost(self) -> float:
        """All periods' costs together."""
        return sum(self.cost_by_period.values())

    @property
    def duration(self) -> int:
        """Weeks of the demand profile (0 when it needs no one)."""
        return max((len(hours) for hours in self.demand.values()), default=0)


@dataclass(frozen=True)
class BalanceRule:
    """The share of `category` in the selection, by cost or by count, must lie in [minimum, maximum] (0..1)."""

    category: Category
    minimum: float = 0.0
    maximum: float = 1.0
    basis: BalanceBasis = "cost"


@dataclass(frozen=True)
class Dependency:
    """`project` may be selected only with `requires`, and starts no earlier than the week after `requires` ends."""

    project: str
    requires: str


@dataclass(frozen=True)
class SelectionProblem:
    """Everything a run optimises over. `weeks` are ISO week labels; capacity[skill][i] is free hours in weeks[i]."""

    weeks: list[str]
    candidates: list[Candidate]
    capacity: dict[str, list[float]]
    budget_by_period: dict[str, float] = field(default_factory=dict)
    balance: list[BalanceRule] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    exclusions: list[tuple[str, str]] = field(default_factory=list)
    time_limit_seconds: float = 30.0
    mip_gap: float = 0.001


@dataclass(frozen=True)
class Binding:
    """Why an excluded project is out: the constraint that keeps it out and what it would need to get in.

    kind is one of "capacity", "budget", "balance", "dependency", "exclusion", "never", "window" (its start window
    lies outside the horizon), "value" (it fits beside the selection but its value is not positive, or the solver
    stopped within the gap); `skill` and `weeks` name the skill-weeks for "capacity", `period` the budget
    period, `category` the balance rule, `other` the project of a dependency or exclusion; `shortfall` is how
    many hours (capacity) or how much money (budget) it lacks at its best start.
    """

    kind: str
    detail: str
    skill: str | None = None
    weeks: list[str] = field(default_factory=list)
    period: str | None = None
    category: str | None = None
    other: str | None = None
    shortfall: float | None = None


@dataclass(frozen=True)
class ScarceSkillWeek:
    """A skill-week whose capacity limits the value: the relaxation's shadow price and the utilisation there."""

    skill: str
    week: str
    shadow_price: float
    used_hours: float
    capacity_hours: float


@dataclass(frozen=True)
class SelectionResult:
    """The optimum: who is in and when, what it is worth, how sure the solver is, and why the rest are out."""

    status: Literal["optimal", "time_limit", "infeasible"]
    objective: float
    gap: float
    solve_seconds: float
    selected: dict[str, int]  # project id -> start week index
    excluded: dict[str, Binding]
    greedy_objective: float
    greedy_selected: dict[str, int]
    scarce: list[ScarceSkillWeek]
    total_cost: float
    cost_by_period: dict[str, float]
    utilisation: dict[str, list[float]]  # skill -> used hours per week
    conflicts: list[str] = field(default_factory=list)  # when infeasible: the constraints that conflict
    build_seconds: float = 0.0  # building the model, before the solver starts

    @property
    def uplift(self) -> float:
        """How much more the optimum is worth than the greedy fill (0 when greedy is worth nothing)."""
        return self.objective - self.greedy_objective


@dataclass(frozen=True)
class FrontierPoint:
    """The best value at one budget level (a multiple of the problem's budget) and capacity multiplier."""

    budget_factor: float
    capacity_factor: float
    budget: float
    objective: float
    selected_count: int
    gap: float
    feasible: bool = True  # False when the must-do projects do not fit this budget and capacity (objective 0)


class SelectionInfeasible(Exception):
    """The hard constraints (must-do projects, balance minimums, dependencies) cannot all hold."""

    def __init__(self, conflicts: list[str]) -> None:
        super().__init__("; ".join(conflicts))
        self.conflicts = conflicts


class SelectionTimeout(Exception):
    """The time limit ran out before any selection that keeps every constraint was found (none is not proven)."""
