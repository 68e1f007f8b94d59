"""Events published by the portfolio service on `tandem.portfolio`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from tandem_shared.events import EventData, event_type


class TouchedItem(BaseModel):
    """A business service or configuration item a project touches (change's CMDB owns it; the name as given)."""

    id: str
    name: str | None = None


@event_type("portfolio.project.created.v1")
class ProjectCreated(EventData):
    """A project entered the portfolio: as an idea, or proposed when a pmo entered it so (skipping screening)."""

    id: uuid.UUID
    name: str
    category: str
    stage: str
    sponsor: str | None
    start_date: date | None
    go_live_date: date | None
    created_by: str
    # Who runs it and what it touches, as given at intake (optional: events recorded before they were added).
    project_manager: str | None = None
    service_owner: str | None = None
    support_team: str | None = None
    delivery_team: str | None = None
    services: list[TouchedItem] = Field(default_factory=list, description="Business services it will touch.")
    cis: list[TouchedItem] = Field(default_factory=list, description="Configuration items it will touch.")


class ResourceDemand(BaseModel):
    """Hours per week a project wants for a role over a range of days, for a named person or as an open request."""

    id: uuid.UUID = Field(description="Stable id of this demand line across re-plans.")
    role: str
    skill: str | None = Field(None, description="Skill the role needs, matched against capacity's skills.")
    min_proficiency: int = Field(1, ge=1, le=5)
    person_id: uuid.UUID | None = Field(None, description="A named person; none leaves an open role request.")
    hours_per_week: float = Field(gt=0)
    start: date
    end: date = Field(description="Last day of the demand (inclusive).")
    kind: Literal["soft", "hard"] = Field("soft", description="Soft: planned. Hard: confirmed.")


@event_type("portfolio.project.demand_planned.v1")
class ProjectDemandPlanned(EventData):
    """A project's resource demand was planned or re-planned; `demands` replaces every earlier line."""

    subject_field: ClassVar[str] = "project_id"  # keyed by the project, so it stays ordered with its deferral
    project_id: uuid.UUID
    project_name: str
    demands: list[ResourceDemand]
    planned_by: str


@event_type("portfolio.project.deferred.v1")
class ProjectDeferred(EventData):
    """A project was put on hold; its demand no longer holds capacity."""

    id: uuid.UUID
    reason: str | None
    deferred_by: str


@event_type("portfolio.project.terminated.v1")
class ProjectTerminated(EventData):
    """A project was stopped for good; its demand is released."""

    id: uuid.UUID
    reason: str | None
    terminated_by: str


# Execution: milestones, risks and issues, scope changes and status reports. Keyed by the project, so one
# project's execution events stay in order.

class _ProjectKeyed(EventData):
    """Event data keyed by the project it belongs to."""

    subject_field: ClassVar[str] = "project_id"


@event_type("portfolio.milestone.planned.v1")
class MilestonePlanned(_ProjectKeyed):
    """A milestone was added to a project's plan (baselined at once when `baseline_date` is set)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: Literal["milestone", "go_live"]
    forecast_date: date
    baseline_date: date | None
    planned_by: str


@event_type("portfolio.milestone.forecast_changed.v1")
class MilestoneForecastChanged(_ProjectKeyed):
    """A milestone's forecast date moved; slip counts against the baseline (null before baselining)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: Literal["milestone", "go_live"]
    baseline_date: date | None
    previous_forecast_date: date
    forecast_date: date
    slip_days: int | None = Field(description="Calendar days from baseline to forecast (negative: early).")
    slip_working_days: int | None = Field(description="Monday-Friday days the forecast lies past the baseline.")
    reason: str | None
    changed_by: str


@event_type("portfolio.milestone.baselined.v1")
class MilestoneBaselined(_ProjectKeyed):
    """A milestone's baseline was set, or re-set with a reason (re-baselining)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    baseline_date: date
    previous_baseline_date: date | None
    reason: str | None
    baselined_by: str


@event_type("portfolio.milestone.completed.v1")
class MilestoneCompleted(_ProjectKeyed):
    """A milestone was reached: its baseline, last forecast and actual dates, and the slip (schedule adherence)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: Literal["milestone", "go_live"]
    baseline_date: date | None
    forecast_date: date
    actual_date: date
    slip_days: int | None = Field(description="Calendar days from baseline to actual (negative: early).")
    slip_working_days: int | None = Field(description="Monday-Friday days the actual date lies past the baseline.")
    completed_by: str


@event_type("portfolio.milestone.go_live_scheduled.v1")
class GoLiveScheduled(_ProjectKeyed):
    """A go-live's window, or the services and CIs it touches, was set or changed (change reports conflicts)."""

    project_id: uuid.UUID
    milestone_id: uuid.UUID
    name: str
    window_start: datetime
    window_end: datetime
    service_ids: list[uuid.UUID]
    ci_ids: list[uuid.UUID]
    scheduled_by: str


class _RiskFacts(_ProjectKeyed):
    """What every risk event carries: the risk as it stands after the change."""

    id: uuid.UUID
    project_id: uuid.UUID
    kind: Literal["risk", "issue"]
    title: str
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    score: int = Field(description="probability x impact, 1-25.")
    status: Literal["open", "mitigating", "closed", "occurred"]
    owner: str | None


@event_type("portfolio.risk.raised.v1")
class RiskRaised(_RiskFacts):
    """A risk or issue entered a project's register, by hand or automatically (with the explanation)."""

    source: Literal["manual", "automatic"]
    source_explanation: str | None
    raised_by: str


@event_type("portfolio.risk.updated.v1")
class RiskUpdated(_RiskFacts):
    """A risk or issue changed (`changed` names the fields), short of being closed."""

    changed: list[str]
    updated_by: str


@event_type("portfolio.risk.closed.v1")
class RiskClosed(_RiskFacts):
    """A risk or issue was closed."""

    previous_status: str
    closed_by: str


@event_type("portfolio.project.scope_changed.v1")
class ProjectScopeChanged(_ProjectKeyed):
    """A scope change was approved; the totals cover every approved change of the project (scope stability)."""

    project_id: uuid.UUID
    scope_change_id: uuid.UUID
    description: str
    schedule_impact_days: int
    cost_impact: Decimal
    currency: str | None
    approved_changes: int
    total_cost_impact: Decimal = Field(description="Sum of the absolute cost impacts of the approved changes.")
    approved_by: str


class RagDimension(BaseModel):
    """One dimension of a project's RAG status: the colour shown, the colour the rule computed, and why."""

    dimension: Literal["schedule", "budget", "scope", "resources"]
    colour: Literal["green", "amber", "red"]
    computed_colour: Literal["green", "amber", "red"]
    overridden: bool
    explanation: str
    facts: dict[str, Any] = Field(description="The numbers the rule used.")


class ReportedRisk(BaseModel):
    """A risk as a status report froze it."""

    id: uuid.UUID
    title: str
    kind: Literal["risk", "issue"]
    score: int
    status: str


@event_type("portfolio.project.status_reported.v1")
class ProjectStatusReported(_ProjectKeyed):
    """A weekly status report was filed: every dimension's colour and numbers, frozen."""

    project_id: uuid.UUID
    report_id: uuid.UUID
    week: str = Field(description="ISO week, e.g. `2027-W10`.")
    overall: Literal["green", "amber", "red"]
    dimensions: list[RagDimension]
    open_milestones: int
    top_risks: list[ReportedRisk]
    reported_by: str


# Business cases, realised benefits and scores. Keyed by the project, so a consumer sees one project's plan,
# realised benefits and scores in order.

class PlannedMonth(BaseModel):
    """One month of a business case's plan, in the case's currency."""

    month: str = Field(description="YYYY-MM")
    capex: Decimal
    opex: Decimal
    costs: Decimal = Field(description="capex + opex")
    benefits: Decimal


@event_type("portfolio.project.business_case_updated.v1")
class BusinessCaseUpdated(_ProjectKeyed):
    """A project's business case was set or replaced: totals, figures and the plan per month (replaces the last)."""

    project_id: uuid.UUID
    currency: str = Field(description="ISO 4217 code of every amount here.")
    discount_rate: float = Field(description="Annual, as a fraction (0.08 = 8 %).")
    horizon_start: str = Field(description="Month 0 of the cash flow, YYYY-MM.")
    total_capex: Decimal
    total_opex: Decimal
    total_costs: Decimal
    total_benefits: Decimal
    npv: Decimal = Field(description="Σ CF_t / (1 + i)^t over months t from horizon_start, i the monthly rate.")
    irr: float | None = Field(description="Annual IRR; null when there is none or several (see irr_roots).")
    irr_roots: list[float] = Field(description="Every annual rate found where NPV = 0.")
    irr_ambiguous: bool
    roi: float | None = Field(description="(total_benefits − total_costs) / total_costs; null without costs.")
    payback_months: float | None
    discounted_payback_months: float | None
    months: list[PlannedMonth] = Field(description="Every month from horizon_start to the last planned one.")
    updated_by: str


@event_type("portfolio.project.benefit_realised.v1")
class BenefitRealised(_ProjectKeyed):
    """A benefit was measured after delivery; `cumulative_realised` sums every one so far."""

    project_id: uuid.UUID
    month: str = Field(description="YYYY-MM")
    amount: Decimal
    currency: str
    cumulative_realised: Decimal
    recorded_by: str


@event_type("portfolio.project.scored.v1")
class ProjectScored(_ProjectKeyed):
    """A project's score under a scoring model changed (its inputs, the model or its strategic alignment)."""

    project_id: uuid.UUID
    model_id: uuid.UUID
    model_name: str
    kind: Literal["weighted", "wsjf", "rice"]
    score: float | None = Field(description="Null when the project's inputs no longer give a score.")


# Governance: strategic objectives, project edits and stage changes, stage-gate reviews. Project and gate events are
# keyed by the project, so a project's stage changes and gate decisions stay in order with its other events.

@event_type("portfolio.objective.created.v1")
class ObjectiveCreated(EventData):
    """A strategic objective was defined (owned by the PMO)."""

    id: uuid.UUID
    name: str
    description: str | None
    weight: float = Field(gt=0)
    period_start: date
    period_end: date
    active: bool
    created_by: str


@event_type("portfolio.objective.updated.v1")
class ObjectiveUpdated(EventData):
    """A strategic objective changed; `changed` maps each changed field to its new value."""

    id: uuid.UUID
    changed: dict[str, Any]
    updated_by: str
    version: int


@event_type("portfolio.objective.deleted.v1")
class ObjectiveDeleted(EventData):
    """A strategic objective no project served was deleted."""

    id: uuid.UUID
    name: str
    deleted_by: str


@event_type("portfolio.project.updated.v1")
class ProjectUpdated(EventData):
    """A project's editable fields changed; `changed` maps each changed field (lists whole) to its new value."""

    id: uuid.UUID
    changed: dict[str, Any]
    updated_by: str
    version: int


@event_type("portfolio.project.stage_changed.v1")
class ProjectStageChanged(EventData):
    """A project moved between lifecycle stages: a gate passed, a hold, a resumption or a termination."""

    id: uuid.UUID
    from_stage: str
    to_stage: str
    by: str
    reason: str | None
    gate: str | None = Field(None, description="The gate whose review decided it, if any.")
    at: datetime


class GateCriterionResult(BaseModel):
    """One gate criterion, met or not, and why."""

    name: str
    met: bool
    why: str


class GateVoteSummary(BaseModel):
    """One board member's vote on a gate review."""

    voter: str
    vote: Literal["go", "hold", "recycle", "kill"]
    comment: str | None


@event_type("portfolio.gate.review_opened.v1")
class GateReviewOpened(_ProjectKeyed):
    """A project's review at a stage gate opened: its criteria as evaluated then, and the eligible voters."""

    project_id: uuid.UUID
    review_id: uuid.UUID
    gate: str
    portfolio: str
    from_stage: str
    to_stage: str
    voters: list[str]
    quorum_kind: str
    quorum_value: int
    criteria: list[GateCriterionResult]
    opened_by: str


@event_type("portfolio.gate.vote_cast.v1")
class GateVoteCast(_ProjectKeyed):
    """A gate board member voted; `tally` counts every vote of the review so far."""

    project_id: uuid.UUID
    review_id: uuid.UUID
    gate: str
    voter: str
    vote: Literal["go", "hold", "recycle", "kill"]
    comment: str | None
    tally: dict[str, int]


@event_type("portfolio.gate.decided.v1")
class GateDecided(_ProjectKeyed):
    """A gate review was decided: go passes the gate, hold puts it on hold, recycle keeps its stage, kill ends it."""

    project_id: uuid.UUID
    review_id: uuid.UUID
    gate: str
    decision: Literal["go", "hold", "recycle", "kill"]
    from_stage: str
    to_stage: str
    votes: list[GateVoteSummary]
    tally: dict[str, int]
    criteria: list[GateCriterionResult] = Field(description="Every criterion as evaluated at the decision.")
    decided_by: str = Field(description="Whose vote decided the review.")


# Operations handover: the receiving service owner accepted the project's result (docs/portfolio.md, "Operational
# readiness and handover"). Keyed by the project, after its gate and stage events.

@event_type("portfolio.project.handover_completed.v1")
class HandoverCompleted(_ProjectKeyed):
    """The named service owner accepted the handover; transition time runs from the go-live change's implementation."""

    project_id: uuid.UUID
    service_owner: str
    support_team: str | None
    go_live_change_id: uuid.UUID | None = Field(description="The project's latest successfully implemented change.")
    implemented_at: datetime | None = Field(description="When that change's implementation ended.")
    accepted_at: datetime
    transition_hours: float | None = Field(description="accepted_at − implemented_at in hours; null without a "
                                           "go-live change implemented.")
    services: list[uuid.UUID] = Field(description="Business services the project touches (change's CMDB).")
    cis: list[uuid.UUID] = Field(description="Configuration items the project touches.")
    comment: str | None = None
