"""Selection runs without a database: the builder turns projects into a SelectionProblem, the use cases store,
solve (with a stand-in solver), commit and compare runs through FakeUnitOfWork."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tandem_portfolio.capacity_outlook import service as outlook
from tandem_portfolio.capacity_outlook.repository import CapacityOutlookRepository
from tandem_portfolio.decisions import service as decisions
from tandem_portfolio.decisions.repository import DecisionRepository
from tandem_portfolio.demand.models import DemandLine
from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.projects.models import Project
from tandem_portfolio.selections import builder, service
from tandem_portfolio.selections.builder import BuildInputs, CaseFacts, DemandFact, OutlookFacts, ProjectFacts
from tandem_portfolio.selections.problem import (
    Binding,
    FrontierPoint,
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    SelectionTimeout,
)
from tandem_portfolio.selections.repository import CaseRows, SelectionRepository
from tandem_portfolio.selections.schemas import FrontierSpec, SelectionCommit, SelectionCreate
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import CapacitySnapshotPublished
from tandem_shared.errors import Conflict, ValidationProblem

from tests.unit.fakes import FakeUnitOfWork

PMO = Actor(sub="omar", name="Omar", roles=frozenset({"pmo"}))
TODAY = date(2027, 1, 6)  # a Wednesday in 2027-W01
A, B, C, D = (uuid.UUID(int=n) for n in (1, 2, 3, 4))


def _monday(week: int) -> date:
    return date.fromisocalendar(2027, week, 1)


def _inputs(**overrides: Any) -> BuildInputs:
    projects = [ProjectFacts(A, "Alpha", "grow", "proposed"), ProjectFacts(B, "Bravo", "run", "on_hold"),
                ProjectFacts(C, "Charlie", "transform", "executing")]
    demand = {
        # Alpha: 2027-W03 to W04 dba 20 h, W04 to W05 dev 10 h.
        A: [DemandFact("DBA", 20, _monday(3), _monday(4) + timedelta(days=4)),
            DemandFact("dev", 10, _monday(4), _monday(5) + timedelta(days=2)),
            DemandFact(None, 99, _monday(3), _monday(9))],  # no skill: matched by role, not constrained
        B: [DemandFact("dev", 5, _monday(2), _monday(2))],
        # Charlie started in 2026: its remaining weeks start in week 0, fixed.
        C: [DemandFact("dba", 8, date(2026, 12, 21), _monday(2))],
    }
    cases = {A: CaseFacts("EUR", 1000.0, {2027 * 12 + 0: 100.0, 2027 * 12 + 4: 50.0, 2028 * 12: 25.0}),
             B: CaseFacts("EUR", -10.0, {2027 * 12 + 1: 40.0})}
    outlook = OutlookFacts(first_week="2027-W01", week_count=10,
                           free={"dba": [40.0] * 10, "dev": [20.0] * 10})
    values = {"projects": projects, "demand": demand, "cases": cases, "scores": {A: 50.0, B: 100.0},
              "outlook": outlook, "today": TODAY}
    return BuildInputs(**{**values, **overrides})


def _request(**fields: Any) -> SelectionCreate:
    return SelectionCreate.model_validate({"name": "Base case", **fields})


def _candidate(problem: SelectionProblem, pid: uuid.UUID):
    return next(c for c in problem.candidates if c.id == str(pid))


def _field(exc: pytest.ExceptionInfo[ValidationProblem]) -> str:
    return exc.value.extensions["errors"][0]["field"]


# The builder


def test_demand_lines_become_a_weekly_profile_per_skill_from_the_planned_start():
    built = builder.build(_request(), _inputs())
    problem = built.problem
    assert problem.weeks == [f"2027-W{w:02d}" for w in range(1, 11)]
    alpha = _candidate(problem, A)
    assert alpha.demand == {"dba": [20.0, 20.0], "dev": [0.0, 10.0, 10.0]}
    # Planned in week index 2 (W03); the default window allows 4 weeks later.
    assert (alpha.earliest_start, alpha.latest_start) == (2, 6)
    assert (alpha.value, alpha.category, alpha.must, alpha.never) == (1000.0, "grow", False, False)
    assert built.meta["projects"][str(A)] == {"name": "Alpha", "category": "grow", "stage": "proposed",
                                              "planned_start": 2, "in_horizon": True}
    assert problem.capacity == {"dba": [40.0] * 10, "dev": [20.0] * 10}


def test_a_project_under_way_keeps_what_remains_fixed_in_week_zero_and_is_must_do():
    charlie = _candidate(builder.build(_request(), _inputs()).problem, C)
    # Planned from 2026-W52: two weeks are past, W01 and W02 remain.
    assert charlie.demand == {"dba": [8.0, 8.0]}
    assert (charlie.earliest_start, charlie.latest_start, charlie.must) == (0, 0, True)
    not_must = _candidate(builder.build(_request(executing_is_must=False), _inputs()).problem, C)
    assert not not_must.must


def test_start_windows_from_the_request_and_a_window_past_the_horizon_refused():
    problem = builder.build(_request(start_windows=[{"project_id": str(A), "earliest": "2027-W04",
                                                     "latest": "2027-W08"}], default_window_weeks=0),
                            _inputs()).problem
    assert (_candidate(problem, A).earliest_start, _candidate(problem, A).latest_start) == (3, 7)
    assert (_candidate(problem, B).earliest_start, _candidate(problem, B).latest_start) == (1, 1)
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(start_windows=[{"project_id": str(A), "earliest": "2027-W04",
                                               "latest": "2027-W30"}]), _inputs())
    assert _field(exc) == "start_windows.0.latest"


def test_costs_per_year_or_quarter_and_the_budget():
    problem = builder.build(_request(budget={"2027": "120.00"}), _inputs()).problem
    assert _candidate(problem, A).cost_by_period == {"2027": 150.0, "2028": 25.0}
    assert problem.budget_by_period == {"2027": 120.0}
    quarterly = builder.build(_request(budget_period="quarter", budget={"2027-Q1": "100"}), _inputs()).problem
    assert _candidate(quarterly, A).cost_by_period == {"2027-Q1": 100.0, "2027-Q2": 50.0, "2028-Q1": 25.0}
    assert _candidate(quarterly, C).cost_by_period == {}  # no business case: costs nothing
    with pytest.raises(ValueError, match="budget keys must be quarters"):
        _request(budget_period="quarter", budget={"2027": "1"})


def test_values_by_score_npv_and_a_mix_on_one_scale():
    model = str(uuid.uuid4())
    by_score = builder.build(_request(value={"kind": "score", "model_id": model}), _inputs()).problem
    assert [c.value for c in by_score.candidates] == [50.0, 100.0, 0.0]
    mix = builder.build(_request(value={"kind": "mix", "model_id": model, "score_weight": 0.5,
                                        "npv_weight": 0.5}), _inputs()).problem
    # Alpha: 100 × (0.5 × 50/100 + 0.5 × 1000/1000); Bravo: 100 × (0.5 × 1 + 0.5 × −10/1000).
    assert [round(c.value, 6) for c in mix.candidates] == [75.0, 49.5, 0.0]


def test_capacity_explicit_and_deltas_for_a_what_if():
    problem = builder.build(_request(capacity={"source": "snapshot", "deltas": [
        {"skill": "DBA", "hours_per_week": 80, "from_week": "2027-W08"},
        {"skill": "dev", "hours_per_week": -30, "from_week": "2027-W02", "to_week": "2027-W03"}]}), _inputs()).problem
    assert problem.capacity["dba"] == [40.0] * 7 + [120.0] * 3
    assert problem.capacity["dev"] == [20.0, 0.0, 0.0] + [20.0] * 7  # never below 0
    explicit = builder.build(_request(horizon={"first_week": "2027-W02", "weeks": 3}, capacity={
        "source": "explicit", "skills": {"dba": {"2027-W03": 16}}}), _inputs(outlook=None)).problem
    assert explicit.weeks == ["2027-W02", "2027-W03", "2027-W04"] and explicit.capacity == {"dba": [0.0, 16.0, 0.0]}


def test_the_snapshot_gets_back_what_capacity_booked_for_live_candidates_named_lines():
    demand = {A: [DemandFact("dba", 10, _monday(2), _monday(3), named=True), DemandFact("dba", 5, _monday(2),
                                                                                       _monday(2))],
              B: [DemandFact("dev", 8, _monday(2), _monday(2), named=True)]}  # on hold: released already
    built = builder.build(_request(), _inputs(demand=demand))
    assert built.problem.capacity["dba"] == [40.0, 50.0, 50.0] + [40.0] * 7
    assert built.problem.capacity["dev"] == [20.0] * 10
    assert built.meta["added_back_hours"] == 20.0
    explicit = builder.build(_request(capacity={"source": "explicit", "skills": {"dba": {"2027-W02": 4}}}),
                             _inputs(demand=demand, outlook=None))
    assert explicit.problem.capacity["dba"][1] == 4.0  # an explicit what-if is taken as given


def test_no_snapshot_or_a_horizon_outside_it_names_the_field():
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(), _inputs(outlook=None))
    assert _field(exc) == "capacity.source"
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(horizon={"weeks": 20}), _inputs())
    assert _field(exc) == "horizon.weeks"


def test_rules_name_projects_that_are_not_candidates_and_contradictions():
    stranger = str(uuid.uuid4())
    cases = [({"must_do": [stranger]}, "must_do.0"), ({"never_do": [str(A)], "must_do": [str(A)]}, "never_do.0"),
             ({"dependencies": [{"project_id": str(A), "requires": stranger}]}, "dependencies.0.requires"),
             ({"dependencies": [{"project_id": str(A), "requires": str(A)}]}, "dependencies.0.requires"),
             ({"exclusions": [{"a": stranger, "b": str(A)}]}, "exclusions.0.a"),
             ({"candidates": {"project_ids": [str(A), stranger]}}, "candidates.project_ids.1")]
    for fields, name in cases:
        with pytest.raises(ValidationProblem) as exc:
            builder.build(_request(**fields), _inputs())
        assert _field(exc) == name, fields
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(), _inputs(projects=[]))
    assert _field(exc) == "candidates"


def test_rules_map_to_the_problem():
    problem = builder.build(_request(
        must_do=[str(A)], never_do=[str(B)], dependencies=[{"project_id": str(A), "requires": str(C)}],
        exclusions=[{"a": str(A), "b": str(B)}],
        balance=[{"category": "run", "minimum": 0.1, "maximum": 0.6, "basis": "count"}]), _inputs()).problem
    assert _candidate(problem, A).must and _candidate(problem, B).never
    assert [(d.project, d.requires) for d in problem.dependencies] == [(str(A), str(C))]
    assert problem.exclusions == [(str(A), str(B))]
    assert [(r.category, r.minimum, r.maximum, r.basis) for r in problem.balance] == [("run", 0.1, 0.6, "count")]


def test_business_cases_in_several_currencies_need_the_run_currency():
    inputs = _inputs(cases={A: CaseFacts("EUR", 1.0), B: CaseFacts("USD", 1.0)})
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(), inputs)
    assert _field(exc) == "currency" and "EUR, USD" in exc.value.detail
    with pytest.raises(ValidationProblem) as exc:
        builder.build(_request(currency="EUR"), inputs)
    assert "Bravo" in exc.value.detail


def test_the_problem_survives_its_json_round_trip():
    problem = builder.build(_request(exclusions=[{"a": str(A), "b": str(B)}]), _inputs()).problem
    assert builder.problem_from_json(builder.problem_to_json(problem)) == problem


# The use cases


class FakeSelections:
    """SelectionRepository over in-memory facts and runs."""

    def __init__(self, inputs: BuildInputs, projects: list[Project] | None = None,
                 lines: dict[uuid.UUID, list[DemandLine]] | None = None) -> None:
        self.inputs, self.runs = inputs, {}
        self.projects = {p.id: p for p in projects or []}
        self.lines = lines or {}

    async def scores(self, model_id):
        return dict(self.inputs.scores)

    async def cases(self, which):
        return {pid: CaseRows(c.currency, 0.0, 2027 * 12,
                              [(m, "capex", Decimal(str(a))) for m, a in c.costs_by_month.items()]
                              + [(2027 * 12, "benefit", Decimal(str(c.npv + sum(c.costs_by_month.values()))))])
                for pid, c in self.inputs.cases.items()}

    async def candidates(self, which):
        return list(self.inputs.projects)

    async def demand(self, which):
        return dict(self.inputs.demand)

    async def outlook(self):
        return self.inputs.outlook

    async def add(self, selection):
        selection.version = 1
        self.runs[selection.id] = selection
        return selection

    async def get_or_404(self, selection_id):
        return self.runs[selection_id]

    lock_or_404 = get_or_404

    async def lock_projects(self, ids):
        return [self.projects[i] for i in sorted(ids) if i in self.projects]

    async def demand_lines(self, project_id):
        return self.lines.get(project_id, [])


class FakeDecisions:
    def __init__(self) -> None:
        self.added: list = []

    def add(self, decision):
        self.added.append(decision)
        return decision


class FakeDemand:
    def __init__(self, lines: dict[uuid.UUID, list[DemandLine]]) -> None:
        self.lines = lines

    async def for_project(self, project_id):
        return self.lines.get(project_id, [])


class FakeSession:
    async def flush(self) -> None:
        return None


class StandIn:
    """Selects the candidates it is told to at their earliest start; or finds the problem infeasible."""

    def __init__(self, selected: set[str] | None = None, conflicts: list[str] | None = None) -> None:
        self.selected, self.conflicts, self.problems = selected, conflicts, []

    def solve(self, problem: SelectionProblem) -> SelectionResult:
        self.problems.append(problem)
        if self.conflicts:
            raise SelectionInfeasible(self.conflicts)
        chosen = {c.id: c.latest_start for c in problem.candidates if self.selected is None or c.id in self.selected}
        weeks = len(problem.weeks)
        used = {skill: [0.0] * weeks for skill in problem.capacity}
        for c in problem.candidates:
            if c.id in chosen:
                for skill, hours in c.demand.items():
                    for k, h in enumerate(hours):
                        if chosen[c.id] + k < weeks:
                            used.setdefault(skill, [0.0] * weeks)[chosen[c.id] + k] += h
        value = sum(c.value for c in problem.candidates if c.id in chosen)
        return SelectionResult(
            status="optimal", objective=value, gap=0.0, solve_seconds=0.01, selected=chosen,
            excluded={c.id: Binding(kind="capacity", detail="dba full in 2027-W03", skill="dba", weeks=["2027-W03"],
                                    shortfall=12.0) for c in problem.candidates if c.id not in chosen},
            greedy_objective=value / 2, greedy_selected={}, scarce=[], total_cost=0.0, cost_by_period={},
            utilisation=used)

    def frontier(self, problem, budget_factors, capacity_factors):
        self.problems.append(problem)
        return [FrontierPoint(budget_factor=f, capacity_factor=1.0, budget=100 * f, objective=10 * f,
                              selected_count=1, gap=0.0) for f in budget_factors]


def _uow(repo: FakeSelections, lines: dict | None = None) -> tuple[FakeUnitOfWork, FakeDecisions]:
    found = FakeDecisions()
    uow = FakeUnitOfWork({SelectionRepository: repo, DecisionRepository: found,
                          DemandRepository: FakeDemand(lines or {})})
    uow.session = FakeSession()  # type: ignore[assignment]
    return uow, found


async def test_a_small_run_is_solved_at_once_and_stored_with_its_inputs():
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    solver = StandIn(selected={str(A), str(C)})
    selection, at_once = await service.create_run(uow, actor=PMO, body=_request(
        time_limit_seconds=120, frontier={"budget_factors": [0.5, 1.0]}), solver=solver, today=TODAY)
    assert at_once and selection.status == "done" and selection.created_by == "omar"
    assert solver.problems[0].time_limit_seconds == 10.0  # a request waits at most the sync limit
    result = selection.result
    assert [(s["name"], s["start_week"], s["shift_weeks"]) for s in result["selected"]] == [
        ("Charlie", "2027-W01", 0), ("Alpha", "2027-W07", 4)]
    assert result["excluded"] == [{"project_id": str(B), "name": "Bravo", "category": "run", "stage": "on_hold",
                                   "value": -10.0, "cost": 40.0, "binding": {
                                       "kind": "capacity", "detail": "dba full in 2027-W03", "skill": "dba",
                                       "weeks": ["2027-W03"], "period": None, "category": None, "other": None,
                                       "shortfall": 12.0}}]
    dba = next(u for u in result["utilisation"] if u["skill"] == "dba")
    assert dba["peak_utilisation"] == 0.5  # 20 of 40 h
    assert (result["objective"], result["greedy_objective"], result["uplift"]) == (1000.0, 500.0, 500.0)
    assert [p["budget"] for p in selection.frontier] == [50.0, 100.0]
    assert selection.request["time_limit_seconds"] == 120 and len(selection.problem["candidates"]) == 3
    assert [(a["action"], a["to_state"]) for a in uow.audits] == [("create", "running"), ("solve", "done")]


async def test_the_frontier_as_stored_or_computed_on_the_stored_inputs_within_the_request_limit():
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    solver = StandIn()
    selection, _ = await service.create_run(uow, actor=PMO, body=_request(
        time_limit_seconds=300, frontier={"budget_factors": [1.0]}), solver=solver, today=TODAY)
    assert [p["budget_factor"] for p in await service.frontier_of(uow, selection.id, None, solver)] == [1.0]
    solver.problems.clear()
    points = await service.frontier_of(uow, selection.id, FrontierSpec(budget_factors=[0.5, 2.0]), solver)
    assert [p["budget"] for p in points] == [50.0, 200.0]
    [asked] = solver.problems
    assert asked.time_limit_seconds == 10.0 and asked.weeks == selection.problem["weeks"]
    selection.status = "infeasible"
    with pytest.raises(Conflict, match="a frontier needs a run that is done"):
        await service.frontier_of(uow, selection.id, None, solver)


async def test_a_large_run_is_queued_and_the_worker_solves_it(monkeypatch):
    monkeypatch.setenv("TANDEM_PORTFOLIO_SELECTION_SYNC_MAX_CANDIDATES", "2")
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    solver = StandIn()
    selection, at_once = await service.create_run(uow, actor=PMO, body=_request(), solver=solver, today=TODAY)
    assert not at_once and selection.status == "queued" and selection.result is None and not solver.problems
    problem = builder.problem_from_json(selection.problem)
    solved = await service.solve(problem, selection.meta, None, solver)
    selection.status = "running"
    await service.keep(uow, selection, solved)
    assert selection.status == "done" and selection.selected_count == 3
    assert solver.problems == [problem]  # exactly the inputs stored at creation


async def test_an_infeasible_run_names_the_conflicts_and_a_faulty_solver_fails_the_run():
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    conflicts = ["must-do Alpha and Charlie need 48 h of dba in 2027-W03; 40 h free"]
    selection, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(conflicts=conflicts),
                                            today=TODAY)
    assert (selection.status, selection.conflicts, selection.result) == ("infeasible", conflicts, None)

    class Broken(StandIn):
        def solve(self, problem):
            raise RuntimeError("solver crashed")

    failed, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=Broken(), today=TODAY)
    assert (failed.status, failed.error) == ("failed", "RuntimeError: solver crashed")

    class Slow(StandIn):
        def solve(self, problem):
            raise SelectionTimeout("no selection that keeps every constraint was found within 10 s")

    slow, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=Slow(), today=TODAY)
    assert (slow.status, slow.conflicts) == ("failed", None)
    assert slow.error == ("no selection that keeps every constraint was found within 10 s (raise time_limit_seconds, "
                          "or run it with fewer candidates)")


def _project(pid: uuid.UUID, stage: str, held_from: str | None = None) -> Project:
    return Project(id=pid, name=str(pid), stage=stage, held_from_stage=held_from, category="grow",
                   created_by="paula", version=1)


async def test_commit_initiates_resumes_and_defers_through_the_decisions(monkeypatch):
    monkeypatch.setattr(decisions, "ON_STAGE_LEFT", [])  # no gate review to cancel here
    projects = [_project(A, "proposed"), _project(B, "on_hold", held_from="approved"), _project(C, "executing"),
                _project(D, "planning")]
    line = DemandLine(id=uuid.uuid4(), project_id=A, position=0, role="dba", skill="dba", min_proficiency=1,
                      person_id=None, hours_per_week=20, start=_monday(3), end=_monday(4), kind="soft")
    lines = {A: [line]}
    inputs = _inputs(projects=[*_inputs().projects, ProjectFacts(D, "Delta", "grow", "planning")])
    repo = FakeSelections(inputs, projects, lines)
    uow, found = _uow(repo, lines)
    selection, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(
        selected={str(A), str(B), str(C)}), today=TODAY)
    uow.events.clear()
    uow.audits.clear()

    committed, done = await service.commit(uow, actor=PMO, selection_id=selection.id, body=SelectionCommit())
    assert committed.committed_by == "omar"
    assert {(c.project_id, c.action, c.from_stage, c.to_stage, c.shift_weeks) for c in done} == {
        (A, "initiate", "proposed", "proposed", 4), (B, "resume", "on_hold", "approved", 4),
        (C, "none", "executing", "executing", 0), (D, "defer", "planning", "on_hold", 0)}
    # Alpha's demand moved 4 weeks and was published for capacity to book; Delta's deferral releases it.
    assert (line.start, line.end) == (_monday(7), _monday(8))
    types = uow.event_types()
    assert types.count("portfolio.project.demand_planned.v1") == 1  # Alpha (Bravo has no lines to republish)
    assert "portfolio.project.deferred.v1" in types
    planned = next(e for e in uow.events if e.type == "portfolio.project.demand_planned.v1")
    assert planned.data["project_id"] == str(A) and planned.data["demands"][0]["start"] == str(_monday(7))
    assert [(d.action, d.project_id) for d in found.added] == [("initiate", A), ("resume", B), ("defer", D)]
    assert {a["action"] for a in uow.audits} == {"shift_demand", "initiate", "resume", "defer", "commit"}

    with pytest.raises(Conflict, match="committed already by omar"):
        await service.commit(uow, actor=PMO, selection_id=selection.id, body=SelectionCommit())


async def test_only_a_done_run_commits_and_compares():
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    infeasible, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(conflicts=["x"]),
                                             today=TODAY)
    with pytest.raises(Conflict, match="this one is infeasible"):
        await service.commit(uow, actor=PMO, selection_id=infeasible.id, body=SelectionCommit())
    done, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(), today=TODAY)
    with pytest.raises(ValidationProblem) as exc:
        service.compare(done, infeasible)
    assert _field(exc) == "b"


async def test_compare_puts_two_runs_side_by_side():
    repo = FakeSelections(_inputs())
    uow, _ = _uow(repo)
    a, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(selected={str(A), str(C)}),
                                    today=TODAY)
    b, _ = await service.create_run(uow, actor=PMO, body=_request(), solver=StandIn(selected={str(B), str(C)}),
                                    today=TODAY)
    compared = service.compare(a, b)
    assert [p["name"] for p in compared["only_in_a"]] == ["Alpha"]
    assert [p["name"] for p in compared["only_in_b"]] == ["Bravo"]
    assert [p["name"] for p in compared["in_both"]] == ["Charlie"]
    assert compared["value"] == {"a": 1000.0, "b": -10.0, "difference": -1010.0}
    assert {p["skill"]: (p["a"], p["b"]) for p in compared["peak_utilisation"]} == {
        "dba": (0.5, 0.2), "dev": (0.5, 0.25)}


# The capacity outlook projection


class FakeOutlooks:
    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}

    async def lock(self, pool):
        return self.rows.get(pool)

    def add(self, outlook):
        self.rows[outlook.pool] = outlook
        return outlook


def _snapshot(sequence: int, free: float) -> CapacitySnapshotPublished:
    return CapacitySnapshotPublished.model_validate({
        "sequence": sequence, "generated_at": "2027-01-04T00:00:00Z", "first_week": "2027-W01", "week_count": 3,
        "skills": [{"skill": "DBA", "weeks": [
            {"week": "2027-W02", "supply_hours": 40, "booked_hours": 40 - free, "free_hours": free,
             "requested_hours": 0}, {"week": "2026-W50", "supply_hours": 1, "booked_hours": 0, "free_hours": 1,
                                     "requested_hours": 0}]}]})


async def test_the_outlook_keeps_the_highest_sequence_whole():
    repo = FakeOutlooks()
    uow = FakeUnitOfWork({CapacityOutlookRepository: repo})
    assert await outlook.keep_snapshot(uow, _snapshot(2, 30))
    # Weeks the snapshot leaves out are 0; a week outside its range is ignored.
    assert repo.rows["all"].skills == {"dba": {"free": [0.0, 30.0, 0.0], "supply": [0.0, 40.0, 0.0],
                                               "booked": [0.0, 10.0, 0.0], "requested": [0.0, 0.0, 0.0]}}
    assert not await outlook.keep_snapshot(uow, _snapshot(1, 5))  # older, arriving late
    assert not await outlook.keep_snapshot(uow, _snapshot(2, 5))  # the same again
    assert repo.rows["all"].skills["dba"]["free"] == [0.0, 30.0, 0.0]
    assert await outlook.keep_snapshot(uow, _snapshot(3, 12))
    assert (repo.rows["all"].sequence, repo.rows["all"].skills["dba"]["free"]) == (3, [0.0, 12.0, 0.0])
