"""Operational readiness: each fact met or not, why, and since when, from what other services announced; no I/O.

- `cis_registered`: every service and CI the project touches is in change's CMDB and not retired.
- `runbooks_published`: a runbook (handover runbooks included) or known-error article is published for the project,
  or every touched service and CI is documented by one.
- `support_capacity_booked`: run work or on-call (capacity's `operations` bookings) is booked for a member of the
  support team and reaches the go-live date or later.
- `go_live_change_approved`: a change linked to the project is approved (not canceled since) or was implemented
  successfully.

`since` is when the fact became true at its source (the latest of what it needs, the earliest of alternatives).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# The handover runbook knowledge drafts when a project enters transition is kind `handover`: it counts as a runbook.
RUNBOOK_KINDS = frozenset({"runbook", "handover", "known_error"})
SUCCESSFUL = frozenset({"successful", "successful_with_issues"})
RETIRED = "retired"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # orders a fact with no known time first


@dataclass(frozen=True)
class Fact:
    """One readiness fact: met or not, the words a gate board reads, since when, and the details it used."""

    name: str
    met: bool
    why: str
    since: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Touch:
    """A business service or CI the project touches, with the name its submitter saw."""

    id: uuid.UUID
    kind: str  # service or ci
    name: str | None = None

    def label(self, cmdb_name: str | None = None) -> str:
        return f"{'service' if self.kind == 'service' else 'CI'} {cmdb_name or self.name or self.id}"


@dataclass(frozen=True)
class CmdbItem:
    """A CI or business service as change's CMDB announced it."""

    id: uuid.UUID
    name: str
    status: str
    registered_at: datetime
    retired_at: datetime | None = None


def cis_registered(touches: Sequence[Touch], known: Mapping[uuid.UUID, CmdbItem]) -> Fact:
    """Every touched service and CI is known to the CMDB and not retired."""
    name = "cis_registered"
    if not touches:
        return Fact(name, False, "the project lists no service or CI to hand over")
    missing = [t for t in touches if t.id not in known]
    retired = [t for t in touches if t.id in known and known[t.id].status == RETIRED]
    details = {"registered": [str(t.id) for t in touches if t.id in known and t not in retired],
               "missing": [str(t.id) for t in missing], "retired": [str(t.id) for t in retired]}
    if missing or retired:
        words = []
        if missing:
            words.append("not in the CMDB: " + ", ".join(t.label() for t in missing))
        if retired:
            words.append("retired in the CMDB: " + ", ".join(t.label(known[t.id].name) for t in retired))
        return Fact(name, False, "; ".join(words), details=details)
    since = max(known[t.id].registered_at for t in touches)
    return Fact(name, True, f"all {len(touches)} touched service(s) and CI(s) are registered in the CMDB: "
                + ", ".join(t.label(known[t.id].name) for t in touches), since, details)


@dataclass(frozen=True)
class Article:
    """A published knowledge article: its kind, project and the CIs and services it documents (ids as text)."""

    id: uuid.UUID
    title: str
    kind: str
    project_id: uuid.UUID | None
    published_at: datetime
    documents: frozenset[str] = frozenset()


def runbooks_published(project_id: uuid.UUID, touches: Sequence[Touch], articles: Sequence[Article]) -> Fact:
    """A runbook, handover or known error is published for the project, or one documents each touched service and CI."""
    name = "runbooks_published"
    runbooks = [a for a in articles if a.kind in RUNBOOK_KINDS]
    own = sorted((a for a in runbooks if a.project_id == project_id), key=lambda a: (a.published_at, str(a.id)))
    if own:
        return Fact(name, True, f"{own[0].kind.replace('_', ' ')} '{own[0].title}' is published for the project"
                    + (f" (and {len(own) - 1} more)" if len(own) > 1 else ""), own[0].published_at,
                    {"articles": [str(a.id) for a in own]})
    first: dict[uuid.UUID, Article] = {}
    for touch in touches:
        covering = [a for a in runbooks if str(touch.id) in a.documents]
        if covering:
            first[touch.id] = min(covering, key=lambda a: (a.published_at, str(a.id)))
    undocumented = [t for t in touches if t.id not in first]
    details = {"articles": sorted({str(a.id) for a in first.values()}),
               "undocumented": [str(t.id) for t in undocumented]}
    if touches and not undocumented:
        return Fact(name, True, "every touched service and CI is documented by a published runbook, handover or known "
                    "error: " + ", ".join(f"{t.label()} by '{first[t.id].title}'" for t in touches),
                    max(a.published_at for a in first.values()), details)
    words = "no runbook, handover or known-error article is published for the project"
    if undocumented:
        words += "; not documented by one either: " + ", ".join(t.label() for t in undocumented)
    return Fact(name, False, words, details=details)


@dataclass(frozen=True)
class OperationsBooking:
    """A live run work or on-call booking, with the person's name and team as capacity announced them."""

    id: uuid.UUID
    person: str
    team: str | None
    start: datetime
    end: datetime
    hours: float
    booked_at: datetime


def _same_team(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def support_capacity_booked(support_team: str | None, go_live: date | None,
                            bookings: Sequence[OperationsBooking]) -> Fact:
    """Run work or on-call is booked for a member of the support team from the go-live date on."""
    name = "support_capacity_booked"
    if not support_team:
        return Fact(name, False, "no support team is named")
    if go_live is None:
        return Fact(name, False, "the project has no go-live date (a go-live milestone or the go_live_date field)")
    from_day = datetime(go_live.year, go_live.month, go_live.day, tzinfo=UTC)
    team = sorted((b for b in bookings if _same_team(b.team, support_team)), key=lambda b: (b.start, str(b.id)))
    reaching = [b for b in team if b.end > from_day]
    details = {"go_live": go_live.isoformat(), "support_team": support_team,
               "bookings": [str(b.id) for b in reaching]}
    if not reaching:
        words = f"no run work or on-call is booked for {support_team} from the go-live date {go_live}"
        if team:
            words += f"; {len(team)} booking(s) of the team end before it"
        return Fact(name, False, words, details=details)
    listed = ", ".join(f"{b.person} {b.hours:g} h ({b.start:%Y-%m-%d}–{b.end:%Y-%m-%d})" for b in reaching[:5])
    more = f" and {len(reaching) - 5} more" if len(reaching) > 5 else ""
    return Fact(name, True, f"run work or on-call of {support_team} is booked from the go-live date {go_live}: "
                f"{listed}{more}", min(b.booked_at for b in reaching), details)


@dataclass(frozen=True)
class LinkedChange:
    """A change linked to the project, as far as it got."""

    id: uuid.UUID
    state: str  # approved, implemented or canceled
    outcome: str | None = None
    approved_at: datetime | None = None
    implemented_at: datetime | None = None
    canceled_at: datetime | None = None

    @property
    def good(self) -> bool:
        """Approved and still standing, or implemented successfully."""
        return self.state == "approved" or (self.state == "implemented" and self.outcome in SUCCESSFUL)


def go_live_change_approved(changes: Sequence[LinkedChange]) -> Fact:
    """A change linked to the project is approved, or was implemented successfully."""
    name = "go_live_change_approved"
    good = sorted((c for c in changes if c.good), key=lambda c: (c.approved_at or c.implemented_at or EPOCH, str(c.id)))
    details = {"changes": {str(c.id): c.state + (f" ({c.outcome})" if c.outcome else "") for c in changes}}
    if good:
        change = good[0]
        when = change.approved_at or change.implemented_at
        words = (f"change {change.id} is approved" if change.state == "approved"
                 else f"change {change.id} was implemented ({change.outcome})")
        return Fact(name, True, words + (f" since {when:%Y-%m-%d %H:%M} UTC" if when else ""), when, details)
    if not changes:
        return Fact(name, False, "no change linked to the project is approved (link the go-live change to the "
                    "project in change)", details=details)
    return Fact(name, False, "no linked change is approved: " + ", ".join(
        f"{c.id} {'was canceled' if c.state == 'canceled' else f'was implemented ({c.outcome})'}" for c in changes),
        details=details)


def go_live_change(changes: Sequence[LinkedChange]) -> LinkedChange | None:
    """The change that took the project live: the latest implemented successfully, if any."""
    done = [c for c in changes if c.state == "implemented" and c.outcome in SUCCESSFUL and c.implemented_at]
    return max(done, key=lambda c: (c.implemented_at, str(c.id))) if done else None


def transition_hours(implemented_at: datetime | None, accepted_at: datetime) -> float | None:
    """Hours from the go-live change's implementation to the service owner's acceptance (two decimals)."""
    if implemented_at is None:
        return None
    return round((accepted_at - implemented_at).total_seconds() / 3600, 2)
