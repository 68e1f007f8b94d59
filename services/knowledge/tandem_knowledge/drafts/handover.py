"""The handover runbook Tandem drafts for each service or CI a project delivers when it enters transition (no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

HANDOVER_TAG = "handover"
MAX_TITLE = 200


@dataclass(frozen=True)
class Draft:
    """What an event-written article is created with."""

    title: str
    body: str
    tags: list[str]


@dataclass(frozen=True)
class CIFact:
    """A configuration item as the CMDB projection knows it."""

    id: uuid.UUID
    name: str
    ci_class: str | None = None
    criticality: int | None = None
    environment: str | None = None
    owner_team: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class RelationFact:
    """Source depends on / runs on / connects to target."""

    source: str
    type: str
    target: str


@dataclass(frozen=True)
class WindowFact:
    """A CI's recurring maintenance window."""

    ci: str
    rrule: str
    starts_at: datetime
    duration_minutes: int


@dataclass(frozen=True)
class HandoverFacts:
    """What the handover of one delivered service or CI says."""

    project_id: uuid.UUID
    project_name: str
    subject_kind: str  # service, ci or project (when the project names nothing it touches)
    subject_name: str
    owner: str
    service_owner: str | None
    support_team: str | None
    go_live_date: date | None
    cis: list[CIFact] = field(default_factory=list)
    relationships: list[RelationFact] = field(default_factory=list)
    windows: list[WindowFact] = field(default_factory=list)


def title_of(text: str) -> str:
    """A title that fits the column."""
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def _cell(value: object) -> str:
    return "—" if value is None or value == "" else str(value).replace("|", "\\|")


def handover_draft(facts: HandoverFacts) -> Draft:
    """The handover's title, Markdown body and tags."""
    what = {"service": "service", "ci": "configuration item", "project": "project"}[facts.subject_kind]
    title = title_of(f"Handover: {facts.subject_name} ({facts.project_name})" if facts.subject_kind != "project"
                     else f"Handover: {facts.project_name}")
    cis = "\n".join(
        f"| `{c.name}` | {_cell(c.ci_class)} | {_cell(c.criticality)} | {_cell(c.environment)} | {_cell(c.owner_team)} "
        f"| {_cell(c.status)} |" for c in facts.cis)
    table = ("| CI | class | criticality | environment | owner team | status |\n| --- | --- | --- | --- | --- | --- |\n"
             + cis) if cis else "- none recorded in the CMDB yet"
    relations = "\n".join(f"- `{r.source}` {r.type.replace('_', ' ')} `{r.target}`" for r in facts.relationships) \
        or "- none recorded"
    windows = "\n".join(f"- `{w.ci}`: `{w.rrule}` from {w.starts_at.isoformat()}, {w.duration_minutes} min"
                        for w in facts.windows) or "- none recorded (changes to these CIs have no agreed window)"
    body = f"""# {title}

> Drafted by Tandem because project **{facts.project_name}** (`{facts.project_id}`) entered transition. The delivery
> team and the receiving team complete it together, then send it for review; once published it counts as the
> project's handover documentation for this {what}.

## Receiving team
- Service owner: {facts.service_owner or "not named yet"}
- Support team: {facts.support_team or "not named yet"}
- Go-live: {facts.go_live_date.isoformat() if facts.go_live_date else "not planned yet"}

## Configuration items
{table}

## Relationships
{relations}

## Maintenance windows
{windows}

## How to operate it
_Start, stop and restart; health checks; routine tasks and their schedule._

## Monitoring and alerts
_What is monitored, the thresholds, where alerts go._

## Known issues and workarounds
_What the delivery team learned that operations will meet._

## Escalation and contacts
_Who to call beyond the support team, and the vendor contacts._

## Acceptance
_What the receiving team checked before accepting the handover._
"""
    return Draft(title=title, body=body, tags=[HANDOVER_TAG])
