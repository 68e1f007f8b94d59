"""Bodies of selection runs: the request (SelectionCreate), the run as read, pages, comparisons and the frontier."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from tandem_shared.api import Page

from tandem_portfolio.capacity_outlook.weeks import WEEK_PATTERN
from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Week = Annotated[str, StringConstraints(pattern=WEEK_PATTERN)]
Share = Annotated[float, Field(ge=0, le=1)]
Hours = Annotated[float, Field(ge=0, le=100_000)]
Status = Literal["queued", "running", "done", "failed", "infeasible"]
# Without `stages`: the projects a PMO decides about (proposed to planning, on hold) and those already executing.
DEFAULT_STAGES = ("proposed", "approved", "planning", "executing", "on_hold")
MAX_WEEKS = 156


class CandidateFilter(BaseModel):
    """Which projects compete: stages and categories (each any of), and explicit ids (all filters apply)."""

    model_config = ConfigDict(extra="forbid")

    stages: list[ProjectStage] = Field(default_factory=lambda: [ProjectStage(s) for s in DEFAULT_STAGES],
                                       description=f"Default: {', '.join(DEFAULT_STAGES)}.")
    categories: list[ProjectCategory] = Field(default_factory=list, description="Any category when empty.")
    project_ids: list[uuid.UUID] = Field(default_factory=list, max_length=5000,
                                         description="Only these projects when given.")


class ValueSpec(BaseModel):
    """What the run maximises: a scoring model's score, the business case's NPV, or a weighted mix of both."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["score", "npv", "mix"] = "npv"
    model_id: uuid.UUID | None = Field(None, description="The scoring model (kinds score and mix).")
    score_weight: Share = Field(0.5, description="Mix only: weight of the score, normalised to the best one.")
    npv_weight: Share = Field(0.5, description="Mix only: weight of the NPV, normalised to the largest one.")

    @model_validator(mode="after")
    def _model_given(self) -> ValueSpec:
        if self.kind in ("score", "mix") and self.model_id is None:
            raise ValueError(f"model_id is required for value kind {self.kind}")
        if self.kind == "mix" and self.score_weight + self.npv_weight <= 0:
            raise ValueError("a mix needs score_weight or npv_weight above 0")
        return self


class Horizon(BaseModel):
    """The ISO weeks capacity is planned over (default: the capacity snapshot's weeks, or 26 from this week)."""

    model_config = ConfigDict(extra="forbid")

    first_week: Week | None = None
    weeks: int | None = Field(None, ge=1, le=MAX_WEEKS)


class StartWindow(BaseModel):
    """When one project may start: its demand profile shifts whole to a start week in [earliest, latest]."""

    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID
    earliest: Week
    latest: Week


class BalanceRuleIn(BaseModel):
    """The share of a category in the selection, by cost or by count, between minimum and maximum."""

    model_config = ConfigDict(extra="forbid")

    category: ProjectCategory
    minimum: Share = 0.0
    maximum: Share = 1.0
    basis: Literal["cost", "count"] = "cost"

    @model_validator(mode="after")
    def _ordered(self) -> BalanceRuleIn:
        if self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        return self


class DependencyIn(BaseModel):
    """`project_id` only with `requires`, and not before `requires` ends."""

    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID
    requires: uuid.UUID


class ExclusionIn(BaseModel):
    """At most one of the two projects."""

    model_config = ConfigDict(extra="forbid")

    a: uuid.UUID
    b: uuid.UUID


class CapacityDelta(BaseModel):
    """Hours per week added to (or, negative, taken from) a skill from a week on: "+80 h/week of dba from 2027-W10"."""

    model_config = ConfigDict(extra="forbid")

    skill: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=100)]
    hours_per_week: Annotated[float, Field(ge=-100_000, le=100_000)]
    from_week: Week
    to_week: Week | None = Field(None, description="The last week it applies to; to the horizon's end when absent.")


class CapacitySpec(BaseModel):
    """Capacity per skill per week: capacity's snapshot, or given explicitly for a what-if; deltas on top."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["snapshot", "explicit"] = "snapshot"
    skills: dict[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                                  max_length=100)], dict[Week, Hours]] = Field(
        default_factory=dict, description="Explicit only: free hours per skill per ISO week (weeks left out: 0).")
    deltas: list[CapacityDelta] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _skills_for_explicit(self) -> CapacitySpec:
        if self.source == "snapshot" and self.skills:
            raise ValueError("skills are given only with source explicit (deltas change a snapshot)")
        return self


class FrontierSpec(BaseModel):
    """The efficient frontier to compute with the run: the best value at each budget (and capacity) multiple."""

    model_config = ConfigDict(extra="forbid")

    budget_factors: list[Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=lambda: [0.5, 0.75, 1.0, 1.25, 1.5], min_length=1, max_length=20)
    capacity_factors: list[Annotated[float, Field(gt=0, le=10)]] = Field(
        default_factory=lambda: [1.0], min_length=1, max_length=5)


class SelectionCreate(BaseModel):
    """A selection run: which projects compete, what they are worth, and the constraints they must fit."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "2027 portfolio, base case",
        "candidates": {"stages": ["proposed", "approved", "planning", "executing", "on_hold"]},
        "value": {"kind": "mix", "model_id": "6f1c2b9e-8d4a-4f51-9a0e-1d2c3b4a5f60", "score_weight": 0.6,
                  "npv_weight": 0.4},
        "horizon": {"first_week": "2027-W01", "weeks": 52},
        "budget_period": "year", "budget": {"2027": "2500000.00"}, "currency": "EUR",
        "balance": [{"category": "run", "minimum": 0.2, "basis": "cost"},
                    {"category": "transform", "maximum": 0.5, "basis": "cost"}],
        "must_do": ["0b8f0e57-0a55-4d0e-9d8b-54c0f0b7c1a2"],
        "dependencies": [{"project_id": "3a3e5d2c-1c4b-4f0e-8f6a-2b1d0c9e8f7a",
                          "requires": "0b8f0e57-0a55-4d0e-9d8b-54c0f0b7c1a2"}],
        "capacity": {"source": "snapshot", "deltas": [{"skill": "dba", "hours_per_week": 80,
                                                       "from_week": "2027-W10"}]},
        "default_window_weeks": 4, "frontier": {"budget_factors": [0.5, 1.0, 1.5]}}]})

    name: Name
    description: str | None = Field(None, max_length=5000)
    candidates: CandidateFilter = Field(default_factory=CandidateFilter)
    value: ValueSpec = Field(default_factory=ValueSpec)
    horizon: Horizon = Field(default_factory=Horizon)
    start_windows: list[StartWindow] = Field(default_factory=list, max_length=5000)
    default_window_weeks: int = Field(4, ge=0, le=52, description=(
        "A project without a start window may start from its planned start up to this many weeks later."))
    budget_period: Literal["year", "quarter"] = "year"
    budget: dict[Annotated[str, StringConstraints(pattern=r"^\d{4}(-Q[1-4])?$")],
                 Annotated[Decimal, Field(ge=0, lt=Decimal("1e14"), decimal_places=2)]] = Field(
        default_factory=dict, description="Budget per period (`2027`, or `2027-Q1` by quarter); periods left "
        "out are not limited.")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="The currency of the budget and the business cases (default: the cases' one).")
    balance: list[BalanceRuleIn] = Field(default_factory=list, max_length=10)
    must_do: list[uuid.UUID] = Field(default_factory=list, max_length=5000,
                                     description="Projects that must be selected (e.g. regulatory).")
    executing_is_must: bool = Field(True, description="Candidates already executing (or in transition) are must-do.")
    never_do: list[uuid.UUID] = Field(default_factory=list, max_length=5000)
    dependencies: list[DependencyIn] = Field(default_factory=list, max_length=5000)
    exclusions: list[ExclusionIn] = Field(default_factory=list, max_length=5000)
    capacity: CapacitySpec = Field(default_factory=CapacitySpec)
    frontier: FrontierSpec | None = Field(None, description="Compute the efficient frontier with the run.")
    time_limit_seconds: float = Field(30.0, gt=0, le=600)
    mip_gap: float = Field(0.001, ge=0, le=0.5)

    @field_validator("budget")
    @classmethod
    def _budget_keys(cls, budget: dict[str, Decimal]) -> dict[str, Decimal]:
        kinds = {"-Q" in key for key in budget}
        if len(kinds) > 1:
            raise ValueError("budget periods are all years or all quarters")
        return budget

    @model_validator(mode="after")
    def _periods_match(self) -> SelectionCreate:
        quarterly = any("-Q" in key for key in self.budget)
        if self.budget and quarterly != (self.budget_period == "quarter"):
            keys = "quarters (2027-Q1)" if self.budget_period == "quarter" else "years (2027)"
            raise ValueError(f"budget keys must be {keys} for budget_period {self.budget_period}")
        return self


class BindingRead(BaseModel):
    """Why a project is out, and what it would need."""

    kind: str = Field(description="capacity, budget, balance, dependency, exclusion, never or value.")
    detail: str
    skill: str | None = None
    weeks: list[str] = Field(default_factory=list)
    period: str | None = None
    category: str | None = None
    other: str | None = Field(None, description="The other project of a dependency or exclusion.")
    shortfall: float | None = Field(None, description="Hours (capacity) or money (budget) missing at its best start.")


class SelectedProject(BaseModel):
    """A project in the selection, and when it starts."""

    project_id: uuid.UUID
    name: str
    category: str
    stage: str
    value: float
    cost: float
    start_week: str | None = Field(description="The chosen start week (null when it has no demand in the horizon).")
    shift_weeks: int = Field(description="Weeks after its planned start (0: as planned).")
    must: bool


class ExcludedProject(BaseModel):
    """A candidate left out, with the constraint that keeps it out."""

    project_id: uuid.UUID
    name: str
    category: str
    stage: str
    value: float
    cost: float
    binding: BindingRead


class ScarceSkillWeekRead(BaseModel):
    """A skill-week whose capacity limits the value (highest shadow price first)."""

    skill: str
    week: str
    shadow_price: float
    used_hours: float
    capacity_hours: float


class SkillUtilisation(BaseModel):
    """Hours the selection uses of a skill, week by week, against the capacity it was given."""

    skill: str
    used_hours: list[float]
    capacity_hours: list[float]
    peak_utilisation: float | None = Field(description="Highest used / capacity over the weeks (null: no capacity).")


class FrontierPointRead(BaseModel):
    """The best value at one budget level and capacity multiplier."""

    budget_factor: float
    capacity_factor: float
    budget: float
    objective: float
    selected_count: int
    gap: float
    feasible: bool = Field(True, description="False when the must-do projects do not fit this budget and capacity.")


class SelectionOutcome(BaseModel):
    """What the solver found."""

    solver_status: Literal["optimal", "time_limit"]
    objective: float
    gap: float = Field(description="Proven relative optimality gap (0.001 = 0.1 %).")
    solve_seconds: float
    greedy_objective: float = Field(description="What a rank-by-value greedy fill of the same constraints gets.")
    uplift: float = Field(description="objective − greedy_objective.")
    total_cost: float
    cost_by_period: dict[str, float]
    selected: list[SelectedProject]
    excluded: list[ExcludedProject]
    scarce: list[ScarceSkillWeekRead]
    utilisation: list[SkillUtilisation]


class SelectionRead(BaseModel):
    """A selection run: its request, status and, once done, its result."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5d2f3c4b-6a7e-4f80-9b1c-2d3e4f5a6b7c", "name": "2027 portfolio, base case", "status": "done",
        "weeks": ["2027-W01", "2027-W02"], "currency": "EUR", "candidate_count": 12, "value_kind": "npv",
        "result": {"solver_status": "optimal", "objective": 4200000.0, "gap": 0.0, "solve_seconds": 0.04,
                   "greedy_objective": 3650000.0, "uplift": 550000.0, "total_cost": 2380000.0,
                   "cost_by_period": {"2027": 2380000.0}, "selected": [], "excluded": [], "scarce": [],
                   "utilisation": []}}]})

    id: uuid.UUID
    name: str
    description: str | None
    status: Status
    request: dict[str, Any] = Field(description="The request as given (what a what-if changed).")
    weeks: list[str] = Field(description="The ISO weeks planned over.")
    currency: str | None
    value_kind: str
    candidate_count: int
    added_back_hours: float = Field(0.0, description=(
        "Hours capacity had booked for live candidates' named demand lines, given back to the snapshot's free "
        "hours so the run does not count them twice."))
    result: SelectionOutcome | None = None
    frontier: list[FrontierPointRead] | None = None
    conflicts: list[str] = Field(default_factory=list, description="Infeasible: the constraints that conflict.")
    error: str | None = Field(None, description="Failed: what went wrong.")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    committed_by: str | None
    committed_at: datetime | None
    version: int


class SelectionSummary(BaseModel):
    """A run in a list."""

    id: uuid.UUID
    name: str
    status: Status
    value_kind: str
    candidate_count: int
    objective: float | None
    selected_count: int | None
    created_by: str
    created_at: datetime
    committed_at: datetime | None


class SelectionPage(Page[SelectionSummary]):
    """A page of selection runs, newest first."""


class SelectionCommit(BaseModel):
    """Commit a run: initiate what it selected, defer what it left out."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=2000, description="Recorded with every decision (default names "
                               "the run).")


class CommittedProject(BaseModel):
    """What committing did to one project."""

    project_id: uuid.UUID
    action: Literal["initiate", "resume", "defer", "none"]
    from_stage: str
    to_stage: str
    shift_weeks: int = 0


class SelectionCommitted(BaseModel):
    """The decisions a commit recorded."""

    selection_id: uuid.UUID
    committed_by: str
    committed_at: datetime
    projects: list[CommittedProject]


class ComparedProject(BaseModel):
    """A project in one run's selection and not in the other's."""

    project_id: uuid.UUID
    name: str


class SkillPeak(BaseModel):
    """Peak utilisation of a skill in each run."""

    skill: str
    a: float | None
    b: float | None


class SelectionComparison(BaseModel):
    """Two runs side by side."""

    a: uuid.UUID
    b: uuid.UUID
    only_in_a: list[ComparedProject]
    only_in_b: list[ComparedProject]
    in_both: list[ComparedProject]
    value: dict[str, float | None] = Field(description="`a`, `b` and `difference` (b − a).")
    cost: dict[str, float | None] = Field(description="`a`, `b` and `difference` (b − a).")
    peak_utilisation: list[SkillPeak]


class FrontierRead(BaseModel):
    """The efficient frontier of a run."""

    selection_id: uuid.UUID
    points: list[FrontierPointRead]
