"""Events published by the metrics service on `tandem.metrics`, and the signals other systems send it on
`tandem.signals.inbound`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

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


# --- Inbound signals: sent by ITSM and monitoring tools on `<prefix>.signals.inbound`, consumed by metrics ---
#
# One signal per event, keyed by its external id. The fields are those of a row of the signal APIs
# (POST /metrics/v1/signals/incidents, /outages, /csat) and go through the same ingest: idempotent per
# (source_system, external_id), a signal sent again changed replaces the stored one. Data failing these schemas is
# dead-lettered at once, with the reason, by the consumer.

INBOUND_TOPIC = "signals.inbound"
_EXTERNAL_ID = Field(min_length=1, max_length=200, description="The signal's id in its source system (the key).")
_SOURCE_SYSTEM = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
                       description="The system it comes from, e.g. servicenow; with external_id, its identity.")
_SERVICE_ID = Field(min_length=1, max_length=200, description="The business service (its CMDB id, or the source's).")


class _InboundSignal(EventData):
    """Fields every inbound signal has."""

    subject_field: ClassVar[str] = "external_id"

    external_id: str = _EXTERNAL_ID
    source_system: str = _SOURCE_SYSTEM


@event_type("metrics.signal.incident.v1", topic=INBOUND_TOPIC)
class InboundIncident(_InboundSignal):
    """An incident from an ITSM tool: on a service and/or CIs, with a priority, opened and maybe resolved.

    A known cause (`caused_by_change_id`, `caused_by_project_id`) links it as the source says; otherwise metrics'
    linking rule looks for a change on the same CIs or service shortly before.
    """

    service_id: str | None = Field(None, min_length=1, max_length=200,
                                   description="The business service (its CMDB id, or the source's).")
    ci_id: str | None = Field(None, min_length=1, max_length=200, description="The configuration item affected.")
    ci_ids: list[str] = Field(default_factory=list, max_length=50, description="More CIs affected.")
    priority: Priority
    opened_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    caused_by_change_id: uuid.UUID | None = Field(None, description="The change the source knows caused it.")
    caused_by_project_id: uuid.UUID | None = Field(None, description="The project whose go-live caused it.")

    @model_validator(mode="after")
    def _check(self) -> InboundIncident:
        if not (self.service_id or self.ci_id or self.ci_ids):
            raise ValueError("give service_id or ci_id (or both)")
        if self.resolved_at is not None and self.resolved_at < self.opened_at:
            raise ValueError("resolved_at must not be before opened_at")
        return self


@event_type("metrics.signal.outage.v1", topic=INBOUND_TOPIC)
class InboundOutage(_InboundSignal):
    """An outage of a service from a monitoring tool, from start to end; planned (maintenance) or not."""

    service_id: str = _SERVICE_ID
    start: AwareDatetime
    end: AwareDatetime
    planned: bool = False

    @model_validator(mode="after")
    def _check(self) -> InboundOutage:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


@event_type("metrics.signal.csat.v1", topic=INBOUND_TOPIC)
class InboundCsat(_InboundSignal):
    """A satisfaction response for a service: a score on 1-5 (default) or 0-100, answered at a time or for a period."""

    service_id: str = _SERVICE_ID
    score: float
    scale: Literal["1-5", "0-100"] = Field("1-5", description="1-5 (default) or 0-100 (mapped to 1 + 4 × s / 100).")
    responded_at: AwareDatetime | None = None
    period: str | None = Field(None, pattern=r"^[0-9]{4}-(W[0-9]{2}|[0-9]{2})$",
                               description="An ISO week (2026-W49) or month (2026-12), when no responded_at.")

    @model_validator(mode="after")
    def _check(self) -> InboundCsat:
        low, high = (1, 5) if self.scale == "1-5" else (0, 100)
        if not low <= self.score <= high:
            raise ValueError(f"score must be between {low} and {high} on scale {self.scale}")
        if (self.responded_at is None) == (self.period is None):
            raise ValueError("give responded_at or period (one of them)")
        return self
