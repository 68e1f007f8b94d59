"""The KPI catalogue, without I/O: each KPI's definition, formula, unit, direction, default target and thresholds,
owner, the events it is computed from, its dimensions and its periods.

Values are stored per component (`kpi_values`: component, period, dimension); a KPI's value is its formula over
them (formulas.py). Counters are their own component. Targets and thresholds set by the PMO (`kpi_targets`) override
the defaults here, per KPI and dimension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tandem_metrics.kpis.formulas import Formula, Ratio, Roi, Share, Stored, Uptime, Utilisation

BOTH = ("week", "month")
ORG = ("organisation",)
PORTFOLIO_DIMS = ("organisation", "project", "category")
CHANGE_DIMS = ("organisation", "team", "project", "category")
SERVICE_DIMS = ("organisation", "service")
INCIDENT_DIMS = ("organisation", "service", "team", "project", "category")
PEOPLE_DIMS = ("organisation", "team")
UNITS = {"count", "hours", "ratio", "minutes", "money", "score", "points"}

CHANGE_MANAGER, PMO, SERVICE_OWNER, RESOURCE_MANAGER = "change_manager", "pmo", "service_owner", "resource_manager"
DISRUPTION_WEIGHTS = {"P1": 10, "P2": 5, "P3": 2, "P4": 1}


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


class Area(StrEnum):
    DELIVERY = "delivery"
    OPERATIONS = "operations"
    STRATEGY = "strategy"
    ACTIVITY = "activity"


@dataclass(frozen=True)
class Thresholds:
    """Status boundaries: see `status.status_of` (green at or beyond `green`, amber at or beyond `amber`, else red)."""

    green: float
    amber: float


@dataclass(frozen=True)
class Kpi:
    """One KPI of the catalogue."""

    key: str
    name: str
    unit: str
    direction: Direction
    description: str
    formula_text: str = ""
    formula: Formula | None = None
    area: Area = Area.ACTIVITY
    owner: str = PMO
    events: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ORG
    granularities: tuple[str, ...] = BOTH
    # 'all': the headline value is over all time; 'month': over the current month (rates of a period, e.g. uptime).
    headline: str = "all"
    target: float | None = None
    thresholds: Thresholds | None = None
    # Kept from the first release: the list response carries the stored weekly rows as `series`.
    weekly: bool = False
    ratio_of: tuple[str, str] | None = None
    example: str = ""
    compute: Formula = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        formula = self.formula
        if formula is None:
            formula = (Ratio(*self.ratio_of, empty=0.0) if self.ratio_of else Stored(self.key))
        object.__setattr__(self, "compute", formula)

    @property
    def derived(self) -> bool:
        """Whether the value is computed from other stored values rather than stored itself."""
        return not isinstance(self.compute, Stored) or self.compute.key != self.key

    @property
    def components(self) -> tuple[str, ...]:
        """The stored components the value reads."""
        return self.compute.components

    @property
    def judged(self) -> bool:
        """Whether the KPI can have a status colour (it has a direction)."""
        return self.direction is not Direction.NEUTRAL


def _e(*names: str) -> tuple[str, ...]:
    return names


_CHANGE_CREATED = "change.request.created.v1"
_IMPLEMENTED = "change.request.implemented.v1"
_SCHEDULED = "change.request.scheduled.v1"
_BOOKINGS = _e("capacity.booking.created.v1", "capacity.booking.released.v1", "capacity.booking.moved.v1")
_SIGNAL_INCIDENTS = "POST /metrics/v1/signals/incidents"
_SIGNAL_OUTAGES = "POST /metrics/v1/signals/outages"
_SIGNAL_CSAT = "POST /metrics/v1/signals/csat"

KPIS: dict[str, Kpi] = {k.key: k for k in (
    # --- Change activity (the first release's counters, now also per week, month and dimension) ---
    Kpi("changes_created", "Changes created", "count", Direction.NEUTRAL,
        "Change requests raised: one per change.request.created.v1.", "count of change.request.created.v1",
        owner=CHANGE_MANAGER, events=_e(_CHANGE_CREATED)),
    Kpi("changes_approved", "Changes approved", "count", Direction.NEUTRAL,
        "Changes authorised, pre-authorised standard changes included: one per change.request.approved.v1.",
        "count of change.request.approved.v1", owner=CHANGE_MANAGER, events=_e("change.request.approved.v1")),
    Kpi("changes_canceled", "Changes canceled", "count", Direction.LOWER_IS_BETTER,
        "Changes canceled: one per change.request.canceled.v1.", "count of change.request.canceled.v1",
        owner=CHANGE_MANAGER, events=_e("change.request.canceled.v1")),
    Kpi("emergency_changes", "Emergency changes", "count", Direction.LOWER_IS_BETTER,
        "Change requests raised as type emergency: one per change.request.created.v1 of that type.",
        "count of change.request.created.v1 with type emergency", owner=CHANGE_MANAGER, events=_e(_CHANGE_CREATED)),
    Kpi("emergency_change_ratio", "Emergency change ratio", "ratio", Direction.LOWER_IS_BETTER,
        "emergency_changes / changes_created, computed when read; 0 while no change was created.",
        "emergency_changes / changes_created", area=Area.OPERATIONS, owner=CHANGE_MANAGER,
        events=_e(_CHANGE_CREATED), ratio_of=("emergency_changes", "changes_created"), target=0.05,
        thresholds=Thresholds(green=0.10, amber=0.20),
        example="3 changes raised in 2026-W49, 1 of them emergency: 1 / 3 = 0.333 (red above 0.20)."),
    Kpi("changes_implemented", "Changes implemented", "count", Direction.NEUTRAL,
        "Changes whose implementation finished, whatever the outcome: one per change.request.implemented.v1.",
        "count of change.request.implemented.v1 (period of actual_end)", owner=CHANGE_MANAGER,
        events=_e(_IMPLEMENTED), dimensions=CHANGE_DIMS),
    Kpi("changes_implemented_successfully", "Changes implemented successfully", "count", Direction.HIGHER_IS_BETTER,
        "change.request.implemented.v1 with outcome successful or successful_with_issues.",
        "count of change.request.implemented.v1 with outcome successful or successful_with_issues",
        owner=CHANGE_MANAGER, events=_e(_IMPLEMENTED), dimensions=CHANGE_DIMS),
    Kpi("change_success_rate", "Change success rate", "ratio", Direction.HIGHER_IS_BETTER,
        "changes_implemented_successfully / changes_implemented (successful and successful with issues over "
        "every implemented change), computed when read; 0 while none was implemented.",
        "changes_implemented_successfully / changes_implemented", area=Area.OPERATIONS, owner=CHANGE_MANAGER,
        events=_e(_IMPLEMENTED), dimensions=CHANGE_DIMS,
        ratio_of=("changes_implemented_successfully", "changes_implemented"), target=0.95,
        thresholds=Thresholds(green=0.90, amber=0.80),
        example="Team Platform implemented 4 changes in 2026-12: successful, with issues, failed, backed out: "
                "2 / 4 = 0.5 (red below 0.80)."),
    Kpi("changes_scheduled", "Changes scheduled", "count", Direction.NEUTRAL,
        "Changes authorised (or pre-authorised) and scheduled: one per change.request.scheduled.v1.",
        "count of change.request.scheduled.v1", owner=CHANGE_MANAGER, events=_e(_SCHEDULED)),
    Kpi("change_lead_time_hours", "Change lead time, summed", "hours", Direction.NEUTRAL,
        "Sum over scheduled changes of the hours from creation to scheduling (lead_time_hours of "
        "change.request.scheduled.v1); the numerator of the mean lead time.",
        "Σ lead_time_hours of change.request.scheduled.v1", owner=CHANGE_MANAGER, events=_e(_SCHEDULED)),
    Kpi("change_mean_lead_time_hours", "Mean change lead time", "hours", Direction.LOWER_IS_BETTER,
        "change_lead_time_hours / changes_scheduled: mean hours from a change's creation to its scheduling, "
        "computed when read; 0 while none was scheduled.", "change_lead_time_hours / changes_scheduled",
        owner=CHANGE_MANAGER, events=_e(_SCHEDULED), ratio_of=("change_lead_time_hours", "changes_scheduled")),
    *[Kpi(f"changes_risk_{level}", f"Changes at {level} risk", "count", Direction.NEUTRAL,
          f"Changes scheduled at {level} risk: one per change.request.scheduled.v1 with risk {level} (each "
          "change is scheduled once).", f"count of change.request.scheduled.v1 with risk {level}",
          owner=CHANGE_MANAGER, events=_e(_SCHEDULED)) for level in ("low", "moderate", "high")],
    # --- Capacity ---
    Kpi("change_hours_booked", "Change hours booked", "hours", Direction.NEUTRAL,
        "Implementer hours booked for changes per ISO week: capacity.booking.created.v1 with source change "
        "adds each week's hours, capacity.booking.released.v1 with source change takes them off, "
        "capacity.booking.moved.v1 takes the previous weeks off and adds the new ones; the value is the sum over "
        "all weeks.", "Σ hours of change bookings per week (a month holds the weeks whose Thursday it holds)",
        owner=RESOURCE_MANAGER, events=_BOOKINGS, dimensions=PEOPLE_DIMS, weekly=True),
    Kpi("bookings_rejected", "Bookings capacity rejected", "count", Direction.LOWER_IS_BETTER,
        "Approved changes and project demand lines capacity could not book (a window beyond the planning horizon, "
        "too long or empty, hours out of range): one per capacity.booking.rejected.v1, by the person's team. Each "
        "one is work that was authorised but holds no capacity until someone replans it.",
        "count of capacity.booking.rejected.v1", owner=RESOURCE_MANAGER,
        events=_e("capacity.booking.rejected.v1"), dimensions=PEOPLE_DIMS, headline="month", target=0.0,
        thresholds=Thresholds(green=0.0, amber=2.0),
        example="2 approved changes of team Platform planned beyond the horizon in 2026-W49: 2 (amber)."),
    Kpi("booked_hours_project", "Project hours booked", "hours", Direction.NEUTRAL,
        "Hours booked for projects per ISO week, from capacity's booking events with source project.",
        "Σ hours of project bookings per week", owner=RESOURCE_MANAGER, events=_BOOKINGS, dimensions=PEOPLE_DIMS),
    Kpi("booked_hours_operations", "Operations hours booked", "hours", Direction.NEUTRAL,
        "Hours booked for operational work (run work, on-call) per ISO week, from booking events with source "
        "operations.", "Σ hours of operations bookings per week", owner=RESOURCE_MANAGER, events=_BOOKINGS,
        dimensions=PEOPLE_DIMS),
    Kpi("capacity_weekly_hours", "Available hours per week", "hours", Direction.NEUTRAL,
        "The nominal weekly hours of the people capacity knows (capacity.person.created.v1), the denominator of "
        "utilisation. Time off is not published by capacity, so it is not subtracted.",
        "Σ weekly_hours of capacity.person.created.v1", owner=RESOURCE_MANAGER,
        events=_e("capacity.person.created.v1"), dimensions=PEOPLE_DIMS, granularities=()),
    *[Kpi(f"utilisation_{source}", f"Utilisation by {source} work", "ratio", Direction.NEUTRAL,
          f"Share of the available hours booked for {source} work in a week or month.",
          f"{'change_hours_booked' if source == 'change' else f'booked_hours_{source}'} / (capacity_weekly_hours × "
          "weeks in the period)", area=Area.STRATEGY, owner=RESOURCE_MANAGER,
          events=(*_BOOKINGS, "capacity.person.created.v1"), dimensions=PEOPLE_DIMS, headline="month",
          formula=Utilisation((("change_hours_booked" if source == "change" else f"booked_hours_{source}"),),
                              "capacity_weekly_hours"),
          example=f"Team Platform: 2 people of 40 h; 60 h of {source} bookings in 2026-W49: 60 / 80 = 0.75.")
      for source in ("project", "change", "operations")],
    Kpi("utilisation_total", "Utilisation", "ratio", Direction.NEUTRAL,
        "Share of the available hours booked, every source together.",
        "(booked_hours_project + change_hours_booked + booked_hours_operations) / (capacity_weekly_hours × weeks)",
        area=Area.STRATEGY, owner=RESOURCE_MANAGER, events=(*_BOOKINGS, "capacity.person.created.v1"),
        dimensions=PEOPLE_DIMS, headline="month",
        formula=Utilisation(("booked_hours_project", "change_hours_booked", "booked_hours_operations"),
                            "capacity_weekly_hours"),
        example="80 h available in 2026-W49, 40 h project + 10 h change + 14 h operations: 64 / 80 = 0.8."),
    Kpi("strategic_work_share", "Share of booked hours on projects", "ratio", Direction.HIGHER_IS_BETTER,
        "Project hours over every booked hour: how much of the capacity in use goes to strategic (project) work.",
        "booked_hours_project / (booked_hours_project + change_hours_booked + booked_hours_operations)",
        area=Area.STRATEGY, owner=PMO, events=_BOOKINGS, dimensions=PEOPLE_DIMS, headline="month",
        formula=Share(("booked_hours_project",),
                      ("booked_hours_project", "change_hours_booked", "booked_hours_operations")),
        example="40 h project + 10 h change + 14 h operations: 40 / 64 = 0.625."),
    Kpi("overallocation_episodes", "Over-allocation episodes", "count", Direction.LOWER_IS_BETTER,
        "Episodes of a person booked above 100 % of their available hours: one per "
        "capacity.person.overallocated.v1 (an episode lasting several weeks counts once).",
        "count of capacity.person.overallocated.v1 (period of its first week)", owner=RESOURCE_MANAGER,
        events=_e("capacity.person.overallocated.v1"), dimensions=PEOPLE_DIMS),
    Kpi("people_overallocated", "People over-allocated now", "count", Direction.LOWER_IS_BETTER,
        "Open over-allocation episodes: +1 per capacity.person.overallocated.v1, -1 per "
        "capacity.person.overallocation_cleared.v1 (a person with two separate runs of weeks counts twice).",
        "raised - cleared over-allocation episodes", owner=RESOURCE_MANAGER,
        events=_e("capacity.person.overallocated.v1", "capacity.person.overallocation_cleared.v1"),
        dimensions=PEOPLE_DIMS, granularities=()),
    Kpi("overallocated_people_weeks", "Over-allocated people-weeks", "count", Direction.LOWER_IS_BETTER,
        "Weeks of people booked above 100 %: each over-allocation episode counts one per week from its first to "
        "its last week, on each of those weeks; a cleared episode counts the weeks it had when it cleared.",
        "Σ over episodes of the weeks first_week..last_week", area=Area.STRATEGY, owner=RESOURCE_MANAGER,
        events=_e("capacity.person.overallocated.v1", "capacity.person.overallocation_cleared.v1"),
        dimensions=PEOPLE_DIMS, headline="month", target=0, thresholds=Thresholds(green=0, amber=5),
        example="Ana over-allocated 2027-W01..W03 and Ben 2027-W02: W01 = 1, W02 = 2, W03 = 1; 2027-01 = 4."),
    Kpi("burnout_risk_episodes", "Burnout-risk episodes", "count", Direction.LOWER_IS_BETTER,
        "Episodes of a person booked at 90 % or more for four weeks running: one per "
        "capacity.person.burnout_risk_raised.v1.", "count of capacity.person.burnout_risk_raised.v1",
        owner=RESOURCE_MANAGER, events=_e("capacity.person.burnout_risk_raised.v1"), dimensions=PEOPLE_DIMS),
    Kpi("people_at_burnout_risk", "People at burnout risk now", "count", Direction.LOWER_IS_BETTER,
        "Open burnout-risk episodes: +1 per capacity.person.burnout_risk_raised.v1, -1 per "
        "capacity.person.burnout_risk_cleared.v1.", "raised - cleared burnout-risk episodes",
        owner=RESOURCE_MANAGER,
        events=_e("capacity.person.burnout_risk_raised.v1", "capacity.person.burnout_risk_cleared.v1"),
        dimensions=PEOPLE_DIMS, granularities=()),
    # --- Portfolio activity and delivery ---
    Kpi("projects_created", "Projects created", "count", Direction.NEUTRAL,
        "Projects entering the portfolio: one per portfolio.project.created.v1.",
        "count of portfolio.project.created.v1", events=_e("portfolio.project.created.v1"),
        dimensions=PORTFOLIO_DIMS),
    Kpi("articles_created", "Articles created", "count", Direction.HIGHER_IS_BETTER,
        "Knowledge articles drafted: one per knowledge.article.created.v1.", "count of knowledge.article.created.v1",
        owner="knowledge_editor", events=_e("knowledge.article.created.v1")),
    Kpi("milestones_completed", "Baselined milestones completed", "count", Direction.NEUTRAL,
        "Milestones completed that had a baseline date (those without one cannot be judged on time or late).",
        "count of portfolio.milestone.completed.v1 with a baseline_date (period of actual_date)",
        area=Area.DELIVERY, events=_e("portfolio.milestone.completed.v1"), dimensions=PORTFOLIO_DIMS),
    Kpi("milestones_on_time", "Milestones completed on time", "count", Direction.HIGHER_IS_BETTER,
        "Baselined milestones completed on or before their baseline date.",
        "count of portfolio.milestone.completed.v1 with actual_date <= baseline_date", area=Area.DELIVERY,
        events=_e("portfolio.milestone.completed.v1"), dimensions=PORTFOLIO_DIMS),
    Kpi("schedule_adherence", "Schedule adherence", "ratio", Direction.HIGHER_IS_BETTER,
        "Share of baselined milestones completed on or before their baseline date.",
        "milestones_on_time / milestones_completed", area=Area.DELIVERY,
        events=_e("portfolio.milestone.completed.v1"), dimensions=PORTFOLIO_DIMS,
        formula=Ratio("milestones_on_time", "milestones_completed"), target=0.9,
        thresholds=Thresholds(green=0.85, amber=0.70),
        example="2026-12: 4 baselined milestones completed, 3 on or before their baseline: 3 / 4 = 0.75 (amber)."),
    Kpi("budget_accuracy", "Budget accuracy", "ratio", Direction.HIGHER_IS_BETTER,
        "How close actual cost to date is to planned cost to date, as the weekly status reports froze them "
        "(planned: the business case's monthly costs to date, else the budget spread evenly; actual: entered "
        "costs and labour). Over a week or month: every report filed in it, weighted by its planned cost; over "
        "all time: each project's latest report.",
        "1 - Σ |actual_to_date - planned_to_date| / Σ planned_to_date (floored at 0)", area=Area.DELIVERY,
        events=_e("portfolio.project.status_reported.v1"), dimensions=PORTFOLIO_DIMS,
        formula=Ratio("budget_abs_variance", "budget_planned_to_date", complement=True), target=0.95,
        thresholds=Thresholds(green=0.95, amber=0.85),
        example="Project A planned 100 000, actual 110 000; project B planned 50 000, actual 45 000: "
                "1 - (10 000 + 5 000) / 150 000 = 0.9 (amber)."),
    Kpi("budget_overrun", "Budget overrun", "ratio", Direction.LOWER_IS_BETTER,
        "Actual against planned cost to date, signed: positive over budget, negative under (same reports as "
        "budget accuracy).", "Σ (actual_to_date - planned_to_date) / Σ planned_to_date", area=Area.DELIVERY,
        events=_e("portfolio.project.status_reported.v1"), dimensions=PORTFOLIO_DIMS,
        formula=Ratio("budget_variance", "budget_planned_to_date"),
        example="The example of budget accuracy: (10 000 - 5 000) / 150 000 = 0.033."),
    Kpi("scope_changes_approved", "Approved scope changes", "count", Direction.LOWER_IS_BETTER,
        "Scope changes approved: one per portfolio.project.scope_changed.v1.",
        "count of portfolio.project.scope_changed.v1", area=Area.DELIVERY,
        events=_e("portfolio.project.scope_changed.v1"), dimensions=PORTFOLIO_DIMS),
    Kpi("scope_stability", "Approved scope changes per project", "count", Direction.LOWER_IS_BETTER,
        "Approved scope changes per project: for one project its count; for a category or the organisation, "
        "divided by the projects it holds (projects_created over all time).",
        "scope_changes_approved / projects_created (all time)", area=Area.DELIVERY,
        events=_e("portfolio.project.scope_changed.v1", "portfolio.project.created.v1"), dimensions=PORTFOLIO_DIMS,
        formula=Ratio("scope_changes_approved", "projects_created", denominator_all=True), target=1,
        thresholds=Thresholds(green=2, amber=5),
        example="4 projects, 6 approved scope changes in all: 6 / 4 = 1.5 per project (green up to 2)."),
    Kpi("handovers_completed", "Operations handovers completed", "count", Direction.NEUTRAL,
        "Projects whose results operations accepted: one per portfolio.project.handover_completed.v1.",
        "count of portfolio.project.handover_completed.v1 (period of accepted_at)", area=Area.DELIVERY,
        events=_e("portfolio.project.handover_completed.v1"), dimensions=PORTFOLIO_DIMS),
    Kpi("transition_time_hours", "Project-to-operations transition time", "hours", Direction.LOWER_IS_BETTER,
        "Mean hours from the go-live change's implementation to the service owner's acceptance of the handover "
        "(handovers without an implemented go-live change have no transition time and are left out).",
        "Σ transition_hours / handovers with a transition time", area=Area.STRATEGY,
        events=_e("portfolio.project.handover_completed.v1"), dimensions=PORTFOLIO_DIMS,
        formula=Ratio("transition_hours", "handovers_timed"), target=72, thresholds=Thresholds(green=120, amber=240),
        example="Two handovers in 2027-03 after 48 h and 150 h: (48 + 150) / 2 = 99 h (green up to 120 h)."),
    # --- Strategy: value ---
    Kpi("benefits_planned", "Benefits planned", "money", Direction.NEUTRAL,
        "Benefits the business cases plan per month (portfolio.project.business_case_updated.v1; a new business "
        "case replaces the project's whole plan).", "Σ months[].benefits of each project's latest business case",
        area=Area.STRATEGY, events=_e("portfolio.project.business_case_updated.v1"), dimensions=PORTFOLIO_DIMS,
        granularities=("month",)),
    Kpi("benefits_realised", "Benefits realised", "money", Direction.HIGHER_IS_BETTER,
        "Benefits measured after delivery per month (portfolio.project.benefit_realised.v1).",
        "Σ amount of portfolio.project.benefit_realised.v1 (period: its month)", area=Area.STRATEGY,
        events=_e("portfolio.project.benefit_realised.v1"), dimensions=PORTFOLIO_DIMS, granularities=("month",)),
    Kpi("value_realisation", "Value realised against planned", "ratio", Direction.HIGHER_IS_BETTER,
        "Realised benefits over planned benefits: per month, that month's; over all time, everything realised "
        "over every planned benefit (the share of the planned value realised so far).",
        "benefits_realised / benefits_planned", area=Area.STRATEGY,
        events=_e("portfolio.project.benefit_realised.v1", "portfolio.project.business_case_updated.v1"),
        dimensions=PORTFOLIO_DIMS, granularities=("month",),
        formula=Ratio("benefits_realised", "benefits_planned"), target=1.0, thresholds=Thresholds(0.9, 0.7),
        example="2027-06 planned 20 000, realised 15 000: 0.75 (amber)."),
    Kpi("project_roi_planned", "Planned ROI", "ratio", Direction.HIGHER_IS_BETTER,
        "The business cases' return on investment: planned benefits against planned costs.",
        "(Σ total_benefits - Σ total_costs) / Σ total_costs of the latest business cases", area=Area.STRATEGY,
        events=_e("portfolio.project.business_case_updated.v1"), dimensions=PORTFOLIO_DIMS, granularities=(),
        formula=Roi("business_case_benefits", "business_case_costs"),
        example="Costs 100 000, benefits 150 000: (150 000 - 100 000) / 100 000 = 0.5."),
    Kpi("project_roi_realised", "Realised ROI", "ratio", Direction.HIGHER_IS_BETTER,
        "Return on investment so far: benefits realised against the business cases' planned costs.",
        "(Σ benefits realised - Σ total_costs) / Σ total_costs", area=Area.STRATEGY,
        events=_e("portfolio.project.benefit_realised.v1", "portfolio.project.business_case_updated.v1"),
        dimensions=PORTFOLIO_DIMS, granularities=(),
        formula=Roi("benefits_realised", "business_case_costs"),
        example="Costs 100 000, 40 000 realised so far: (40 000 - 100 000) / 100 000 = -0.6."),
    # --- Operations: service signals ---
    Kpi("service_uptime", "Service uptime", "ratio", Direction.HIGHER_IS_BETTER,
        "Share of the committed service hours without unplanned outage. Outages come from the signal API; "
        "overlapping outages are merged, a minute both planned and unplanned counts as planned, and only minutes "
        "within the service's committed hours count. The organisation's uptime pools every monitored service's "
        "minutes.", "1 - unplanned downtime minutes / committed minutes of the period", area=Area.OPERATIONS,
        owner=SERVICE_OWNER, events=_e(_SIGNAL_OUTAGES), dimensions=SERVICE_DIMS, headline="month",
        formula=Uptime("service_downtime_unplanned_minutes"), target=0.999,
        thresholds=Thresholds(green=0.999, amber=0.99),
        example="Weekdays 08:00-18:00 UTC: 3 000 committed minutes in 2026-W49; unplanned outages Tue 07:00-09:00 "
                "and 08:30-10:00 merge to 07:00-10:00, of which 120 minutes in hours: 1 - 120 / 3 000 = 0.96."),
    Kpi("service_downtime_unplanned_minutes", "Unplanned downtime", "minutes", Direction.LOWER_IS_BETTER,
        "Minutes of unplanned outage within committed service hours (overlaps merged).",
        "Σ merged unplanned outage minutes within service hours", area=Area.OPERATIONS, owner=SERVICE_OWNER,
        events=_e(_SIGNAL_OUTAGES), dimensions=SERVICE_DIMS, headline="month"),
    Kpi("service_downtime_planned_minutes", "Planned downtime", "minutes", Direction.NEUTRAL,
        "Minutes of planned outage (maintenance) within committed service hours (overlaps merged).",
        "Σ merged planned outage minutes within service hours", area=Area.OPERATIONS, owner=SERVICE_OWNER,
        events=_e(_SIGNAL_OUTAGES), dimensions=SERVICE_DIMS, headline="month"),
    Kpi("csat_average", "Customer satisfaction", "score", Direction.HIGHER_IS_BETTER,
        "Mean satisfaction score on a 1-5 scale (0-100 answers are mapped: 1 + 4 × score / 100).",
        "Σ scores / responses", area=Area.OPERATIONS, owner=SERVICE_OWNER, events=_e(_SIGNAL_CSAT),
        dimensions=SERVICE_DIMS, formula=Ratio("csat_score_sum", "csat_responses"), target=4.5,
        thresholds=Thresholds(green=4.2, amber=3.5),
        example="Responses 5, 4, 2 and 75/100 (= 4): (5 + 4 + 2 + 4) / 4 = 3.75 (amber)."),
    Kpi("csat_responses", "Satisfaction responses", "count", Direction.NEUTRAL,
        "Satisfaction responses received through the signal API.", "count of CSAT signals",
        area=Area.OPERATIONS, owner=SERVICE_OWNER, events=_e(_SIGNAL_CSAT), dimensions=SERVICE_DIMS),
    Kpi("incidents_opened", "Incidents", "count", Direction.LOWER_IS_BETTER,
        "Incidents reported through the signal API (period of opened_at).", "count of incident signals",
        area=Area.OPERATIONS, owner=SERVICE_OWNER, events=_e(_SIGNAL_INCIDENTS), dimensions=INCIDENT_DIMS,
        headline="month"),
    Kpi("incidents_caused_by_changes", "Incidents caused by changes", "count", Direction.LOWER_IS_BETTER,
        "Incidents linked to a change, by their source or by the linking rule.",
        "count of incidents with a linked change", area=Area.OPERATIONS, owner=CHANGE_MANAGER,
        events=_e(_SIGNAL_INCIDENTS, _IMPLEMENTED), dimensions=INCIDENT_DIMS, headline="month"),
    Kpi("incidents_caused_by_projects", "Incidents caused by project go-lives", "count", Direction.LOWER_IS_BETTER,
        "Incidents linked to a project: named by their source, or through a linked change of the project.",
        "count of incidents with a linked project", area=Area.OPERATIONS, owner=PMO,
        events=_e(_SIGNAL_INCIDENTS, _IMPLEMENTED), dimensions=INCIDENT_DIMS, headline="month"),
    Kpi("implementation_disruption", "Implementation-caused disruption", "points", Direction.LOWER_IS_BETTER,
        "Incidents caused by changes or project go-lives, weighted by priority: P1 = 10, P2 = 5, P3 = 2, P4 = 1 "
        "(an incident caused by a change of a project counts once).",
        "Σ weight(priority) over incidents with a linked change or project", area=Area.OPERATIONS,
        owner=CHANGE_MANAGER, events=_e(_SIGNAL_INCIDENTS, _IMPLEMENTED), dimensions=INCIDENT_DIMS,
        headline="month", target=0, thresholds=Thresholds(green=5, amber=20),
        example="2026-12: a P1 and a P3 caused by changes, a P2 by a go-live, a P1 caused by nothing: "
                "10 + 2 + 5 = 17 points (amber)."),
    Kpi("mean_time_to_resolve_hours", "Mean time to resolve", "hours", Direction.LOWER_IS_BETTER,
        "Mean hours from opening to resolution of the incidents resolved (period of opened_at).",
        "Σ (resolved_at - opened_at) / incidents resolved", area=Area.OPERATIONS, owner=SERVICE_OWNER,
        events=_e(_SIGNAL_INCIDENTS), dimensions=INCIDENT_DIMS,
        formula=Ratio("incident_resolution_hours", "incidents_resolved"), target=8,
        thresholds=Thresholds(green=8, amber=24),
        example="Three incidents resolved after 2, 4 and 30 hours: 36 / 3 = 12 h (amber)."),
)}

# Stored values no KPI shows by itself, only through a formula.
COMPONENTS: dict[str, str] = {
    "budget_planned_to_date": "Σ planned_to_date of the status reports (money)",
    "budget_abs_variance": "Σ |actual_to_date - planned_to_date| of the status reports (money)",
    "budget_variance": "Σ (actual_to_date - planned_to_date) of the status reports (money)",
    "transition_hours": "Σ transition_hours of the handovers that have one",
    "handovers_timed": "handovers with a transition time",
    "business_case_costs": "Σ total_costs of the projects' latest business cases (money, all time only)",
    "business_case_benefits": "Σ total_benefits of the projects' latest business cases (money, all time only)",
    "csat_score_sum": "Σ satisfaction scores on the 1-5 scale",
    "incident_resolution_hours": "Σ hours from opening to resolution of resolved incidents",
    "incidents_resolved": "incidents with a resolution time",
}


def kpis_reading(component: str) -> list[Kpi]:
    """The KPIs whose value reads a stored component."""
    return _READERS.get(component, [])


_READERS: dict[str, list[Kpi]] = {}
for _kpi in KPIS.values():
    for _component in _kpi.components:
        _READERS.setdefault(_component, []).append(_kpi)
