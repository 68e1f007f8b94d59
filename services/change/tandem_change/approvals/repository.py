"""Every query of approvals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.approvals.models import (
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApproverGroup,
    ApproverGroupMember,
    ChangeApprovalStep,
    ChangeApprovalVote,
)
from tandem_change.record.models import Change


class ApproverGroupRepository(EntityRepository[ApproverGroup]):
    """Approver groups and their members."""

    model, noun = ApproverGroup, "approver group"

    async def page(self, page: PageParams) -> tuple[Sequence[ApproverGroup], str | None]:
        return await keyset_page(self.session, sa.select(ApproverGroup), sort=ApproverGroup.name,
                                 tiebreak=ApproverGroup.id, descending=False, page=page)

    async def by_name(self, name: str) -> ApproverGroup | None:
        return (await self.session.execute(sa.select(ApproverGroup).where(ApproverGroup.name == name))).scalar()

    async def members(self, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        rows = (await self.session.execute(
            sa.select(ApproverGroupMember.group_id, ApproverGroupMember.member)
            .where(ApproverGroupMember.group_id.in_(group_ids)).order_by(ApproverGroupMember.member))).all()
        found: dict[uuid.UUID, list[str]] = {gid: [] for gid in group_ids}
        for group_id, member in rows:
            found[group_id].append(member)
        return found

    async def has_member(self, member: str) -> bool:
        """True when the subject sits in any approver group."""
        stmt = sa.select(ApproverGroupMember.member).where(ApproverGroupMember.member == member).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def set_members(self, group_id: uuid.UUID, members: Sequence[str]) -> None:
        await self.session.execute(sa.delete(ApproverGroupMember).where(ApproverGroupMember.group_id == group_id))
        self.session.add_all(ApproverGroupMember(group_id=group_id, member=m) for m in dict.fromkeys(members))
        await self.session.flush()

    async def remove_member(self, group_id: uuid.UUID, member: str) -> bool:
        result = await self.session.execute(sa.delete(ApproverGroupMember).where(
            ApproverGroupMember.group_id == group_id, ApproverGroupMember.member == member))
        return bool(result.rowcount)

    async def existing(self, group_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.session.execute(sa.select(ApproverGroup.id).where(ApproverGroup.id.in_(group_ids)))
        return set(rows.scalars())


class ApprovalPolicyRepository(EntityRepository[ApprovalPolicy]):
    """Approval policies and their steps."""

    model, noun = ApprovalPolicy, "approval policy"

    async def page(self, page: PageParams) -> tuple[Sequence[ApprovalPolicy], str | None]:
        return await keyset_page(self.session, sa.select(ApprovalPolicy), sort=ApprovalPolicy.position,
                                 tiebreak=ApprovalPolicy.id, descending=False, page=page)

    async def by_name(self, name: str) -> ApprovalPolicy | None:
        return (await self.session.execute(sa.select(ApprovalPolicy).where(ApprovalPolicy.name == name))).scalar()

    async def steps(self, policy_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ApprovalPolicyStep]]:
        rows = (await self.session.execute(
            sa.select(ApprovalPolicyStep).where(ApprovalPolicyStep.policy_id.in_(policy_ids))
            .order_by(ApprovalPolicyStep.position))).scalars()
        found: dict[uuid.UUID, list[ApprovalPolicyStep]] = {pid: [] for pid in policy_ids}
        for step in rows:
            found[step.policy_id].append(step)
        return found

    async def replace_steps(self, policy_id: uuid.UUID, steps: Sequence[ApprovalPolicyStep]) -> None:
        await self.session.execute(sa.delete(ApprovalPolicyStep).where(ApprovalPolicyStep.policy_id == policy_id))
        self.session.add_all(steps)
        await self.session.flush()

    async def matching(self, change_type: str, risk: str | None) -> ApprovalPolicy | None:
        """The first active policy by position for this type and risk (a policy without risk matches any)."""
        stmt = (sa.select(ApprovalPolicy)
                .where(ApprovalPolicy.active.is_(True), ApprovalPolicy.change_type == change_type,
                       sa.or_(ApprovalPolicy.risk.is_(None), ApprovalPolicy.risk == risk))
                .order_by(ApprovalPolicy.position, ApprovalPolicy.name).limit(1))
        return (await self.session.execute(stmt)).scalar()


class ChangeApprovalRepository:
    """The approval steps and votes of changes."""

    def __init__(self, session) -> None:
        self.session = session

    async def steps(self, change_id: uuid.UUID, round: int | None = None) -> list[ChangeApprovalStep]:
        stmt = sa.select(ChangeApprovalStep).where(ChangeApprovalStep.change_id == change_id)
        if round is not None:
            stmt = stmt.where(ChangeApprovalStep.round == round)
        stmt = stmt.order_by(ChangeApprovalStep.round, ChangeApprovalStep.position)
        return list((await self.session.execute(stmt)).scalars())

    async def steps_of(self, change_ids: Sequence[uuid.UUID]) -> list[ChangeApprovalStep]:
        stmt = (sa.select(ChangeApprovalStep).where(ChangeApprovalStep.change_id.in_(change_ids))
                .order_by(ChangeApprovalStep.round, ChangeApprovalStep.position))
        return list((await self.session.execute(stmt)).scalars())

    async def votes(self, step_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ChangeApprovalVote]]:
        found: dict[uuid.UUID, list[ChangeApprovalVote]] = {sid: [] for sid in step_ids}
        if not step_ids:
            return found
        rows = (await self.session.execute(
            sa.select(ChangeApprovalVote).where(ChangeApprovalVote.step_id.in_(step_ids))
            .order_by(ChangeApprovalVote.cast_at, ChangeApprovalVote.id))).scalars()
        for vote in rows:
            found[vote.step_id].append(vote)
        return found

    async def has_voted(self, step_id: uuid.UUID, voter: str) -> bool:
        stmt = sa.select(sa.func.count()).where(ChangeApprovalVote.step_id == step_id,
                                                ChangeApprovalVote.voter == voter)
        return bool((await self.session.execute(stmt)).scalar_one())

    async def awaiting_authorisation(self, start: datetime, end: datetime, limit: int) -> list[Change]:
        stmt = (sa.select(Change)
                .where(Change.state == "authorize", Change.planned_start >= start, Change.planned_start < end)
                .order_by(Change.planned_start, Change.id).limit(limit))
        return list((await self.session.execute(stmt)).scalars())
