"""Routes of approver groups, approval policies, a change's approvals and the CAB agenda (votes: `changes.routes`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.bounds import PlanDatetime
from tandem_shared.errors import PROBLEM_RESPONSES, ValidationProblem
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_change.approvals import service
from tandem_change.approvals.repository import ApprovalPolicyRepository, ApproverGroupRepository
from tandem_change.approvals.schemas import (
    Agenda,
    ApprovalPolicyCreate,
    ApprovalPolicyPage,
    ApprovalPolicyRead,
    ApprovalPolicyUpdate,
    ApprovalsRead,
    ApproverGroupCreate,
    ApproverGroupPage,
    ApproverGroupRead,
    ApproverGroupUpdate,
    MemberAdd,
)
from tandem_change.record.repository import ChangeRepository

router = APIRouter(tags=["approvals"], responses=PROBLEM_RESPONSES)
ADMIN = require_roles(*service.ADMIN_ROLES)


@router.post("/approver-groups", status_code=status.HTTP_201_CREATED, response_model=ApproverGroupRead,
             dependencies=[ADMIN], summary="Create an approver group (admin, change_manager)")
async def create_group(body: ApproverGroupCreate, session: SessionDep, actor: CurrentActor,
                       response: Response) -> ApproverGroupRead:
    group = await service.create_group(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/approver-groups/{}", group.id)
    response.headers["ETag"] = etag(group.version)
    return await service.group_read(session, group)


@router.get("/approver-groups", response_model=ApproverGroupPage, summary="List approver groups (by name)")
async def list_groups(session: SessionDep, _actor: CurrentActor, page: PageDep) -> ApproverGroupPage:
    rows, cursor = await ApproverGroupRepository(session).page(page)
    return ApproverGroupPage(items=[await service.group_read(session, g) for g in rows], next_cursor=cursor,
                             limit=page.limit)


@router.get("/approver-groups/{group_id}", response_model=ApproverGroupRead, summary="Read an approver group")
async def get_group(group_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                    response: Response) -> ApproverGroupRead:
    group = await ApproverGroupRepository(session).get_or_404(group_id)
    response.headers["ETag"] = etag(group.version)
    return await service.group_read(session, group)


@router.get("/approver-groups/{group_id}/history", response_model=AuditPage, summary="Who changed an approver group",
            description=HISTORY_DESCRIPTION)
async def group_history(group_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await ApproverGroupRepository(session).exists_or_404(group_id)
    return await audit_page(session, "approver_group", group_id, page)


@router.patch("/approver-groups/{group_id}", response_model=ApproverGroupRead, dependencies=[ADMIN],
              summary="Edit an approver group or replace its members",
              description="Steps already open keep the eligible voters they froze when they opened.")
async def update_group(group_id: uuid.UUID, body: ApproverGroupUpdate, request: Request, response: Response,
                       session: SessionDep, actor: CurrentActor) -> ApproverGroupRead:
    group = await ApproverGroupRepository(session).get_or_404(group_id)
    check_if_match(request, group.version)
    group = await service.update_group(session, actor=actor, group=group, body=body)
    response.headers["ETag"] = etag(group.version)
    return await service.group_read(session, group)


@router.post("/approver-groups/{group_id}/members", response_model=ApproverGroupRead, dependencies=[ADMIN],
             summary="Add a member to an approver group (idempotent)")
async def add_member(group_id: uuid.UUID, body: MemberAdd, session: SessionDep,
                     actor: CurrentActor) -> ApproverGroupRead:
    group = await ApproverGroupRepository(session).get_or_404(group_id)
    await service.add_member(session, actor=actor, group=group, member=body.member)
    return await service.group_read(session, group)


@router.delete("/approver-groups/{group_id}/members/{member}", status_code=status.HTTP_204_NO_CONTENT,
               dependencies=[ADMIN], summary="Remove a member from an approver group")
async def remove_member(group_id: uuid.UUID, member: str, session: SessionDep, actor: CurrentActor) -> Response:
    group = await ApproverGroupRepository(session).get_or_404(group_id)
    await service.remove_member(session, actor=actor, group=group, member=member)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/approval-policies", status_code=status.HTTP_201_CREATED, response_model=ApprovalPolicyRead,
             dependencies=[ADMIN], summary="Create an approval policy (admin, change_manager)",
             description="A policy matches changes by type and risk (null risk: any); the first active one by "
                         "position wins. Its steps run in order, each passing by its quorum.")
async def create_policy(body: ApprovalPolicyCreate, session: SessionDep, actor: CurrentActor,
                        response: Response) -> ApprovalPolicyRead:
    policy = await service.create_policy(session, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/approval-policies/{}", policy.id)
    response.headers["ETag"] = etag(policy.version)
    return await service.policy_read(session, policy)


@router.get("/approval-policies", response_model=ApprovalPolicyPage, summary="List approval policies by position")
async def list_policies(session: SessionDep, _actor: CurrentActor, page: PageDep) -> ApprovalPolicyPage:
    rows, cursor = await ApprovalPolicyRepository(session).page(page)
    return ApprovalPolicyPage(items=[await service.policy_read(session, p) for p in rows], next_cursor=cursor,
                              limit=page.limit)


@router.get("/approval-policies/{policy_id}", response_model=ApprovalPolicyRead, summary="Read an approval policy")
async def get_policy(policy_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                     response: Response) -> ApprovalPolicyRead:
    policy = await ApprovalPolicyRepository(session).get_or_404(policy_id)
    response.headers["ETag"] = etag(policy.version)
    return await service.policy_read(session, policy)


@router.get("/approval-policies/{policy_id}/history", response_model=AuditPage,
            summary="Who changed an approval policy", description=HISTORY_DESCRIPTION)
async def policy_history(policy_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await ApprovalPolicyRepository(session).exists_or_404(policy_id)
    return await audit_page(session, "approval_policy", policy_id, page)


@router.patch("/approval-policies/{policy_id}", response_model=ApprovalPolicyRead, dependencies=[ADMIN],
              summary="Edit an approval policy",
              description="`steps` replaces every step; changes already in approval keep the steps they opened.")
async def update_policy(policy_id: uuid.UUID, body: ApprovalPolicyUpdate, request: Request, response: Response,
                        session: SessionDep, actor: CurrentActor) -> ApprovalPolicyRead:
    policy = await ApprovalPolicyRepository(session).get_or_404(policy_id)
    check_if_match(request, policy.version)
    policy = await service.update_policy(session, actor=actor, policy=policy, body=body)
    response.headers["ETag"] = etag(policy.version)
    return await service.policy_read(session, policy)


@router.get("/changes/{change_id}/approvals", response_model=ApprovalsRead, tags=["changes"],
            summary="A change's approval steps, votes and state")
async def change_approvals(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> ApprovalsRead:
    return await service.approvals_view(session, await ChangeRepository(session).get_or_404(change_id))


@router.get("/cab/agenda", response_model=Agenda, summary="The CAB agenda",
            description="Changes awaiting authorisation whose planned start is in [from, to), earliest first, with "
                        "their risk, current step and votes so far.")
async def cab_agenda(
    session: SessionDep, _actor: CurrentActor,
    from_: Annotated[PlanDatetime, Query(alias="from", description="Start of the range (inclusive).")],
    to: Annotated[PlanDatetime, Query(description="End of the range (exclusive).")],
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> Agenda:
    if to <= from_:
        raise ValidationProblem.field("to", "must be after from")
    return Agenda(**{"from": from_}, to=to, items=await service.agenda(session, from_, to, limit))
