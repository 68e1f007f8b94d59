"""The incident linking rule, without I/O.

An incident whose source names a cause (`caused_by_change_id`, `caused_by_project_id`) is linked to it (rule
`source`). Otherwise it is linked to the change implemented most recently before the incident opened, at most
`window_days` (default 3) earlier:

1. `same_ci` — among changes whose affected CIs include one of the incident's CIs (its `ci_id`/`ci_ids`, and its
   `service_id`, since a business service is a CI of the CMDB);
2. else `same_service` — among changes whose impacted business services (from their impact assessment) include the
   incident's service.

Ties (implementations ending at the same instant) go to the change with the most CIs in common, then to the lowest
change id, so a replay links the same way. A change implemented after the incident opened never caused it. The
link's project is the source's, else the change's project (a project go-live's change).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SOURCE, SAME_CI, SAME_SERVICE = "source", "same_ci", "same_service"


@dataclass(frozen=True)
class ChangeCandidate:
    """An implemented change as the rule sees it."""

    change_id: uuid.UUID
    implemented_at: datetime
    affected_cis: frozenset[str]
    services: frozenset[str]
    project_id: uuid.UUID | None = None
    title: str | None = None


@dataclass(frozen=True)
class IncidentFacts:
    """What the rule reads of an incident."""

    opened_at: datetime
    ci_ids: frozenset[str]
    service_id: str | None
    caused_by_change_id: uuid.UUID | None = None
    caused_by_project_id: uuid.UUID | None = None

    @property
    def cis(self) -> frozenset[str]:
        """Its CIs, its service included (a business service is a CI)."""
        return self.ci_ids | ({self.service_id} if self.service_id else set())


@dataclass(frozen=True)
class Link:
    """An incident's cause and why."""

    rule: str
    change_id: uuid.UUID | None
    project_id: uuid.UUID | None
    ci_ids_in_common: tuple[str, ...]
    hours_between: float | None
    window_days: int | None
    explanation: str


def window_of(opened_at: datetime, window_days: int) -> tuple[datetime, datetime]:
    """The implementations that may have caused an incident opened then: [opened_at - window, opened_at]."""
    return opened_at - timedelta(days=window_days), opened_at


def _hours(change: ChangeCandidate, incident: IncidentFacts) -> float:
    return round((incident.opened_at - change.implemented_at).total_seconds() / 3600, 2)


def _best(matches: list[tuple[ChangeCandidate, frozenset[str]]]) -> tuple[ChangeCandidate, frozenset[str]]:
    # Latest implementation first; then most CIs in common; then the lowest id (max of the negated order).
    return max(matches, key=lambda m: (m[0].implemented_at, len(m[1]), [-b for b in m[0].change_id.bytes]))


def link_for(incident: IncidentFacts, candidates: Iterable[ChangeCandidate], window_days: int,
             known: dict[uuid.UUID, ChangeCandidate] | None = None) -> Link | None:
    """The incident's link, or None when neither its source nor the rule names a cause."""
    if incident.caused_by_change_id or incident.caused_by_project_id:
        change = (known or {}).get(incident.caused_by_change_id) if incident.caused_by_change_id else None
        project = incident.caused_by_project_id or (change.project_id if change else None)
        said = (f"change {incident.caused_by_change_id}" if incident.caused_by_change_id else "") + (
            (" and " if incident.caused_by_change_id else "") + f"project {incident.caused_by_project_id}"
            if incident.caused_by_project_id else "")
        return Link(SOURCE, incident.caused_by_change_id, project, (), _hours(change, incident) if change else None,
                    None, f"the source system named {said} as the cause")
    start, end = window_of(incident.opened_at, window_days)
    in_window = [c for c in candidates if start <= c.implemented_at <= end]
    same_ci = [(c, c.affected_cis & incident.cis) for c in in_window if c.affected_cis & incident.cis]
    if same_ci:
        change, common = _best(same_ci)
        return Link(SAME_CI, change.change_id, change.project_id, tuple(sorted(common)), _hours(change, incident),
                    window_days,
                    f"rule same_ci: change {change.change_id} was implemented {_hours(change, incident):g} h before "
                    f"the incident opened (window {window_days} days) on {', '.join(sorted(common))}, which the "
                    f"incident names; it is the latest implementation on a shared CI"
                    + (f" of {len(same_ci)} in the window" if len(same_ci) > 1 else ""))
    if incident.service_id:
        same_service = [(c, c.affected_cis & incident.cis) for c in in_window if incident.service_id in c.services]
        if same_service:
            change, common = _best(same_service)
            return Link(SAME_SERVICE, change.change_id, change.project_id, tuple(sorted(common)),
                        _hours(change, incident), window_days,
                        f"rule same_service: no change in the window shares a CI with the incident; change "
                        f"{change.change_id} was implemented {_hours(change, incident):g} h before it opened (window "
                        f"{window_days} days) and impacts its service {incident.service_id}")
    return None
