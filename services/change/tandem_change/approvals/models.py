"""Tables of approvals: groups, policies with ordered steps, and each change's steps and votes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class ApproverGroup(Base):
    """A group whose members vote on a step (a CAB, the change managers, an emergency CAB)."""

    __tablename__ = "approver_groups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ApproverGroupMember(Base):
    """A user (token subject) in an approver group."""

    __tablename__ = "approver_group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("approver_groups.id", ondelete="CASCADE"),
                                                primary_key=True)
    member: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApprovalPolicy(Base):
    """Which steps authorise changes of a type and risk; the first active match by position wins."""

    __tablename__ = "approval_policies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    change_type: Mapped[str] = mapped_column(sa.String(20))
    risk: Mapped[str | None] = mapped_column(sa.String(20))  # None: any risk
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ApprovalPolicyStep(Base):
    """One ordered step of a policy: a group and the quorum it must reach."""

    __tablename__ = "approval_policy_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    policy_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("approval_policies.id", ondelete="CASCADE"),
                                                 index=True)
    position: Mapped[int] = mapped_column()
    group_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("approver_groups.id"))
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int] = mapped_column()


class ChangeApprovalStep(Base):
    """A policy step instantiated for one change in one approval round, with its eligible voters frozen."""

    __tablename__ = "change_approval_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id"), index=True)
    round: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column()
    group_id: Mapped[uuid.UUID] = mapped_column()
    group_name: Mapped[str] = mapped_column(sa.String(200))
    quorum_kind: Mapped[str] = mapped_column(sa.String(20))
    quorum_value: Mapped[int] = mapped_column()
    voters: Mapped[list[str]] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.String(20))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChangeApprovalVote(Base):
    """One member's vote on one step; one per member per step."""

    __tablename__ = "change_approval_votes"
    __table_args__ = (sa.UniqueConstraint("step_id", "voter", name="uq_change_approval_votes_step_id_voter"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    step_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("change_approval_steps.id"), index=True)
    change_id: Mapped[uuid.UUID] = mapped_column(index=True)
    voter: Mapped[str] = mapped_column(sa.String(200))
    decision: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
