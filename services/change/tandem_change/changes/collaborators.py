"""What a change's use cases ask of the other packages: one seam, so unit tests replace them all with one fake."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.quorum import StepState

from tandem_change.approvals import service as approvals
from tandem_change.approvals.models import ApprovalPolicy, ChangeApprovalStep
from tandem_change.cmdb import impact_service
from tandem_change.cmdb import service as cmdb
from tandem_change.record.lifecycle import Outcome
from tandem_change.record.models import Change
from tandem_change.risk import service as risk
from tandem_change.risk.rules import RiskAssessment
from tandem_change.scheduling import service as scheduling
from tandem_change.scores import service as scores
from tandem_change.standard import service as standard
from tandem_change.standard.models import ChangeModel


class Collaborators:
    """The other packages' use cases over the unit's session (`uow.repo(Collaborators)`; a fake in unit tests)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_model(self, model_id: uuid.UUID | None) -> ChangeModel:
        """The active change model a standard change names, or 422 naming model_id."""
        return await standard.active_model(self.session, model_id)

    async def link_affected_cis(self, change: Change, ci_ids: Sequence[uuid.UUID]) -> None:
        """Make these active CIs the change's affected CIs (422 naming unknown or retired ones)."""
        await cmdb.link_affected_cis(self.session, change, ci_ids)

    async def check_conflicts(self, change: Change) -> None:
        """Find and store the change's schedule conflicts (they warn, never block)."""
        await scheduling.check_conflicts(self.session, change)

    async def has_impact(self, change_id: uuid.UUID) -> bool:
        """True once the change's impact was assessed (and found something)."""
        return bool(await impact_service.stored_impact(self.session, change_id))

    async def assess_impact(self, *, actor: Actor, change: Change) -> None:
        """Walk the CMDB from the change's affected CIs and store the impact."""
        await impact_service.assess_impact(self.session, actor=actor, change=change)

    async def assess_risk(self, change: Change, answers: Mapping[str, str] | None) -> RiskAssessment:
        """The change's risk from the active conditions and the questionnaire's answers."""
        return await risk.assess_risk(self.session, change, answers)

    async def open_steps(self, *, change: Change, risk: str | None, excluded_voters: Collection[str]
                         ) -> ApprovalPolicy:
        """Open a new approval round from the matching policy (409 when none matches or a quorum is unreachable)."""
        return await approvals.open_steps(self.session, change=change, risk=risk, excluded_voters=excluded_voters)

    async def current_step(self, change: Change) -> ChangeApprovalStep | None:
        """The open step of the change's current approval round, if any."""
        return await approvals.current_step(self.session, change)

    async def is_approver(self, sub: str, change: Change) -> bool:
        """True when the subject may vote on changes at all (before the change's state is looked at)."""
        return await approvals.is_approver(self.session, sub, change)

    async def record_vote(self, *, actor: Actor, change: Change, step: ChangeApprovalStep, decision: str,
                          comment: str | None) -> StepState:
        """Record a member's vote on the open step and return the step's state."""
        return await approvals.record_vote(self.session, actor=actor, change=change, step=step, decision=decision,
                                           comment=comment)

    async def cancel_open_steps(self, change: Change) -> None:
        """Cancel the pending and waiting steps of the current round."""
        await approvals.cancel_open_steps(self.session, change)

    async def team_of(self, change: Change) -> str:
        """The assignee's team, or 'unassigned'."""
        return await scores.team_of(self.session, change)

    async def apply_outcome(self, *, team: str, change_id: uuid.UUID, outcome: Outcome,
                            incident_priorities: Sequence[int], actor: str) -> None:
        """Move the team's change success score by the outcome and the incidents caused."""
        await scores.apply_outcome(self.session, team=team, change_id=change_id, outcome=outcome,
                                   incident_priorities=incident_priorities, actor=actor)
