"""Schedule conflicts of a change (ServiceNow's checks), from facts the repository gathered; no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from tandem_change.scheduling.windows import Interval

# Other changes hold their window from the moment approval may land until they are implemented.
BLOCKING_STATES = frozenset({"authorize", "scheduled", "implement"})


class ConflictKind(StrEnum):
    CI_OVERLAP = "ci_overlap"
    RELATED_CI_OVERLAP = "related_ci_overlap"
    BLACKOUT = "blackout"
    OUTSIDE_MAINTENANCE_WINDOW = "outside_maintenance_window"
    ASSIGNEE_BOOKED = "assignee_booked"
    PROJECT_GO_LIVE = "project_go_live"


@dataclass(frozen=True)
class PlannedChange:
    """The change being checked."""

    id: uuid.UUID
    start: datetime
    end: datetime
    ci_ids: frozenset[uuid.UUID]
    assignee_id: uuid.UUID | None = None

    @property
    def window(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class OtherChange:
    """Another change on a CI: `ci_id` is the CI it touches, `via_ci_id` the affected CI it relates to."""

    id: uuid.UUID
    title: str
    state: str
    start: datetime
    end: datetime
    ci_id: uuid.UUID
    via_ci_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Blackout:
    """A blackout window that applies to the change: `ci_id` is the CI or service it is scoped to."""

    id: uuid.UUID
    name: str
    start: datetime
    end: datetime
    scope: str
    ci_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Booking:
    """Hours capacity booked for the assignee."""

    id: uuid.UUID
    source: str
    source_id: str
    start: datetime
    end: datetime
    hours: float


@dataclass(frozen=True)
class GoLive:
    """A project's go-live touching an affected CI (`via` ci) or a business service above one (`via` service)."""

    project_id: uuid.UUID
    name: str
    start: datetime
    end: datetime
    target_id: uuid.UUID
    via: str

    def freeze(self, days: timedelta) -> Interval:
        """The go-live window widened by the freeze on both sides."""
        return Interval(self.start - days, self.end + days)


@dataclass(frozen=True)
class Conflict:
    """One conflict with the sentence a person reads."""

    kind: ConflictKind
    reason: str
    ci_id: uuid.UUID | None = None
    other_change_id: uuid.UUID | None = None
    blackout_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


@dataclass
class ConflictFacts:
    """What the repository found near the change; the domain decides what conflicts."""

    same_ci: Sequence[OtherChange] = ()
    related_ci: Sequence[OtherChange] = ()
    blackouts: Sequence[Blackout] = ()
    # CI id -> the maintenance occurrences near the window; a CI absent here has no maintenance windows.
    maintenance: Mapping[uuid.UUID, Sequence[Interval]] = field(default_factory=dict)
    bookings: Sequence[Booking] = ()
    ci_names: Mapping[uuid.UUID, str] = field(default_factory=dict)
    go_lives: Sequence[GoLive] = ()
    # Days around a go-live's window in which changes to what it touches conflict (TANDEM_CHANGE_GO_LIVE_FREEZE_DAYS).
    go_live_freeze: timedelta = timedelta(0)


def _when(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC"


def _blocks(change: PlannedChange, other: OtherChange) -> bool:
    return other.id != change.id and other.state in BLOCKING_STATES and change.window.overlaps(
        Interval(other.start, other.end))


def find_conflicts(change: PlannedChange, facts: ConflictFacts) -> list[Conflict]:
    """Every conflict of the change's planned window, in a stable order (kind, then time)."""

    def name(ci_id: uuid.UUID | None) -> str:
        return str(ci_id) if ci_id is None else facts.ci_names.get(ci_id, str(ci_id))

    conflicts: list[Conflict] = []
    for other in sorted(facts.same_ci, key=lambda o: (o.start, str(o.id), str(o.ci_id))):
        if other.ci_id in change.ci_ids and _blocks(change, other):
            conflicts.append(Conflict(
                ConflictKind.CI_OVERLAP,
                f"CI {name(other.ci_id)} is also changed by '{other.title}' ({other.id}, {other.state}) "
                f"at {_when(other.start, other.end)}",
                ci_id=other.ci_id, other_change_id=other.id))
    for other in sorted(facts.related_ci, key=lambda o: (o.start, str(o.id), str(o.ci_id))):
        if other.ci_id not in change.ci_ids and _blocks(change, other):
            via = f" (related to affected CI {name(other.via_ci_id)})" if other.via_ci_id else ""
            conflicts.append(Conflict(
                ConflictKind.RELATED_CI_OVERLAP,
                f"related CI {name(other.ci_id)}{via} is changed by '{other.title}' ({other.id}, {other.state}) "
                f"at {_when(other.start, other.end)}",
                ci_id=other.ci_id, other_change_id=other.id))
    for blackout in sorted(facts.blackouts, key=lambda b: (b.start, str(b.id))):
        if change.window.overlaps(Interval(blackout.start, blackout.end)):
            scope = {"global": "global", "ci": f"on CI {name(blackout.ci_id)}",
                     "service": f"on business service {name(blackout.ci_id)}"}.get(blackout.scope, blackout.scope)
            conflicts.append(Conflict(
                ConflictKind.BLACKOUT,
                f"the window falls in blackout '{blackout.name}' ({scope}, {_when(blackout.start, blackout.end)})",
                ci_id=blackout.ci_id, blackout_id=blackout.id))
    for ci_id in sorted(change.ci_ids & facts.maintenance.keys(), key=lambda c: (name(c), str(c))):
        occurrences = facts.maintenance[ci_id]
        if not any(o.contains(change.window) for o in occurrences):
            conflicts.append(Conflict(
                ConflictKind.OUTSIDE_MAINTENANCE_WINDOW,
                f"the window {_when(change.start, change.end)} is outside every maintenance window of CI "
                f"{name(ci_id)}",
                ci_id=ci_id))
    if change.assignee_id is not None:
        for booking in sorted(_foreign(change, facts.bookings), key=lambda b: (b.start, str(b.id))):
            if change.window.overlaps(Interval(booking.start, booking.end)):
                conflicts.append(Conflict(
                    ConflictKind.ASSIGNEE_BOOKED,
                    f"the assignee is already booked {booking.hours:g} h for {booking.source} {booking.source_id} "
                    f"at {_when(booking.start, booking.end)}",
                    booking_id=booking.id))
    freeze_days = facts.go_live_freeze / timedelta(days=1)
    for go_live in sorted(set(facts.go_lives), key=lambda g: (g.start, str(g.project_id), g.name, str(g.target_id))):
        frozen = go_live.freeze(facts.go_live_freeze)
        if change.window.overlaps(frozen):
            what = (f"CI {name(go_live.target_id)}" if go_live.via == "ci"
                    else f"business service {name(go_live.target_id)}")
            conflicts.append(Conflict(
                ConflictKind.PROJECT_GO_LIVE,
                f"{what} is touched by project {go_live.project_id}'s go-live '{go_live.name}' at "
                f"{_when(go_live.start, go_live.end)}; its freeze of {freeze_days:g} day(s) either side runs "
                f"{_when(frozen.start, frozen.end)}",
                ci_id=go_live.target_id, project_id=go_live.project_id))
    return conflicts


def _foreign(change: PlannedChange, bookings: Iterable[Booking]) -> Iterable[Booking]:
    """The bookings that are not this change's own implementer hours."""
    return (b for b in bookings if not (b.source == "change" and b.source_id == str(change.id)))
