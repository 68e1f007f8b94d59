"""Portfolio execution use cases on a fake unit of work: the events and audit rows each records, and its refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tandem_portfolio.milestones import service as milestones
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.milestones.schemas import MilestoneBaseline, MilestoneComplete, MilestoneCreate, MilestoneUpdate
from tandem_portfolio.projects.models import Project
from tandem_portfolio.risks import service as risks
from tandem_portfolio.risks.repository import RiskRepository
from tandem_portfolio.risks.schemas import RiskCreate, RiskUpdate
from tandem_portfolio.scope import service as scope
from tandem_portfolio.scope.repository import ScopeChangeRepository
from tandem_portfolio.scope.schemas import ScopeChangeCreate, ScopeDecision
from tandem_shared.auth import Actor
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, ValidationProblem

from tests.unit.fakes import FakeUnitOfWork

PM = Actor(sub="paula", name="Paula", roles=frozenset({"project_manager"}))
SPONSOR = Actor(sub="cfo", name="CFO", roles=frozenset({"viewer"}))
STRANGER = Actor(sub="vera", name="Vera", roles=frozenset({"viewer"}))


class FakeRepository:
    """Keeps added entities in a list; saving and deleting do nothing but note it."""

    def __init__(self) -> None:
        self.added: list = []
        self.deleted: list = []
        self.totals = (0, Decimal("0.00"), 0)

    async def add(self, entity):
        entity.version = 1
        self.added.append(entity)
        return entity

    async def save(self, entity):
        return entity

    async def delete(self, entity) -> None:
        self.deleted.append(entity)

    async def approved_totals(self, _project_id: uuid.UUID) -> tuple[int, Decimal, int]:
        return self.totals


def _project(stage: str = "executing") -> Project:
    return Project(id=uuid.uuid4(), name="Portal", stage=stage, sponsor="cfo", project_manager=None,
                   budget_amount=Decimal("100000.00"), budget_currency="EUR", category="grow", created_by="paula")


def _uow() -> tuple[FakeUnitOfWork, FakeRepository]:
    repo = FakeRepository()
    return FakeUnitOfWork({MilestoneRepository: repo, RiskRepository: repo, ScopeChangeRepository: repo}), repo


WINDOW = {"window_start": datetime(2055, 6, 26, 20, tzinfo=UTC), "window_end": datetime(2055, 6, 27, 2, tzinfo=UTC)}


async def test_a_go_live_with_a_window_is_planned_and_announced() -> None:
    uow, repo = _uow()
    project = _project()
    ci = uuid.uuid4()
    body = MilestoneCreate(name="Portal live", kind="go_live", forecast_date=date(2055, 6, 26), baseline=True,
                           ci_ids=[ci], **WINDOW)
    milestone = await milestones.plan_milestone(uow, actor=SPONSOR, project=project, body=body)
    assert uow.event_types() == ["portfolio.milestone.planned.v1", "portfolio.milestone.go_live_scheduled.v1"]
    planned, scheduled = (event.data for event in uow.events)
    assert planned["baseline_date"] == "2055-06-26" and uow.events[0].subject == str(project.id)
    assert scheduled["milestone_id"] == str(milestone.id) and scheduled["ci_ids"] == [str(ci)]
    assert scheduled["window_start"] == "2055-06-26T20:00:00Z" and uow.events[1].subject == str(project.id)
    assert [a["action"] for a in uow.audits] == ["plan"] and repo.added == [milestone]


async def test_a_moved_forecast_is_published_with_its_slip_and_rebaselining_needs_a_reason() -> None:
    uow, _ = _uow()
    project = _project()
    milestone = await milestones.plan_milestone(uow, actor=PM, project=project, body=MilestoneCreate(
        name="Build done", forecast_date=date(2055, 3, 1), baseline=True))
    await milestones.update_milestone(uow, actor=PM, project=project, milestone=milestone, body=MilestoneUpdate(
        forecast_date=date(2055, 3, 10), reason="vendor late"))
    moved = uow.events[-1]
    assert moved.type == "portfolio.milestone.forecast_changed.v1"
    assert (moved.data["slip_days"], moved.data["slip_working_days"], moved.data["reason"]) == (9, 7, "vendor late")
    with pytest.raises(ValidationProblem) as refused:
        await milestones.baseline_milestone(uow, actor=PM, project=project, milestone=milestone,
                                            body=MilestoneBaseline())
    assert refused.value.extensions["errors"][0]["field"] == "reason"
    await milestones.baseline_milestone(uow, actor=PM, project=project, milestone=milestone,
                                        body=MilestoneBaseline(reason="scope change SC-4"))
    assert milestone.baseline_date == date(2055, 3, 10) and uow.audits[-1]["action"] == "rebaseline"
    assert uow.events[-1].data["previous_baseline_date"] == "2055-03-01"


async def test_completion_records_the_slip_and_closes_the_milestone() -> None:
    uow, _ = _uow()
    project = _project()
    milestone = await milestones.plan_milestone(uow, actor=PM, project=project, body=MilestoneCreate(
        name="Design done", forecast_date=date(2026, 11, 2), baseline=True))
    with pytest.raises(ValidationProblem):
        await milestones.complete_milestone(uow, actor=PM, project=project, milestone=milestone,
                                            body=MilestoneComplete(actual_date=date(2026, 11, 20)),
                                            today=date(2026, 11, 18))
    await milestones.complete_milestone(uow, actor=PM, project=project, milestone=milestone,
                                        body=MilestoneComplete(actual_date=date(2026, 11, 5)), today=date(2026, 11, 18))
    done = uow.events[-1].data
    assert (done["actual_date"], done["slip_days"], done["slip_working_days"]) == ("2026-11-05", 3, 3)
    with pytest.raises(InvalidTransition):
        await milestones.update_milestone(uow, actor=PM, project=project, milestone=milestone,
                                          body=MilestoneUpdate(name="Renamed"))


async def test_only_stewards_of_an_active_project_plan_milestones() -> None:
    uow, _ = _uow()
    body = MilestoneCreate(name="Kick-off", forecast_date=date(2055, 1, 4))
    with pytest.raises(Forbidden):
        await milestones.plan_milestone(uow, actor=STRANGER, project=_project(), body=body)
    with pytest.raises(Conflict):
        await milestones.plan_milestone(uow, actor=PM, project=_project("closed"), body=body)
    assert uow.events == [] and uow.audits == []


async def test_risks_are_scored_moved_by_allowed_transitions_and_closed() -> None:
    uow, _ = _uow()
    project = _project()
    risk = await risks.raise_manual_risk(uow, actor=PM, project=project, body=RiskCreate(
        title="Vendor late", probability=3, impact=4))
    assert risk.score == 12 and uow.events[-1].type == "portfolio.risk.raised.v1"
    issue = await risks.raise_manual_risk(uow, actor=PM, project=project, body=RiskCreate(
        kind="issue", title="Licence expired", impact=3))
    assert (issue.probability, issue.score) == (5, 15)
    with pytest.raises(ValidationProblem):
        await risks.raise_manual_risk(uow, actor=PM, project=project, body=RiskCreate(title="No P", impact=3))

    await risks.edit_risk(uow, actor=PM, project=project, risk=risk, body=RiskUpdate(impact=5, status="mitigating"))
    updated = uow.events[-1]
    assert updated.type == "portfolio.risk.updated.v1" and updated.data["changed"] == ["impact", "status"]
    assert risk.score == 15
    await risks.edit_risk(uow, actor=PM, project=project, risk=risk, body=RiskUpdate(status="closed"))
    assert uow.events[-1].type == "portfolio.risk.closed.v1" and risk.closed_at is not None
    with pytest.raises(InvalidTransition) as refused:
        await risks.edit_risk(uow, actor=PM, project=project, risk=risk, body=RiskUpdate(status="occurred"))
    assert refused.value.extensions["allowed_transitions"] == ["open"]


async def test_an_automatic_risk_must_explain_itself() -> None:
    uow, _ = _uow()
    with pytest.raises(ValueError, match="explanation"):
        await risks.raise_risk(uow, actor="tandem", project=_project(), kind="risk", title="Delivery risk",
                               probability=3, impact=3, source="automatic")
    risk = await risks.raise_risk(uow, actor="tandem", project=_project(), kind="risk", title="Delivery risk",
                                  probability=3, impact=3, source="automatic", source_key="team:platform",
                                  source_explanation="team Platform's change success score fell to -4")
    assert uow.events[-1].data["source_explanation"].startswith("team Platform") and risk.source_key == \
        "team:platform"


async def test_an_approved_scope_change_is_published_with_the_running_totals() -> None:
    uow, repo = _uow()
    project = _project()
    with pytest.raises(ValidationProblem):
        await scope.propose(uow, actor=PM, project=project, body=ScopeChangeCreate(
            title="SSO", cost_impact=Decimal(10), currency="USD"))
    change = await scope.propose(uow, actor=PM, project=project, body=ScopeChangeCreate(
        title="SSO for partners", schedule_impact_days=10, cost_impact=Decimal(4500), currency="EUR"))
    assert uow.events == []  # a proposal is not published
    repo.totals = (2, Decimal("7000.00"), 12)
    await scope.decide(uow, actor=SPONSOR, project=project, change=change, action="approve",
                       body=ScopeDecision(note="worth it"))
    assert (change.status, change.decided_by) == ("approved", "cfo")
    [event] = uow.events
    assert event.type == "portfolio.project.scope_changed.v1" and event.subject == str(project.id)
    assert (event.data["cost_impact"], event.data["approved_changes"], event.data["total_cost_impact"]) == (
        "4500.00", 2, "7000.00")
    with pytest.raises(InvalidTransition):
        await scope.decide(uow, actor=PM, project=project, change=change, action="reject", body=ScopeDecision())
