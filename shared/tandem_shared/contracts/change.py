"""Events published by the change service on `tandem.change`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from tandem_shared.events import EventData, event_type

ChangeType = Literal["standard", "normal", "emergency"]


@event_type("change.request.created.v1")
class ChangeCreated(EventData):
    """A change request was raised (state new)."""

    id: uuid.UUID
    title: str
    type: ChangeType
    state: str
    requested_by: str
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    affected_cis: list[str]


@event_type("change.request.submitted.v1")
class ChangeSubmitted(EventData):
    """A change left new for assessment or authorisation (standard changes go straight to scheduled)."""

    id: uuid.UUID
    type: ChangeType
    from_state: str
    state: str
    submitted_by: str


@event_type("change.request.approved.v1")
class ChangeApproved(EventData):
    """A change was authorised and is scheduled; capacity books the assignee's effort from this."""

    id: uuid.UUID
    type: ChangeType
    approved_by: str
    pre_authorised: bool
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    state: str
    # Added after the first release (events recorded before it carry none): portfolio's go-live change criterion.
    project_id: uuid.UUID | None = None


@event_type("change.request.rejected.v1")
class ChangeRejected(EventData):
    """A change was rejected and returned to new."""

    id: uuid.UUID
    rejected_by: str
    reason: str | None
    from_state: str
    state: str


@event_type("change.request.canceled.v1")
class ChangeCanceled(EventData):
    """A change was canceled; any booking made for it is released."""

    id: uuid.UUID
    type: ChangeType
    canceled_by: str
    reason: str | None
    from_state: str
    was_approved: bool
    # Added after the first release (events recorded before it carry none): portfolio's go-live change criterion.
    project_id: uuid.UUID | None = None


@event_type("change.request.rescheduled.v1")
class ChangeRescheduled(EventData):
    """A change's planned window (and possibly its assignee or effort) moved.

    When `books_capacity` is true the change was already authorised: capacity moves its booking to the new
    window, assignee and effort.
    """

    id: uuid.UUID
    type: ChangeType
    rescheduled_by: str
    state: str
    books_capacity: bool
    previous_start: datetime
    previous_end: datetime
    planned_start: datetime
    planned_end: datetime
    previous_assignee_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    effort_hours: float
    reason: str | None


RiskLevel = Literal["low", "moderate", "high"]
Outcome = Literal["successful", "successful_with_issues", "failed", "backed_out"]


@event_type("change.request.assessed.v1")
class ChangeAssessed(EventData):
    """A change manager assessed a normal change: its risk is set and the matching approval policy's steps
    are open (state authorize)."""

    id: uuid.UUID
    type: ChangeType
    assessed_by: str
    risk: RiskLevel
    risk_explanation: str
    approval_policy_id: uuid.UUID
    approval_policy: str
    state: str


@event_type("change.approval.vote_cast.v1")
class ApprovalVoteCast(EventData):
    """A member of an approval step's group voted; `step_state` is the step's state after the vote.

    Keyed by the change id, so a change's votes and transitions stay in order.
    """

    subject_field = "change_id"

    id: uuid.UUID
    change_id: uuid.UUID
    step_id: uuid.UUID
    round: int
    step_position: int
    approver_group: str
    voter: str
    decision: Literal["approve", "reject"]
    comment: str | None
    step_state: Literal["waiting", "accepted", "refused"]


@event_type("change.request.scheduled.v1")
class ChangeScheduled(EventData):
    """A change is authorised (or pre-authorised, for standard changes) and scheduled.

    `lead_time_hours` is the time from creation to scheduling; `risk` the risk it was authorised at.
    """

    id: uuid.UUID
    type: ChangeType
    risk: RiskLevel
    assignee_id: uuid.UUID | None
    effort_hours: float
    planned_start: datetime
    planned_end: datetime
    created_at: datetime
    scheduled_at: datetime
    lead_time_hours: float
    state: str


@event_type("change.request.started.v1")
class ChangeStarted(EventData):
    """The implementation of a scheduled change began (state implement)."""

    id: uuid.UUID
    type: ChangeType
    started_by: str
    actual_start: datetime
    state: str


@event_type("change.request.implemented.v1")
class ChangeImplemented(EventData):
    """A change's implementation finished with an outcome (state review); a failed outcome asks for a review."""

    id: uuid.UUID
    type: ChangeType
    outcome: Outcome
    team: str
    assignee_id: uuid.UUID | None
    risk: RiskLevel | None
    affected_cis: list[str]
    project_id: uuid.UUID | None
    actual_start: datetime | None
    actual_end: datetime
    incidents_caused: list[int]
    completed_by: str
    state: str
    # Added after the first release, so events recorded before it carry no title.
    title: str | None = None


@event_type("change.request.closed.v1")
class ChangeClosed(EventData):
    """A change was closed after its review."""

    id: uuid.UUID
    type: ChangeType
    outcome: Outcome | None
    closed_by: str
    closed_at: datetime
    review_notes: str | None
    state: str


@event_type("change.team.success_score_changed.v1")
class TeamSuccessScoreChanged(EventData):
    """A team's change success score moved: one of its changes was implemented, or the incidents linked to one changed
    (keyed by team; `outcome` is the change's, `delta` what moved the score)."""

    subject_field = "team"

    team: str
    score: int
    previous_score: int
    delta: int
    change_id: uuid.UUID
    outcome: Outcome


# --- CMDB: configuration items, relationships, windows, impact ---


@event_type("change.ci.created.v1")
class CICreated(EventData):
    """A configuration item was added to the CMDB (by the API or a bulk import)."""

    id: uuid.UUID
    name: str
    ci_class: str
    criticality: int
    environment: str
    owner_team: str | None
    service_owner: str | None
    min_up: int | None
    status: str
    created_by: str


@event_type("change.ci.updated.v1")
class CIUpdated(EventData):
    """A configuration item changed; `changes` holds the new value of each changed field."""

    id: uuid.UUID
    name: str
    changed_fields: list[str]
    changes: dict[str, str | int | None]
    version: int
    updated_by: str


@event_type("change.ci.retired.v1")
class CIRetired(EventData):
    """A configuration item was retired; its relationships stay for history."""

    id: uuid.UUID
    name: str
    retired_by: str


@event_type("change.ci_relationship.created.v1")
class CIRelationshipCreated(EventData):
    """Source now depends on / runs on / connects to target (impact flows from target to source)."""

    id: uuid.UUID
    source_id: uuid.UUID
    target_id: uuid.UUID
    type: str
    created_by: str


@event_type("change.ci_relationship.deleted.v1")
class CIRelationshipDeleted(EventData):
    """A relationship between two configuration items was removed."""

    id: uuid.UUID
    source_id: uuid.UUID
    target_id: uuid.UUID
    type: str
    deleted_by: str


@event_type("change.maintenance_window.created.v1")
class MaintenanceWindowCreated(EventData):
    """A recurring maintenance window (RFC 5545 RRULE from starts_at) was defined for a CI."""

    id: uuid.UUID
    ci_id: uuid.UUID
    rrule: str
    starts_at: datetime
    duration_minutes: int
    created_by: str


@event_type("change.maintenance_window.deleted.v1")
class MaintenanceWindowDeleted(EventData):
    """A maintenance window was removed from a CI."""

    id: uuid.UUID
    ci_id: uuid.UUID
    deleted_by: str


@event_type("change.blackout_window.created.v1")
class BlackoutWindowCreated(EventData):
    """A blackout window was declared: no change may run in it (globally, on a service, or on a CI)."""

    id: uuid.UUID
    name: str
    start: datetime
    end: datetime
    scope: str
    ci_id: uuid.UUID | None
    created_by: str


@event_type("change.blackout_window.updated.v1")
class BlackoutWindowUpdated(EventData):
    """A blackout window changed (its state after the change)."""

    id: uuid.UUID
    name: str
    start: datetime
    end: datetime
    scope: str
    ci_id: uuid.UUID | None
    version: int
    updated_by: str


@event_type("change.blackout_window.deleted.v1")
class BlackoutWindowDeleted(EventData):
    """A blackout window was removed."""

    id: uuid.UUID
    deleted_by: str


@event_type("change.request.impact_assessed.v1")
class ChangeImpactAssessed(EventData):
    """The impact of a change on the CMDB was (re)computed."""

    id: uuid.UUID
    assessed_by: str
    depth: int
    impacted_count: int
    business_service_count: int
    impacted_business_services: list[uuid.UUID]
    most_critical: int | None
