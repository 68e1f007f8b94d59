"""Response bodies of conflicts, next windows and the change calendar."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tandem_change.record.lifecycle import ChangeState, ChangeType
from tandem_change.scheduling.conflicts import ConflictKind


class ConflictRead(BaseModel):
    """A schedule conflict of a change. Conflicts warn; they do not block the change."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "0b6c1f8e-4d0a-4d36-9a1e-3f4b7b0c2d11", "change_id": "5a0f7c1e-2b7d-4f7e-8a31-6c9d4e2f1a00",
        "kind": "ci_overlap", "reason": "CI pay-gw-01 is also changed by 'Patch OS' (…, scheduled) at "
        "2026-12-01 22:00–2026-12-02 01:00 UTC", "ci_id": "9e5d0c2a-7c41-4c7a-b1b0-2f6a3e9d8c77",
        "other_change_id": "c3f1a2b4-5d6e-4f70-8192-a3b4c5d6e7f8", "blackout_id": None, "booking_id": None,
        "project_id": None, "detected_at": "2026-11-22T10:00:00Z"}]})

    id: uuid.UUID
    change_id: uuid.UUID
    kind: ConflictKind = Field(description="ci_overlap, related_ci_overlap, blackout, outside_maintenance_window, "
                               "assignee_booked or project_go_live.")
    reason: str = Field(description="A sentence naming the other change, CI, blackout, booking or project go-live.")
    ci_id: uuid.UUID | None = Field(None, description="The CI concerned (the related CI for related_ci_overlap; "
                                    "the CI or business service a scoped blackout applies to, or a project's "
                                    "go-live touches).")
    other_change_id: uuid.UUID | None = Field(None, description="The change in the way (overlaps).")
    blackout_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = Field(None, description="The capacity booking of the assignee in the way.")
    project_id: uuid.UUID | None = Field(None, description="The portfolio project whose go-live freeze the window "
                                         "falls in (project_go_live).")
    detected_at: datetime


class ConflictList(BaseModel):
    """The conflicts found by the latest check of a change (every create, reschedule, submit or re-check)."""

    change_id: uuid.UUID
    items: list[ConflictRead]


class Window(BaseModel):
    """A span of time [start, end)."""

    start: datetime
    end: datetime


class NextWindowsRead(BaseModel):
    """Free windows of the change's duration, earliest first."""

    change_id: uuid.UUID
    after: datetime = Field(description="Where the search started.")
    until: datetime = Field(description="Where the search stopped (90 days after `after`).")
    duration_minutes: float = Field(description="The change's planned duration.")
    uses_maintenance_windows: bool = Field(
        description="True when the affected CIs have maintenance windows: each window then lies inside an "
        "occurrence of every one of them, one proposal per occurrence.")
    windows: list[Window] = Field(description="Free of overlapping changes on the same and related CIs, blackouts, "
                                  "the assignee's bookings and the freezes of project go-lives touching the CIs.")


class CalendarChange(BaseModel):
    """A change on the calendar."""

    id: uuid.UUID
    title: str
    type: ChangeType
    state: ChangeState = Field(description="authorize (tentative), scheduled, implement, review or closed.")
    planned_start: datetime
    planned_end: datetime
    assignee_id: uuid.UUID | None
    assignee_name: str | None = Field(description="From capacity's people, when known.")
    ci_ids: list[uuid.UUID] = Field(description="The affected CIs.")


class CalendarBlackout(BaseModel):
    """A blackout (change freeze) window on the calendar."""

    id: uuid.UUID
    name: str
    reason: str | None
    start: datetime
    end: datetime
    scope: str = Field(description="global, service or ci.")
    ci_id: uuid.UUID | None = Field(description="The business service or CI of a scoped blackout.")


class CalendarRead(BaseModel):
    """Changes and blackout windows overlapping a range, earliest first."""

    start: datetime = Field(description="The `from` of the request.")
    end: datetime = Field(description="The `to` of the request.")
    truncated: bool = Field(description="True when more changes than `limit` overlap: narrow the range or filter.")
    changes: list[CalendarChange]
    blackouts: list[CalendarBlackout]
