"""Stage-gate use cases: configuring a portfolio's gates, opening a review, voting, and the gate's decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import (
    GateCriterionResult,
    GateDecided,
    GateReviewOpened,
    GateVoteCast,
    GateVoteSummary,
)
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationProblem
from tandem_shared.quorum import QuorumKind, check_quorum, reachable
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CRITERIA
from tandem_portfolio.decisions import service as decisions
from tandem_portfolio.gates.defaults import BUILT_IN_CRITERIA, BUILT_IN_MEMBERS, BUILT_IN_QUORUM, DEFAULT_PORTFOLIO
from tandem_portfolio.gates.evaluation import all_met, evaluate_criteria, unmet
from tandem_portfolio.gates.models import GateConfig, GateReview, GateVote
from tandem_portfolio.gates.repository import GateConfigRepository, GateReviewRepository
from tandem_portfolio.gates.rules import (
    OUTCOME_STATE,
    ReviewState,
    Vote,
    decision,
    eligible_voters,
    tally,
    vote_refusal,
)
from tandem_portfolio.gates.schemas import GateConfigWrite
from tandem_portfolio.projects.lifecycle import DEFER, GATES, TERMINATE, Gate, refuse
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.service import owns


async def _cancel_open_review(uow: UnitOfWork, project: Project, deciding: uuid.UUID | None) -> None:
    """A review open for the stage a project left can no longer decide anything."""
    await uow.repo(GateReviewRepository).cancel_open(project.id, but=deciding)


decisions.ON_STAGE_LEFT.append(_cancel_open_review)


@dataclass(frozen=True)
class EffectiveConfig:
    """The configuration a gate applies for a portfolio, and where it comes from."""

    portfolio: str
    gate: Gate
    criteria: list[dict[str, Any]]
    members: list[str]
    quorum_kind: QuorumKind
    quorum_value: int
    source: str
    stored: GateConfig | None  # this portfolio's own row, when it has one


async def effective_configs(uow: UnitOfWork, portfolio: str) -> dict[Gate, EffectiveConfig]:
    """Each gate's configuration: the portfolio's own, else the default portfolio's, else the built-in one."""
    stored = await uow.repo(GateConfigRepository).of(list(dict.fromkeys([portfolio, DEFAULT_PORTFOLIO])))
    found = {}
    for gate in Gate:
        row = stored.get((portfolio, gate.value)) or stored.get((DEFAULT_PORTFOLIO, gate.value))
        if row is None:
            found[gate] = EffectiveConfig(portfolio, gate, BUILT_IN_CRITERIA[gate], list(BUILT_IN_MEMBERS),
                                          *BUILT_IN_QUORUM, "built_in", None)
        else:
            own = row.portfolio == portfolio
            found[gate] = EffectiveConfig(portfolio, gate, row.criteria, row.members, QuorumKind(row.quorum_kind),
                                          row.quorum_value, "portfolio" if own else "default_portfolio",
                                          row if own else None)
    return found


def _check_config(body: GateConfigWrite) -> None:
    """422 naming the field: unknown criteria or parameters, a quorum the board can never reach."""
    seen: set[str] = set()
    for index, item in enumerate(body.criteria):
        known = CRITERIA.get(item.name)
        if known is None:
            raise ValidationProblem.field(f"criteria.{index}.name", f"unknown criterion {item.name!r}; available: "
                                          + ", ".join(sorted(CRITERIA)))
        if item.name in seen:
            raise ValidationProblem.field(f"criteria.{index}.name", f"{item.name!r} is listed twice")
        seen.add(item.name)
        for param in item.params:
            if param not in known.params:
                raise ValidationProblem.field(f"criteria.{index}.params.{param}", f"{item.name} takes "
                                              + (", ".join(sorted(known.params)) or "no parameters"))
    quorum = body.board.quorum
    try:
        check_quorum(quorum.kind, quorum.value)
    except ValueError as exc:
        raise ValidationProblem.field("board.quorum.value", str(exc)) from exc
    if not reachable(quorum.kind, quorum.value, len(body.board.members)):
        unit = " %" if quorum.kind is QuorumKind.PERCENTAGE else ""
        raise ValidationProblem.field("board.quorum.value", f"{len(body.board.members)} member(s) can never reach "
                                      f"a quorum of {quorum.value}{unit}")


async def configure(uow: UnitOfWork, *, actor: Actor, portfolio: str, gate: Gate, body: GateConfigWrite) -> None:
    """Set a portfolio's criteria and board for a gate (reviews already open keep theirs)."""
    _check_config(body)
    values = {"criteria": [c.model_dump() for c in body.criteria], "members": body.board.members,
              "quorum_kind": body.board.quorum.kind.value, "quorum_value": body.board.quorum.value,
              "updated_by": actor.sub}
    repo = uow.repo(GateConfigRepository)
    row = await repo.get(portfolio, gate.value)
    fields = ("criteria", "members", "quorum_kind", "quorum_value")
    before = {} if row is None else history.snapshot(row, fields)
    if row is None:
        row = await repo.add(GateConfig(portfolio=portfolio, gate=gate.value, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()  # a new version even when only JSON lists changed
    await uow.session.flush()
    await uow.audit(actor=actor.sub, action="configure", entity_type="gate_config", entity_id=row.id,
                    detail={"portfolio": portfolio, "gate": gate.value, **body.model_dump(mode="json")},
                    changes=history.changes(before, history.snapshot(row, fields)))


def _outcomes(results: list[dict[str, Any]]) -> list[GateCriterionResult]:
    return [GateCriterionResult(name=r["name"], met=r["met"], why=r["why"]) for r in results]


def _already_open(review: GateReview) -> Conflict:
    """409: one review is open per project at a time."""
    return Conflict(f"the project's {review.gate} review is open; it is decided first", open_review=str(review.id))


async def open_review(uow: UnitOfWork, *, actor: Actor, project: Project, gate: Gate,
                      comment: str | None) -> GateReview:
    """Open a review of the project at the gate ahead: criteria evaluated, eligible voters frozen."""
    if not owns(actor, project):
        raise Forbidden("only the project's creator, sponsor or project manager, the PMO or an admin open its gate "
                        "reviews")
    source, target = GATES[gate]
    if project.stage != source:
        raise refuse(project.stage, gate.value)
    reviews = uow.repo(GateReviewRepository)
    if (already := await reviews.open_of(project.id)) is not None:
        raise _already_open(already)
    config = (await effective_configs(uow, project.portfolio))[gate]
    voters = eligible_voters(config.members, sponsor=project.sponsor, project_manager=project.project_manager)
    if not reachable(config.quorum_kind, config.quorum_value, len(voters)):
        raise Conflict(f"the {gate.value} gate board of portfolio {project.portfolio!r} has {len(voters)} eligible "
                       f"member(s) (the sponsor and project manager never vote), too few for its quorum of "
                       f"{config.quorum_value}{' %' if config.quorum_kind is QuorumKind.PERCENTAGE else ''}; "
                       f"configure it at /portfolio/v1/portfolios/{project.portfolio}/gates/{gate.value}",
                       eligible_voters=voters)
    results = await evaluate_criteria(uow, project, config.criteria)
    review = GateReview(
        project_id=project.id, gate=gate.value, portfolio=project.portfolio, from_stage=source.value,
        to_stage=target.value, state=ReviewState.OPEN.value, criteria=config.criteria, results=results,
        voters=voters, quorum_kind=config.quorum_kind.value, quorum_value=config.quorum_value, comment=comment,
        opened_by=actor.sub)
    if (winner := await reviews.add_open(review)) is not None:  # a concurrent request opened one meanwhile
        raise _already_open(winner)
    await uow.audit(actor=actor.sub, action="open_gate_review", entity_type="project", entity_id=project.id,
                    detail={"gate": gate.value, "review_id": str(review.id), "voters": voters})
    await uow.record(GateReviewOpened(
        project_id=project.id, review_id=review.id, gate=gate.value, portfolio=project.portfolio,
        from_stage=source.value, to_stage=target.value, voters=voters, quorum_kind=config.quorum_kind.value,
        quorum_value=config.quorum_value, criteria=_outcomes(results), opened_by=actor.sub), actor=actor.sub)
    return review


async def get_review(uow: UnitOfWork, project: Project, gate: Gate, review_id: Any, *,
                     for_vote: bool = False) -> GateReview:
    """The project's review at this gate, or 404; locked when a vote follows, so two votes cannot both decide it."""
    reviews = uow.repo(GateReviewRepository)
    review = await (reviews.locked(review_id) if for_vote else reviews.get(review_id))
    if review is None or review.project_id != project.id or review.gate != gate.value:
        raise NotFound(f"no {gate.value} gate review {review_id} of project {project.id}")
    return review


async def live_results(uow: UnitOfWork, project: Project, review: GateReview) -> list[dict[str, Any]]:
    """The criteria as they stand now while the review is open; as recorded once it is decided."""
    if review.state != ReviewState.OPEN.value:
        return review.results
    return await evaluate_criteria(uow, project, review.criteria)


def _reason(gate: str, outcome: Vote, votes: list[GateVote]) -> str:
    said = "; ".join(f"{v.voter}: {v.vote}" + (f" ({v.comment})" if v.comment else "") for v in votes)
    return f"{gate} gate review decided {outcome.value} — {said}"


async def cast_vote(uow: UnitOfWork, *, actor: Actor, project: Project, review: GateReview, vote: Vote,
                    comment: str | None) -> GateReview:
    """Record a board member's vote; when it decides the review, take the decision."""
    # Who may vote is decided before the review's state: someone off the board learns nothing about it.
    refusal = vote_refusal(actor.sub, sponsor=project.sponsor, project_manager=project.project_manager,
                           voters=review.voters, voted=())
    if refusal is not None:
        raise refusal
    if review.state != ReviewState.OPEN.value:
        raise InvalidTransition(entity="gate review", state=review.state, action="vote", allowed=[])
    reviews = uow.repo(GateReviewRepository)
    cast = (await reviews.votes([review.id]))[review.id]
    refusal = vote_refusal(actor.sub, sponsor=project.sponsor, project_manager=project.project_manager,
                           voters=review.voters, voted=[v.voter for v in cast])
    if refusal is not None:
        raise refusal
    ballot = reviews.add_vote(GateVote(review_id=review.id, project_id=project.id, voter=actor.sub, vote=vote.value,
                                       comment=comment, cast_at=utcnow()))
    cast.append(ballot)
    outcome = decision(QuorumKind(review.quorum_kind), review.quorum_value, voters=len(review.voters),
                       votes=[v.vote for v in cast])
    results = await evaluate_criteria(uow, project, review.criteria) if outcome is not None else review.results
    if outcome is Vote.GO and not all_met(results):
        missing = unmet(results)
        # The go quorum would pass the gate: it waits until every criterion is met (this vote is not kept).
        raise Conflict("the go quorum is reached but criteria are unmet: "
                       + "; ".join(f"{r['name']} ({r['why']})" for r in missing)
                       + "; meet them, then vote again", unmet_criteria=[{"name": r["name"], "why": r["why"]}
                                                                         for r in missing])
    await uow.session.flush()
    counts = tally(v.vote for v in cast)
    await uow.audit(actor=actor.sub, action="gate_vote", entity_type="project", entity_id=project.id,
                    detail={"gate": review.gate, "review_id": str(review.id), "vote": vote.value, "comment": comment})
    await uow.record(GateVoteCast(project_id=project.id, review_id=review.id, gate=review.gate, voter=actor.sub,
                                  vote=vote.value, comment=comment, tally=counts), actor=actor.sub)
    if outcome is not None:
        await _decide(uow, actor=actor, project=project, review=review, outcome=outcome, votes=cast,
                      results=results)
    return review


async def _decide(uow: UnitOfWork, *, actor: Actor, project: Project, review: GateReview, outcome: Vote,
                  votes: list[GateVote], results: list[dict[str, Any]]) -> None:
    """Close the review with the board's decision and move the project accordingly."""
    now = utcnow()
    review.state, review.decision, review.decided_by, review.decided_at = (
        OUTCOME_STATE[outcome].value, outcome.value, actor.sub, now)
    review.results = results
    reason = _reason(review.gate, outcome, votes)
    before = project.stage
    await uow.record(GateDecided(
        project_id=project.id, review_id=review.id, gate=review.gate, decision=outcome.value, from_stage=before,
        to_stage={Vote.GO: review.to_stage, Vote.HOLD: "on_hold", Vote.KILL: "terminated"}.get(outcome, before),
        votes=[GateVoteSummary(voter=v.voter, vote=v.vote, comment=v.comment) for v in votes],
        tally=tally(v.vote for v in votes), criteria=_outcomes(results), decided_by=actor.sub), actor=actor.sub)
    if outcome is Vote.RECYCLE:
        await decisions.recycle(uow, actor=actor.sub, project=project, reason=reason, gate=review.gate,
                                review_id=review.id)
    else:
        action = {Vote.GO: review.gate, Vote.HOLD: DEFER, Vote.KILL: TERMINATE}[outcome]
        await decisions.decide(uow, actor=actor.sub, project=project, action=action, reason=reason,
                               gate=review.gate, review_id=review.id)
