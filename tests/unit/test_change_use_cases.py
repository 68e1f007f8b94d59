"""The change's use cases on a fake unit of work: states, events and audit rows, with no database and no broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from tandem_change.changes import service, transitions
from tandem_change.changes.collaborators import Collaborators
from tandem_change.changes.schemas import (
    AssessRequest,
    ChangeCreate,
    ChangeUpdate,
    CloseRequest,
    CompleteRequest,
    StartRequest,
)
from tandem_change.people.repository import PeopleProjection
from tandem_change.record.lifecycle import Outcome
from tandem_change.record.models import Change
from tandem_change.record.repository import ChangeRepository
from tandem_change.risk.rules import RiskAssessment, RiskLevel
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeAssessed,
    ChangeCanceled,
    ChangeClosed,
    ChangeCreated,
    ChangeImplemented,
    ChangeRejected,
    ChangeScheduled,
    ChangeStarted,
    ChangeSubmitted,
)
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationProblem
from tandem_shared.quorum import StepState

from tests.unit.fakes import FakeUnitOfWork

ALICE = Actor(sub="alice", name="Alice", roles=frozenset({"requester"}))
BOB = Actor(sub="bob", name="Bob", roles=frozenset({"change_manager"}))
CAROL = Actor(sub="carol", name="Carol", roles=frozenset({"cab_member"}))
MALLORY = Actor(sub="mallory", name="Mallory", roles=frozenset({"requester"}))
DANA = uuid.uuid4()  # a person capacity announced; she signs in as dana@example.org
MODEL = SimpleNamespace(id=uuid.uuid4(), name="Routine deployment", implementation_plan="Run the pipeline.",
                        backout_plan="Redeploy the previous build.", default_effort_hours=2.0)


class FakeChanges:
    """ChangeRepository in memory: `add` sets what the database would (id, version, round, created_at)."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Change] = {}
        self.flushes = 0

    async def add(self, change: Change) -> Change:
        change.id, change.version, change.approval_round = new_id(), 1, 0
        change.created_at = change.updated_at = utcnow()
        self.rows[change.id] = change
        return change

    async def get_or_404(self, change_id: uuid.UUID) -> Change:
        if change_id not in self.rows:
            raise NotFound(f"no change with id {change_id}")
        return self.rows[change_id]

    async def flush(self) -> None:
        self.flushes += 1


class FakePeople:
    """PeopleProjection with one person, Dana."""

    async def get(self, person_id: uuid.UUID) -> Any:
        return SimpleNamespace(id=DANA, team="Platform", email="dana@example.org") if person_id == DANA else None

    async def exists(self, person_id: uuid.UUID) -> bool:
        return person_id == DANA


class FakeCollaborators:
    """The other packages, scripted: one approval step voted by Carol, a fixed risk, and a log of what was asked."""

    def __init__(self, *, risk: RiskLevel = RiskLevel.MODERATE, voters: tuple[str, ...] = ("carol",)) -> None:
        self.risk, self.voters = risk, voters
        self.asked: list[str] = []
        self.steps: list[SimpleNamespace] = []
        self.scores: list[tuple[str, Outcome, list[int]]] = []

    async def active_model(self, model_id: uuid.UUID | None) -> Any:
        if model_id != MODEL.id:
            raise ValidationProblem.field("model_id", f"no change model {model_id}")
        return MODEL

    async def link_affected_cis(self, change: Change, ci_ids: list[uuid.UUID]) -> None:
        change.affected_cis = [str(ci) for ci in dict.fromkeys(ci_ids)]

    async def check_conflicts(self, change: Change) -> None:
        self.asked.append(f"conflicts in {change.state}")

    async def has_impact(self, change_id: uuid.UUID) -> bool:
        return False

    async def assess_impact(self, *, actor: Actor, change: Change) -> None:
        self.asked.append("impact")

    async def assess_risk(self, change: Change, answers: Any) -> RiskAssessment:
        self.asked.append("risk")
        return RiskAssessment(risk=self.risk, explanation=f"{self.risk.value}: scripted", condition=None,
                              questionnaire_score=None)

    async def open_steps(self, *, change: Change, risk: str | None, excluded_voters: Any) -> Any:
        self.asked.append(f"open steps for {risk} risk without {sorted(excluded_voters)}")
        change.approval_round += 1
        change.approval_policy_id = uuid.uuid4()
        self.steps = [SimpleNamespace(position=1, group_name="CAB", state=StepState.WAITING,
                                      voters=[v for v in self.voters if v not in excluded_voters])]
        return SimpleNamespace(name="Normal changes")

    async def current_step(self, change: Change) -> Any:
        return next((s for s in self.steps if s.state is StepState.WAITING), None)

    async def is_approver(self, sub: str, change: Change) -> bool:
        return sub in self.voters

    async def record_vote(self, *, actor: Actor, change: Change, step: Any, decision: str, comment: str | None
                          ) -> StepState:
        if actor.sub not in step.voters:
            raise Forbidden(f"only the eligible members of {step.group_name!r} vote on this step")
        step.state = StepState.ACCEPTED if decision == "approve" else StepState.REFUSED  # a quorum of one
        return step.state

    async def cancel_open_steps(self, change: Change) -> None:
        for step in self.steps:
            if step.state in (StepState.PENDING, StepState.WAITING):
                step.state = StepState.CANCELED

    async def team_of(self, change: Change) -> str:
        return "Platform" if change.assignee_id == DANA else "unassigned"

    async def apply_outcome(self, *, team: str, change_id: uuid.UUID, outcome: Outcome,
                            incident_priorities: list[int], actor: str) -> None:
        self.scores.append((team, outcome, list(incident_priorities)))


def unit(others: FakeCollaborators | None = None) -> FakeUnitOfWork:
    """A fake unit of work holding the change repository, the people projection and the collaborators."""
    return FakeUnitOfWork({ChangeRepository: FakeChanges(), PeopleProjection: FakePeople(),
                           Collaborators: others or FakeCollaborators()})


def body(**fields: Any) -> ChangeCreate:
    start = datetime(2055, 3, 1, 22, tzinfo=UTC)
    return ChangeCreate.model_validate({"title": "Rotate TLS certificates", "type": "normal",
                                        "planned_start": start, "planned_end": start + timedelta(hours=4), **fields})


def audit_actions(uow: FakeUnitOfWork) -> list[str]:
    return [row["action"] for row in uow.audits]


async def test_a_normal_change_is_assessed_approved_and_scheduled() -> None:
    others = FakeCollaborators()
    uow = unit(others)
    change = await service.create_change(uow, actor=ALICE, body=body(assignee_id=str(DANA), effort_hours=6))
    assert (change.state, change.requested_by, change.effort_hours) == ("new", "alice", 6)

    await transitions.submit_change(uow, actor=ALICE, change=change, comment="ready")
    assert change.state == "assess"
    await transitions.assess_change(uow, actor=BOB, change=change, body=AssessRequest())
    assert (change.state, change.risk, change.approval_round) == ("authorize", "moderate", 1)
    await transitions.approve_change(uow, actor=CAROL, change=change, comment=None)

    assert (change.state, change.approved_by) == ("scheduled", "carol")
    assert uow.event_types() == [e.event_type for e in (ChangeCreated, ChangeSubmitted, ChangeAssessed,
                                                        ChangeApproved, ChangeScheduled)]
    assert uow.events[3].data["pre_authorised"] is False and uow.events[3].data["effort_hours"] == 6
    assert audit_actions(uow) == ["create", "submit", "assess", "authorize"]
    assert [(a["from_state"], a["to_state"]) for a in uow.audits[1:]] == [
        ("new", "assess"), ("assess", "authorize"), ("authorize", "scheduled")]
    assert uow.audits[1]["detail"] == {"comment": "ready"} and uow.audits[2]["detail"] == {"risk": "moderate"}
    # The requester and the assignee (by person id and by email) never vote.
    assert others.asked == ["conflicts in new", "conflicts in assess", "risk",
                            f"open steps for moderate risk without {sorted(['alice', str(DANA), 'dana@example.org'])}"]
    await uow.commit()
    assert uow.committed


async def test_a_standard_change_takes_its_model_and_is_scheduled_at_submit() -> None:
    uow = unit()
    change = await service.create_change(uow, actor=ALICE, body=body(type="standard", model_id=str(MODEL.id),
                                                                     assignee_id=str(DANA)))
    assert (change.implementation_plan, change.backout_plan, change.effort_hours) == (
        "Run the pipeline.", "Redeploy the previous build.", 2.0)

    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)

    assert (change.state, change.risk, change.approved_by) == ("scheduled", "low", "alice")
    assert uow.event_types() == [e.event_type for e in (ChangeCreated, ChangeSubmitted, ChangeApproved,
                                                        ChangeScheduled)]
    assert uow.events[2].data["pre_authorised"] is True
    assert audit_actions(uow) == ["create", "submit"]


async def test_a_standard_change_names_a_model_and_only_a_standard_one_does() -> None:
    uow = unit()
    with pytest.raises(ValidationProblem):
        await service.create_change(uow, actor=ALICE, body=body(type="standard"))
    with pytest.raises(ValidationProblem):
        await service.create_change(uow, actor=ALICE, body=body(model_id=str(MODEL.id)))
    with pytest.raises(ValidationProblem):  # an assignee capacity never announced
        await service.create_change(uow, actor=ALICE, body=body(assignee_id=str(uuid.uuid4())))
    assert uow.events == [] and uow.audits == []


async def test_an_emergency_change_opens_its_approval_at_submit() -> None:
    others = FakeCollaborators(risk=RiskLevel.HIGH)
    uow = unit(others)
    change = await service.create_change(uow, actor=ALICE, body=body(type="emergency"))

    await transitions.submit_change(uow, actor=BOB, change=change, comment=None)

    assert (change.state, change.risk) == ("authorize", "high")
    assert audit_actions(uow) == ["create", "submit", "open_approval"]
    assert uow.audits[-1]["detail"] == {"policy": "Normal changes", "round": 1}
    assert uow.event_types()[-1] == ChangeSubmitted.event_type


async def test_a_manager_rejects_back_to_new_and_the_pending_step_is_canceled() -> None:
    others = FakeCollaborators()
    uow = unit(others)
    change = await service.create_change(uow, actor=ALICE, body=body())
    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)
    await transitions.assess_change(uow, actor=BOB, change=change, body=AssessRequest())

    await transitions.reject_change(uow, actor=BOB, change=change, comment="no backout plan")

    assert change.state == "new"
    assert [s.state for s in others.steps] == [StepState.CANCELED]
    assert uow.event_types()[-1] == ChangeRejected.event_type
    assert uow.events[-1].data["reason"] == "no backout plan" and uow.events[-1].data["from_state"] == "authorize"
    assert audit_actions(uow)[-1] == "reject"


async def test_a_refused_step_rejects_the_change() -> None:
    uow = unit()
    change = await service.create_change(uow, actor=ALICE, body=body())
    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)
    await transitions.assess_change(uow, actor=BOB, change=change, body=AssessRequest())

    await transitions.reject_change(uow, actor=CAROL, change=change, comment="too risky")

    assert change.state == "new"
    assert uow.events[-1].type == ChangeRejected.event_type
    assert uow.events[-1].data["reason"] == "step 1 (CAB) refused: too risky"


async def test_canceling_a_scheduled_change_tells_capacity_it_was_approved() -> None:
    uow = unit()
    change = await service.create_change(uow, actor=ALICE, body=body(type="standard", model_id=str(MODEL.id)))
    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)

    await transitions.cancel_change(uow, actor=ALICE, change=change, comment="not needed")

    assert change.state == "canceled"
    assert uow.events[-1].type == ChangeCanceled.event_type
    assert (uow.events[-1].data["was_approved"], uow.events[-1].data["from_state"]) == (True, "scheduled")
    assert uow.audits[-1] | {"at": None, "id": None} == {
        "at": None, "id": None, "actor": "alice", "action": "cancel", "entity_type": "change",
        "entity_id": str(change.id), "from_state": "scheduled", "to_state": "canceled",
        "detail": {"comment": "not needed"}, "correlation_id": None}


async def test_who_may_act_and_when() -> None:
    uow = unit()
    change = await service.create_change(uow, actor=ALICE, body=body(assignee_id=str(DANA)))
    recorded = (len(uow.events), len(uow.audits))
    with pytest.raises(Forbidden):  # only the requester or a change manager submits
        await transitions.submit_change(uow, actor=MALLORY, change=change, comment=None)
    with pytest.raises(InvalidTransition):  # a new change is submitted before it is assessed
        await transitions.assess_change(uow, actor=BOB, change=change, body=AssessRequest())
    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)
    with pytest.raises(Forbidden):  # assessing needs a change manager
        await transitions.assess_change(uow, actor=ALICE, change=change, body=AssessRequest())
    await transitions.assess_change(uow, actor=BOB, change=change, body=AssessRequest())
    with pytest.raises(Forbidden):  # separation of duties: not the requester...
        await transitions.approve_change(uow, actor=Actor(sub="alice", name="Alice", roles=frozenset({"cab_member"})),
                                         change=change, comment=None)
    with pytest.raises(Forbidden):  # ...nor the assignee, whatever she signs in as
        await transitions.approve_change(uow, actor=Actor(sub="Dana@Example.org", name="Dana", roles=frozenset()),
                                         change=change, comment=None)
    with pytest.raises(Forbidden):  # ...and only eligible members of the step
        await transitions.approve_change(uow, actor=MALLORY, change=change, comment=None)
    assert change.state == "authorize"
    assert (len(uow.events), len(uow.audits)) == (recorded[0] + 2, recorded[1] + 2)  # the submit and the assess


async def test_implementing_scores_the_team_and_a_failed_change_closes_with_review_notes() -> None:
    others = FakeCollaborators()
    uow = unit(others)
    change = await service.create_change(uow, actor=ALICE, body=body(type="standard", model_id=str(MODEL.id),
                                                                     assignee_id=str(DANA)))
    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)
    dana = Actor(sub=str(DANA), name="Dana", roles=frozenset())

    await transitions.start_change(uow, actor=dana, change=change, body=StartRequest())
    await transitions.complete_change(uow, actor=dana, change=change, body=CompleteRequest.model_validate(
        {"outcome": "failed", "incidents_caused": [{"priority": 2}]}))
    assert (change.state, change.outcome, change.incidents_caused) == ("review", "failed", [2])
    assert others.scores == [("Platform", Outcome.FAILED, [2])]
    assert uow.events[-1].type == ChangeImplemented.event_type and uow.events[-1].data["team"] == "Platform"

    with pytest.raises(ValidationProblem):
        await transitions.close_change(uow, actor=ALICE, change=change, body=CloseRequest())
    await transitions.close_change(uow, actor=ALICE, change=change, body=CloseRequest(review_notes="Backed out."))

    assert change.state == "closed"
    assert uow.event_types()[-3:] == [ChangeStarted.event_type, ChangeImplemented.event_type, ChangeClosed.event_type]
    assert audit_actions(uow)[-3:] == ["start", "complete", "close"]


async def test_an_edit_is_audited_and_refused_where_the_state_forbids_it() -> None:
    uow = unit()
    changes = uow.repo(ChangeRepository)
    change = await service.create_change(uow, actor=ALICE, body=body())
    await service.update_change(uow, actor=ALICE, change=change, body=ChangeUpdate(title="Rotate every certificate"))
    assert change.title == "Rotate every certificate" and changes.flushes == 1
    assert uow.audits[-1]["action"] == "update" and uow.audits[-1]["detail"] == {"fields": ["title"], "changes": [
        {"field": "title", "old": "Rotate TLS certificates", "new": "Rotate every certificate"}]}

    await transitions.submit_change(uow, actor=ALICE, change=change, comment=None)
    with pytest.raises(Conflict):  # the type changes only in new
        await service.update_change(uow, actor=ALICE, change=change, body=ChangeUpdate(type="emergency"))
    with pytest.raises(Forbidden):
        await service.update_change(uow, actor=MALLORY, change=change, body=ChangeUpdate(title="Mine now"))
    assert await service.get_change(uow, change.id) is change
    with pytest.raises(NotFound):
        await service.get_change(uow, uuid.uuid4())
