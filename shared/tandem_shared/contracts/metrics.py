"""Events published by the metrics service on `tandem.metrics`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from tandem_shared.events import EventData, event_type

Priority = Literal["P1", "P2", "P3", "P4"]
Status = Literal["green", "amber", "red"]
LinkRule = Literal["source", "same_ci", "same_service"]


@event_type("metrics.incident.linked.v1")
class IncidentLinked(EventData):
    """An incident was linked to the change (or project) that caused it, by its source system or by the linking rule.

    Keyed by the incident. A link that replaces an earlier one of the same incident (another change, another
    project, or a new priority) names what it replaces in `previous_*`: a consumer undoes that one, then applies this.
    """

    subject_field: ClassVar[str] = "incident_id"

    incident_id: uuid.UUID = Field(description="Metrics' id of the incident.")
    source_system: str = Field(description="The system the incident came from (e.g. servicenow).")
    external_id: str = Field(description="The incident's id in its source system.")
    priority: Priority
    opened_at: datetime
    service_id: str | None
    ci_ids: list[str]
    change_id: uuid.UUID | None = Field(description="The change that caused it; null when only a project is known.")
    project_id: uuid.UUID | None = Field(
        description="The project whose go-live caused it: given by the source, or the linked change's project.")
    rule: LinkRule = Field(description="source: the source system said so; same_ci / same_service: the linking rule.")
    explanation: str = Field(description="Why, in words: the rule, the change, the CIs in common, the hours between.")
    ci_ids_in_common: list[str] = Field(description="CIs the incident and the change share (rule same_ci).")
    hours_between: float | None = Field(description="Hours from the change's implementation to the incident.")
    window_days: int | None = Field(description="The linking window the rule used (null for source links).")
    previous_change_id: uuid.UUID | None = Field(None, description="The change of the link this one replaces.")
    previous_project_id: uuid.UUID | None = Field(None, description="The project of the link this one replaces.")
    previous_priority: Priority | None = Field(
        None, description="The priority of the link this one replaces; null when no earlier link existed.")


@event_type("metrics.incident.unlinked.v1")
class IncidentUnlinked(EventData):
    """An incident no longer has a cause: its source withdrew it and the linking rule finds none; undo the old link."""

    subject_field: ClassVar[str] = "incident_id"

    incident_id: uuid.UUID
    source_system: str
    external_id: str
    previous_change_id: uuid.UUID | None
    previous_project_id: uuid.UUID | None
    previous_priority: Priority
    reason: str


class KpiThresholds(BaseModel):
    """Status boundaries: higher-is-better KPIs are green at or above `green`, amber at or above `amber`, else red;
    lower-is-better KPIs are green at or below `green`, amber at or below `amber`, else red."""

    green: float
    amber: float


@event_type("metrics.kpi.threshold_crossed.v1")
class KpiThresholdCrossed(EventData):
    """A KPI's status for one dimension and kind of period changed colour (once per crossing; keyed by the KPI)."""

    subject_field: ClassVar[str] = "kpi"

    kpi: str
    name: str
    unit: str
    direction: Literal["higher_is_better", "lower_is_better"]
    dimension: str = Field(description="`organisation`, or kind:value such as `team:Platform`, `service:<id>`.")
    granularity: Literal["week", "month", "all"]
    period: str = Field(description="The period the value is of: an ISO week, a month YYYY-MM, or `all`.")
    from_status: Status | None = Field(description="The status before; null when the KPI had no status here yet.")
    to_status: Status
    value: float
    target: float | None
    thresholds: KpiThresholds
