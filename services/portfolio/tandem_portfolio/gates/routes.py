"""Routes of stage gates: /gate-criteria, /portfolios/{portfolio}/gates and /projects/{id}/gates/{gate}/reviews."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.criteria import CRITERIA
from tandem_portfolio.gates import service
from tandem_portfolio.gates.evaluation import all_met, unmet
from tandem_portfolio.gates.models import GateReview
from tandem_portfolio.gates.repository import GateConfigRepository, GateReviewRepository
from tandem_portfolio.gates.rules import ReviewState, tally
from tandem_portfolio.gates.schemas import (
    CriterionInfo,
    GateBoard,
    GateConfigRead,
    GateConfigWrite,
    QuorumRule,
    ReviewOpen,
    ReviewPage,
    ReviewRead,
    VoteCreate,
    VoteRead,
)
from tandem_portfolio.projects import service as projects
from tandem_portfolio.projects.lifecycle import GATES, Gate
from tandem_portfolio.projects.models import Project

router = APIRouter(tags=["stage gates"], responses=PROBLEM_RESPONSES)
Portfolio = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
REVIEWS = "/projects/{project_id}/gates/{gate}/reviews"


@router.get("/gate-criteria", response_model=list[CriterionInfo], summary="The criteria a gate can check")
async def list_criteria(_actor: CurrentActor) -> list[CriterionInfo]:
    return [CriterionInfo(name=c.name, description=c.description, params=c.params)
            for c in sorted(CRITERIA.values(), key=lambda c: c.name)]


def _config_read(config: service.EffectiveConfig, response: Response | None = None) -> GateConfigRead:
    stored = config.stored
    if response is not None and stored is not None:
        response.headers["ETag"] = etag(stored.version)
    source, target = GATES[config.gate]
    return GateConfigRead(
        portfolio=config.portfolio, gate=config.gate, from_stage=source, to_stage=target, criteria=config.criteria,
        board=GateBoard(members=config.members, quorum=QuorumRule(kind=config.quorum_kind, value=config.quorum_value)),
        source=config.source, version=stored.version if stored else None,
        updated_by=stored.updated_by if stored else None, updated_at=stored.updated_at if stored else None)


@router.get("/portfolios/{portfolio}/gates", response_model=list[GateConfigRead],
            summary="Every gate of a portfolio, as it applies")
async def list_gates(portfolio: Portfolio, uow: UnitOfWorkDep, _actor: CurrentActor) -> list[GateConfigRead]:
    return [_config_read(c) for c in (await service.effective_configs(uow, portfolio)).values()]


@router.get("/portfolios/{portfolio}/gates/{gate}", response_model=GateConfigRead,
            summary="A gate of a portfolio: its criteria and board, as they apply")
async def get_gate(portfolio: Portfolio, gate: Gate, uow: UnitOfWorkDep, _actor: CurrentActor,
                   response: Response) -> GateConfigRead:
    return _config_read((await service.effective_configs(uow, portfolio))[gate], response)


@router.get("/portfolios/{portfolio}/gates/{gate}/history", response_model=AuditPage,
            summary="Who configured a gate of a portfolio", description="The portfolio's own configuration of the "
            "gate (empty while it takes the `default` portfolio's). " + HISTORY_DESCRIPTION)
async def gate_history(portfolio: Portfolio, gate: Gate, uow: UnitOfWorkDep, _actor: CurrentActor,
                       page: PageDep) -> AuditPage:
    row = await uow.repo(GateConfigRepository).get(portfolio, gate.value)
    return await audit_page(uow.session, "gate_config", row.id if row else "", page)


@router.put("/portfolios/{portfolio}/gates/{gate}", response_model=GateConfigRead,
            dependencies=[require_roles("pmo")], summary="Configure a gate of a portfolio (PMO)",
            description="Sets the criteria (by registered name, see /gate-criteria; an unknown one is a 422) and the "
            "board: members and quorum (a number, or a percentage of the eligible members). The `default` "
            "portfolio's configuration applies to portfolios without their own. If-Match takes the ETag.")
async def put_gate(portfolio: Portfolio, gate: Gate, body: GateConfigWrite, request: Request, uow: UnitOfWorkDep,
                   actor: CurrentActor, response: Response) -> GateConfigRead:
    current = (await service.effective_configs(uow, portfolio))[gate].stored
    if current is not None:
        check_if_match(request, current.version)
    await service.configure(uow, actor=actor, portfolio=portfolio, gate=gate, body=body)
    return _config_read((await service.effective_configs(uow, portfolio))[gate], response)


async def _reads(uow: UnitOfWork, project: Project, reviews: list[GateReview]) -> list[ReviewRead]:
    votes = await uow.repo(GateReviewRepository).votes([r.id for r in reviews])
    reads = []
    for review in reviews:
        results = await service.live_results(uow, project, review)
        cast = votes[review.id]
        voted = {v.voter for v in cast}
        reads.append(ReviewRead(
            id=review.id, project_id=review.project_id, gate=review.gate, portfolio=review.portfolio,
            from_stage=review.from_stage, to_stage=review.to_stage, state=review.state, criteria=results,
            all_met=all_met(results), unmet=[r["name"] for r in unmet(results)], voters=review.voters,
            quorum=QuorumRule(kind=review.quorum_kind, value=review.quorum_value),
            votes=[VoteRead.model_validate(v) for v in cast], tally=tally(v.vote for v in cast),
            waiting_on=[v for v in review.voters if v not in voted] if review.state == ReviewState.OPEN else [],
            comment=review.comment, opened_by=review.opened_by, opened_at=review.opened_at,
            decision=review.decision, decided_by=review.decided_by, decided_at=review.decided_at,
            version=review.version))
    return reads


@router.post(REVIEWS, status_code=status.HTTP_201_CREATED, response_model=ReviewRead,
             summary="Open a gate review of a project",
             description="The project's owners (creator, sponsor, project manager), the PMO or an admin open the "
             "review of the gate ahead of its stage (409 names the allowed actions otherwise). Criteria are "
             "evaluated; the eligible voters are the board less the sponsor and project manager, frozen now. "
             "Publishes `portfolio.gate.review_opened.v1`.")
async def open_review(project_id: uuid.UUID, gate: Gate, uow: UnitOfWorkDep, actor: CurrentActor,
                      response: Response, body: ReviewOpen | None = None) -> ReviewRead:
    project = await projects.get_project(uow, project_id)
    review = await service.open_review(uow, actor=actor, project=project, gate=gate,
                                       comment=body.comment if body else None)
    response.headers["Location"] = location("/portfolio/v1/projects/{}/gates/{}/reviews/{}", project_id, gate.value,
                                             review.id)
    return (await _reads(uow, project, [review]))[0]


@router.get(REVIEWS, response_model=ReviewPage, summary="A project's reviews at a gate, newest first")
async def list_reviews(project_id: uuid.UUID, gate: Gate, uow: UnitOfWorkDep, _actor: CurrentActor,
                       page: PageDep) -> ReviewPage:
    project = await projects.get_project(uow, project_id)
    rows, cursor = await uow.repo(GateReviewRepository).page(project.id, gate.value, page)
    return ReviewPage(items=await _reads(uow, project, list(rows)), next_cursor=cursor, limit=page.limit)


@router.get(REVIEWS + "/{review_id}", response_model=ReviewRead, summary="A gate review",
            description="While open, every criterion is evaluated now; once decided, as it stood at the decision.")
async def get_review(project_id: uuid.UUID, gate: Gate, review_id: uuid.UUID, uow: UnitOfWorkDep,
                     _actor: CurrentActor) -> ReviewRead:
    project = await projects.get_project(uow, project_id)
    return (await _reads(uow, project, [await service.get_review(uow, project, gate, review_id)]))[0]


@router.post(REVIEWS + "/{review_id}/votes", response_model=ReviewRead, summary="Vote on a gate review",
             description="go / hold / recycle / kill (a comment is required but for go). The sponsor and project "
             "manager never vote on their own project (403), nor does anyone off the board (403); a member votes "
             "once (409). When the go votes reach the quorum and every criterion is met (re-evaluated now; 409 names "
             "the unmet ones, and the vote is not kept), the project passes the gate. When the quorum can no longer "
             "be reached, the most common other vote decides (a tie holds): hold → on_hold, recycle → stays for a new "
             "review, kill → terminated. Publishes `portfolio.gate.vote_cast.v1`, and on a decision "
             "`portfolio.gate.decided.v1` and `portfolio.project.stage_changed.v1`.")
async def vote_on_gate_review(project_id: uuid.UUID, gate: Gate, review_id: uuid.UUID, body: VoteCreate,
                              uow: UnitOfWorkDep, actor: CurrentActor) -> ReviewRead:
    project = await projects.get_project(uow, project_id)
    review = await service.get_review(uow, project, gate, review_id, for_vote=True)
    await service.cast_vote(uow, actor=actor, project=project, review=review, vote=body.vote, comment=body.comment)
    return (await _reads(uow, project, [review]))[0]
