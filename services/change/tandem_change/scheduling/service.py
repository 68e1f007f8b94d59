"""Scheduling use cases: conflict checks, next free windows, the calendar, the bookings and go-lives projections."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_change.cmdb import maintenance
from tandem_change.record.models import Change
from tandem_change.scheduling.conflicts import (
    BLOCKING_STATES,
    Blackout,
    Booking,
    ConflictFacts,
    ConflictKind,
    GoLive,
    OtherChange,
    PlannedChange,
    find_conflicts,
)
from tandem_change.scheduling.models import ChangeConflict, ProjectGoLive
from tandem_change.scheduling.repository import (
    MAX_WALKED_CIS,
    BookingProjection,
    GoLiveProjection,
    ScheduleRepository,
)
from tandem_change.scheduling.windows import Interval, intersect_all, merge, next_windows

SEARCH_HORIZON = timedelta(days=90)
CALENDAR_STATES = ("authorize", "scheduled", "implement", "review", "closed")
KIND_ORDER = {kind.value: i for i, kind in enumerate(ConflictKind)}


class GoLiveSettings(BaseSettings):
    """`TANDEM_CHANGE_GO_LIVE_FREEZE_DAYS`."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_CHANGE_", extra="ignore")

    go_live_freeze_days: float = Field(
        2, ge=0, le=60, description="Days before and after a project's go-live window in which a change to a CI or "
        "business service the go-live touches is reported as a project_go_live conflict.")


@functools.cache
def go_live_freeze() -> timedelta:
    """The freeze around a go-live window, read from the environment once per process.

    Reading settings parses the whole environment (~0.2 ms), and every conflict check asks.
    """
    return timedelta(days=GoLiveSettings().go_live_freeze_days)


@dataclass
class Surroundings:
    """Everything near a change's CIs in a span of time, as the domain wants it."""

    planned: PlannedChange
    facts: ConflictFacts
    # CI id -> maintenance occurrences overlapping the span; absent when the CI has no windows.
    occurrences: dict[uuid.UUID, list[Interval]]


async def _surroundings(session: AsyncSession, change: Change, start: datetime, end: datetime) -> Surroundings:
    """Other changes, blackouts, maintenance occurrences and bookings around the change in [start, end)."""
    repo = ScheduleRepository(session)
    ci_ids: set[uuid.UUID] = set()
    via_of: dict[uuid.UUID, uuid.UUID] = {}
    names: dict[uuid.UUID, str] = {}
    windows = []
    for row in await repo.affected_and_related(change.id):
        names[row.ci_id] = row.name
        if row.via is None:
            ci_ids.add(row.ci_id)
            if row.rrule is not None:
                windows.append(row)
        elif len(via_of) < MAX_WALKED_CIS:
            via_of.setdefault(row.ci_id, row.via)
    for ci_id in ci_ids:
        via_of.pop(ci_id, None)  # a CI both affected and related overlaps as itself

    same_ci: list[OtherChange] = []
    related: list[OtherChange] = []
    blackouts: list[Blackout] = []
    bookings: list[Booking] = []
    go_lives: list[GoLive] = []
    freeze = go_live_freeze()
    for r in await repo.busy_facts(start, end, ci_ids=ci_ids, related_ids=via_of.keys(), change_id=change.id,
                                   assignee_id=change.assignee_id, states=BLOCKING_STATES, go_live_freeze=freeze):
        if r.fact == "change" and r.ci_id in ci_ids:
            same_ci.append(OtherChange(r.id, r.label, r.detail, r.start, r.end, r.ci_id))
        elif r.fact == "change":
            related.append(OtherChange(r.id, r.label, r.detail, r.start, r.end, r.ci_id, via_of[r.ci_id]))
        elif r.fact == "blackout":
            blackouts.append(Blackout(r.id, r.label, r.start, r.end, r.detail, r.ci_id))
            if r.ci_id is not None:
                names[r.ci_id] = r.ci_name
        elif r.fact == "go_live":
            go_lives.append(GoLive(r.id, r.label, r.start, r.end, r.ci_id, r.detail))
            if r.ci_name is not None:
                names[r.ci_id] = r.ci_name
        else:
            bookings.append(Booking(r.id, r.detail, r.label, r.start, r.end, r.hours))
    occurrences: dict[uuid.UUID, list[Interval]] = {}
    for window in windows:
        found = occurrences.setdefault(window.ci_id, [])
        try:
            found += [Interval(s, e) for s, e in maintenance.occurrences(
                window.rrule, window.starts_at, timedelta(minutes=window.duration_minutes), start, end)]
        except ValueError:
            pass  # a rule that no longer parses offers no occurrence: the change is reported outside it
    planned = PlannedChange(change.id, change.planned_start, change.planned_end, frozenset(ci_ids), change.assignee_id)
    facts = ConflictFacts(
        same_ci=same_ci, related_ci=related, blackouts=blackouts, maintenance=occurrences, bookings=bookings,
        ci_names=names, go_lives=go_lives, go_live_freeze=freeze,
    )
    return Surroundings(planned, facts, occurrences)


async def check_conflicts(session: AsyncSession, change: Change) -> list[ChangeConflict]:
    """Find the change's schedule conflicts, store them in place of the previous ones and return them."""
    around = await _surroundings(session, change, change.planned_start, change.planned_end)
    detected_at = datetime.now(UTC)
    rows = [
        ChangeConflict(change_id=change.id, kind=c.kind.value, reason=c.reason, ci_id=c.ci_id,
                       other_change_id=c.other_change_id, blackout_id=c.blackout_id, booking_id=c.booking_id,
                       project_id=c.project_id, detected_at=detected_at)
        for c in find_conflicts(around.planned, around.facts)
    ]
    await ScheduleRepository(session).replace_conflicts(change.id, rows)
    return rows


async def stored_conflicts(session: AsyncSession, change: Change) -> list[ChangeConflict]:
    """The conflicts found by the last check, in the order the check reports them."""
    rows = await ScheduleRepository(session).conflicts(change.id)
    return sorted(rows, key=lambda c: (KIND_ORDER.get(c.kind, 99), c.reason, str(c.id)))


def _ceil_minutes(moment: datetime, minutes: int) -> datetime:
    step = timedelta(minutes=minutes)
    floor = moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % minutes)
    return floor if floor == moment else floor + step


async def suggest_windows(
    session: AsyncSession, change: Change, *, after: datetime | None, count: int,
) -> dict[str, Any]:
    """The next `count` free windows of the change's duration within 90 days of `after`."""
    if after is None:
        # Proposals start on a quarter hour: nobody plans a change for 14:07:31.
        after = _ceil_minutes(max(datetime.now(UTC), change.planned_start), 15)
    until = after + SEARCH_HORIZON
    duration = change.planned_end - change.planned_start
    around = await _surroundings(session, change, after, until)
    facts = around.facts
    own = str(change.id)
    busy = [Interval(o.start, o.end) for o in [*facts.same_ci, *facts.related_ci]]
    busy += [Interval(b.start, b.end) for b in facts.blackouts]
    busy += [Interval(b.start, b.end) for b in facts.bookings if not (b.source == "change" and b.source_id == own)]
    busy += [g.freeze(facts.go_live_freeze) for g in facts.go_lives]
    allowed = intersect_all(list(around.occurrences.values())) if around.occurrences else None
    windows = next_windows(duration=duration, search=Interval(after, until), busy=merge(busy), allowed=allowed,
                           count=count)
    return {"change_id": change.id, "after": after, "until": until,
            "duration_minutes": duration.total_seconds() / 60,
            "uses_maintenance_windows": allowed is not None,
            "windows": [{"start": w.start, "end": w.end} for w in windows]}


async def calendar(
    session: AsyncSession, *, start: datetime, end: datetime, service: uuid.UUID | None, ci: uuid.UUID | None,
    team: str | None, limit: int,
) -> dict[str, Any]:
    """Changes and blackout windows overlapping [start, end), narrowed by service, CI and assignee team."""
    repo = ScheduleRepository(session)
    change_cis: set[uuid.UUID] | None = None
    blackout_cis: set[uuid.UUID] | None = None
    services: set[uuid.UUID] = set()
    services_above: set[uuid.UUID] = set()
    if service is not None:
        # The service's own CI and every CI it depends on (transitively) support it.
        change_cis = {service, *await repo.reachable([service], upward=False)}
        blackout_cis, services = set(), {service}
    if ci is not None:
        change_cis = {ci} if change_cis is None else change_cis & {ci}
        blackout_cis = {ci}
        if service is None:
            services_above = {ci}  # the services the CI supports
    rows = await repo.calendar_changes(start, end, states=CALENDAR_STATES, ci_ids=change_cis, team=team,
                                       limit=limit + 1)
    truncated = len(rows) > limit
    rows = rows[:limit]
    cis = await repo.cis_of_changes([r[0].id for r in rows])
    blackouts = await repo.blackouts(start, end, ci_ids=blackout_cis, service_ids=services,
                                     services_above=services_above)
    return {
        "start": start, "end": end, "truncated": truncated,
        "changes": [{"id": c.id, "title": c.title, "type": c.type, "state": c.state, "planned_start": c.planned_start,
                     "planned_end": c.planned_end, "assignee_id": c.assignee_id, "assignee_name": name,
                     "ci_ids": cis.get(c.id, [])} for c, name in rows],
        "blackouts": [{"id": b.id, "name": b.name, "reason": b.reason, "start": b.start, "end": b.end,
                       "scope": b.scope, "ci_id": b.ci_id} for b in blackouts],
    }


async def record_booking(session: AsyncSession, *, booking_id: uuid.UUID, person_id: uuid.UUID, source: str,
                         source_id: str, start: datetime, end: datetime, hours: float, as_of: datetime) -> None:
    """Remember (or refresh, or move) a booking of capacity's as of the event's time; created and moved alike."""
    await BookingProjection(session).upsert(booking_id, person_id=person_id, source=source, source_id=source_id,
                                            start=start, end=end, hours=hours, as_of=as_of)


async def release_booking(session: AsyncSession, *, booking_id: uuid.UUID, person_id: uuid.UUID, source: str,
                          source_id: str, hours: float, as_of: datetime) -> None:
    """Forget a booking's hours for good (one never seen is remembered released)."""
    await BookingProjection(session).release(booking_id, person_id=person_id, source=source, source_id=source_id,
                                             hours=hours, as_of=as_of)


async def schedule_go_live(session: AsyncSession, *, milestone_id: uuid.UUID, project_id: uuid.UUID, name: str,
                           start: datetime, end: datetime, service_ids: list[uuid.UUID], ci_ids: list[uuid.UUID],
                           as_of: datetime) -> None:
    """Remember (or move) a project's go-live window and what it touches; an older event changes nothing."""
    go_lives = GoLiveProjection(session)
    known = await go_lives.get(milestone_id)
    if known is None:
        known = ProjectGoLive(milestone_id=milestone_id, project_id=project_id, name=name, window_start=start,
                              window_end=end, status="scheduled", as_of=as_of)
        go_lives.add(known)
    elif as_of < known.as_of:
        return
    elif known.status == "canceled":
        return  # its project was terminated: a late announcement does not revive it
    known.project_id, known.name, known.as_of = project_id, name, as_of
    known.window_start, known.window_end = start, end
    await go_lives.replace_targets(milestone_id, [(s, "service") for s in service_ids] + [(c, "ci") for c in ci_ids])


async def go_live_forecast_moved(session: AsyncSession, *, milestone_id: uuid.UUID, name: str, forecast: date,
                                 as_of: datetime) -> None:
    """Keep a go-live's forecast date (shown beside its window; the window moves with go_live_scheduled)."""
    known = await GoLiveProjection(session).get(milestone_id)
    if known is not None and as_of >= known.as_of:
        known.name, known.forecast_date, known.as_of = name, forecast, as_of


async def go_live_completed(session: AsyncSession, *, milestone_id: uuid.UUID, actual: date, as_of: datetime) -> None:
    """The project went live: its freeze no longer applies."""
    known = await GoLiveProjection(session).get(milestone_id)
    if known is not None and known.status == "scheduled":
        known.status, known.forecast_date, known.as_of = "completed", actual, max(as_of, known.as_of)


async def project_ended(session: AsyncSession, *, project_id: uuid.UUID, as_of: datetime) -> None:
    """A terminated project's go-lives will not happen: their freezes no longer apply."""
    for known in await GoLiveProjection(session).of_project(project_id):
        if known.status == "scheduled":
            known.status, known.as_of = "canceled", max(as_of, known.as_of)
