"""Stage gates without a database: votes under the shared quorum, ties, who votes, criteria, and a blocked go."""

from __future__ import annotations

import uuid

import pytest
import tandem_portfolio.gate_criteria  # noqa: F401 - the real criteria, for the use-case tests below
from tandem_portfolio.criteria import Criterion, CriterionResult
from tandem_portfolio.decisions.repository import DecisionRepository
from tandem_portfolio.gates.evaluation import all_met, evaluate_criteria, unmet
from tandem_portfolio.gates.models import GateReview
from tandem_portfolio.gates.repository import GateReviewRepository
from tandem_portfolio.gates.rules import Vote, decision, eligible_voters, stop_decision, tally, vote_refusal
from tandem_portfolio.gates.service import cast_vote
from tandem_portfolio.projects.models import Project
from tandem_shared.auth import Actor
from tandem_shared.errors import Conflict, Forbidden
from tandem_shared.quorum import QuorumKind

from tests.unit.fakes import FakeUnitOfWork

NUM, PCT = QuorumKind.NUMBER, QuorumKind.PERCENTAGE
GO, HOLD, RECYCLE, KILL = Vote.GO, Vote.HOLD, Vote.RECYCLE, Vote.KILL


@pytest.mark.parametrize(("kind", "required", "voters", "votes", "expected"), [
    (NUM, 2, 3, ["go"], None),                          # one more go can still pass it
    (NUM, 2, 3, ["go", "go"], GO),                      # exactly the quorum
    (NUM, 2, 3, ["go", "kill"], None),                  # 1 go + 1 waiting can still reach 2
    (NUM, 2, 3, ["go", "kill", "kill"], KILL),          # unreachable: the most common other vote
    (NUM, 3, 3, ["go", "go", "recycle"], RECYCLE),
    (PCT, 50, 4, ["go", "go"], GO),                     # 50 % ≥ 50 %
    (PCT, 50, 4, ["go", "hold"], None),                 # 25 % + 50 % waiting
    (PCT, 50, 4, ["go", "hold", "hold"], None),         # 25 % + 25 % waiting = 50 %: still reachable
    (PCT, 51, 4, ["go", "hold", "hold"], HOLD),         # 50 % < 51 %: unreachable
    (PCT, 67, 3, ["go", "go"], None),                   # 66.7 % < 67 %, one voter left
    (PCT, 66, 3, ["go", "go"], GO),
    (PCT, 100, 3, ["go", "go", "recycle"], RECYCLE),
])
def test_what_the_votes_decide_at_the_thresholds(kind, required, voters, votes, expected):
    assert decision(kind, required, voters=voters, votes=votes) is expected


def test_ties_between_other_votes_hold_the_project():
    assert stop_decision(tally(["recycle", "kill"])) is HOLD
    assert stop_decision(tally(["hold", "kill"])) is HOLD
    assert stop_decision(tally(["recycle", "recycle", "kill"])) is RECYCLE
    assert stop_decision(tally([])) is HOLD
    assert decision(NUM, 1, voters=2, votes=["recycle", "kill"]) is HOLD
    assert decision(NUM, 2, voters=3, votes=["kill", "kill"]) is KILL
    assert tally(["go", "kill", "go"]) == {"go": 2, "hold": 0, "recycle": 0, "kill": 1}


def test_the_sponsor_and_project_manager_never_vote_and_members_vote_once():
    assert eligible_voters(["ann", "sam", "pia", "bo", "ann"], sponsor="sam", project_manager="pia") == ["ann", "bo"]
    assert eligible_voters(["ann"], sponsor=None, project_manager=None) == ["ann"]
    kwargs = {"sponsor": "sam", "project_manager": "pia", "voters": ["ann", "bo"]}
    own = vote_refusal("sam", voted=[], **kwargs)
    assert isinstance(own, Forbidden) and "sponsor" in own.detail and own.extensions["reason"] == "own_sponsor"
    managed = vote_refusal("pia", voted=[], **kwargs)
    assert isinstance(managed, Forbidden) and managed.extensions["reason"] == "own_project_manager"
    outsider = vote_refusal("zed", voted=[], **kwargs)
    assert isinstance(outsider, Forbidden) and outsider.extensions["eligible_voters"] == ["ann", "bo"]
    assert isinstance(vote_refusal("ann", voted=["ann"], **kwargs), Conflict)
    assert vote_refusal("bo", voted=["ann"], **kwargs) is None


def _criterion(name: str, met: bool | Exception) -> Criterion:
    async def evaluate(_uow, _project, params):
        if isinstance(met, Exception):
            raise met
        return CriterionResult(met, f"{name} says {met} with {params}", {"seen": params})
    return Criterion(name=name, description=name, evaluate=evaluate)


async def test_criteria_are_evaluated_in_order_through_the_registry():
    registry = {"yes": _criterion("yes", True), "no": _criterion("no", False),
                "bad": _criterion("bad", ValueError("parameter 'min' must be a whole number"))}
    configured = [{"name": "yes", "params": {"min": 2}}, {"name": "no"}, {"name": "gone", "params": {}},
                  {"name": "bad", "params": {"min": "x"}}]
    results = await evaluate_criteria(FakeUnitOfWork(), Project(name="p"), configured, registry)
    assert [(r["name"], r["met"]) for r in results] == [("yes", True), ("no", False), ("gone", False), ("bad", False)]
    assert results[0]["params"] == {"min": 2} and results[0]["facts"] == {"seen": {"min": 2}}
    assert "not available" in results[2]["why"] and results[3]["why"].startswith("misconfigured")
    assert [r["name"] for r in unmet(results)] == ["no", "gone", "bad"] and not all_met(results)
    assert all_met(await evaluate_criteria(FakeUnitOfWork(), Project(name="p"), [], registry))


# --- the vote use case over fakes -----------------------------------------------------------------------

class _Session:
    """Enough of a session for use cases that add rows and flush."""

    def add(self, _row: object) -> None:
        pass

    async def flush(self) -> None:
        pass


class _Reviews:
    def __init__(self) -> None:
        self.cast: list = []

    async def votes(self, ids):
        return {rid: [v for v in self.cast if v.review_id == rid] for rid in ids}

    def add_vote(self, vote):
        self.cast.append(vote)
        return vote

    async def cancel_open(self, _project_id, *, but=None):
        return []


class _Decisions:
    def __init__(self) -> None:
        self.rows: list = []

    def add(self, row):
        self.rows.append(row)
        return row


def _setup(*, sponsor: str | None = "sam", required: int = 1):
    uow = FakeUnitOfWork({GateReviewRepository: _Reviews(), DecisionRepository: _Decisions()})
    uow.session = _Session()  # type: ignore[assignment]
    project = Project(id=uuid.uuid4(), name="Portal", stage="idea", sponsor=sponsor, project_manager="pia",
                      portfolio="default", created_by="pia")
    review = GateReview(id=uuid.uuid4(), project_id=project.id, gate="screening", portfolio="default",
                        from_stage="idea", to_stage="proposed", state="open", voters=["ann", "bo"],
                        criteria=[{"name": "sponsor_named", "params": {}}], results=[], quorum_kind="number",
                        quorum_value=required, opened_by="pia")
    return uow, project, review


async def test_a_go_quorum_with_an_unmet_criterion_is_blocked_and_nothing_is_kept():
    uow, project, review = _setup(sponsor=None)
    with pytest.raises(Conflict) as blocked:
        await cast_vote(uow, actor=Actor("ann", "Ann"), project=project, review=review, vote=GO, comment=None)
    assert blocked.value.extensions["unmet_criteria"] == [{"name": "sponsor_named", "why": "no sponsor named"}]
    assert "sponsor_named" in blocked.value.detail
    assert uow.events == [] and project.stage == "idea" and review.state == "open"


async def test_the_sponsor_is_refused_and_a_go_quorum_passes_the_gate():
    uow, project, review = _setup()
    with pytest.raises(Forbidden):
        await cast_vote(uow, actor=Actor("sam", "Sam"), project=project, review=review, vote=GO, comment=None)
    await cast_vote(uow, actor=Actor("ann", "Ann"), project=project, review=review, vote=GO, comment="fits")
    assert project.stage == "proposed" and review.state == "passed" and review.decided_by == "ann"
    assert uow.event_types() == ["portfolio.gate.vote_cast.v1", "portfolio.gate.decided.v1",
                                 "portfolio.project.stage_changed.v1"]
    decided = uow.events[1].data
    assert decided["decision"] == "go" and decided["criteria"] == [
        {"name": "sponsor_named", "met": True, "why": "sponsor: sam"}]
    assert [(a["action"], a["from_state"], a["to_state"]) for a in uow.audits][-1] == ("screening", "idea", "proposed")


async def test_a_kill_terminates_and_publishes_what_capacity_releases_on():
    uow, project, review = _setup(required=2)
    await cast_vote(uow, actor=Actor("ann", "Ann"), project=project, review=review, vote=KILL, comment="no fit")
    assert project.stage == "terminated" and review.state == "killed"
    assert uow.event_types() == ["portfolio.gate.vote_cast.v1", "portfolio.gate.decided.v1",
                                 "portfolio.project.stage_changed.v1", "portfolio.project.terminated.v1"]
    assert uow.events[-1].data["reason"].startswith("screening gate review decided kill")
