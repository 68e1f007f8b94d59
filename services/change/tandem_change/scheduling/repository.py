"""Every query of change scheduling: the bookings projection, conflicts and the calendar."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import UTCDateTime

from tandem_change.cmdb.models import BlackoutWindow, ChangeCI, CIRelationship, ConfigurationItem, MaintenanceWindow
from tandem_change.people.models import KnownPerson
from tandem_change.record.models import Change
from tandem_change.scheduling.models import ChangeConflict, KnownBooking, ProjectGoLive, ProjectGoLiveTarget

BUSINESS_SERVICE = "business_service"
# Graph walks stop here: a hub CI (a core switch) must not turn one check into thousands of rows.
MAX_WALKED_CIS = 2_000


class BookingProjection:
    """Capacity's bookings as this service knows them from events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, booking_id: uuid.UUID, *, as_of: datetime, **values: Any) -> None:
        """Insert or refresh a booking as of an event's time; a released one stays released.

        An event older than the one the row reflects (a dead letter replayed late) changes nothing.
        """
        booking = await self.session.get(KnownBooking, booking_id)
        if booking is None:
            self.session.add(KnownBooking(id=booking_id, active=True, as_of=as_of, **values))
        elif booking.as_of is None or as_of >= booking.as_of:
            for key, value in values.items():
                setattr(booking, key, value)
            booking.as_of = as_of

    async def release(self, booking_id: uuid.UUID, *, as_of: datetime, **values: Any) -> None:
        """Mark a booking released; one never seen is remembered released, so its creation cannot revive it."""
        booking = await self.session.get(KnownBooking, booking_id)
        if booking is None:
            # The release carries no window: an empty one at its time (inactive rows never count anyway).
            self.session.add(KnownBooking(id=booking_id, active=False, as_of=as_of, start=as_of, end=as_of, **values))
        else:
            booking.active = False

    async def get(self, booking_id: uuid.UUID) -> KnownBooking | None:
        return await self.session.get(KnownBooking, booking_id)


class GoLiveProjection:
    """Portfolio's go-live milestones as this service knows them from events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, milestone_id: uuid.UUID) -> ProjectGoLive | None:
        return await self.session.get(ProjectGoLive, milestone_id)

    def add(self, go_live: ProjectGoLive) -> None:
        self.session.add(go_live)

    async def replace_targets(self, milestone_id: uuid.UUID, targets: Collection[tuple[uuid.UUID, str]]) -> None:
        """The services and CIs the go-live touches become these (id, kind) pairs."""
        await self.session.flush()  # the go-live row first: targets refer to it
        await self.session.execute(sa.delete(ProjectGoLiveTarget).where(
            ProjectGoLiveTarget.milestone_id == milestone_id))
        if targets:
            await self.session.execute(sa.insert(ProjectGoLiveTarget), [
                {"milestone_id": milestone_id, "target_id": target, "kind": kind} for target, kind in sorted(
                    set(targets), key=lambda t: (str(t[0]), t[1]))])

    async def of_project(self, project_id: uuid.UUID) -> Sequence[ProjectGoLive]:
        stmt = sa.select(ProjectGoLive).where(ProjectGoLive.project_id == project_id)
        return (await self.session.execute(stmt)).scalars().all()


class ScheduleRepository:
    """Changes, CIs and windows around a planned window."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def affected_and_related(self, change_id: uuid.UUID) -> Sequence[Any]:
        """The change's CIs and their neighbours in one round trip (see `_affected_and_related`)."""
        return (await self.session.execute(_AFFECTED_AND_RELATED, {"change_id": change_id})).all()

    async def ci_info(self, ci_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """CI id -> (name, class)."""
        if not ci_ids:
            return {}
        stmt = sa.select(ConfigurationItem.id, ConfigurationItem.name, ConfigurationItem.ci_class).where(
            ConfigurationItem.id.in_(list(ci_ids)))
        return {row.id: (row.name, row.ci_class) for row in await self.session.execute(stmt)}

    async def reachable(
        self, ci_ids: Collection[uuid.UUID], *, upward: bool, max_depth: int = 5,
    ) -> dict[uuid.UUID, str]:
        """CIs reachable from these (upward: their dependents; downward: their providers) -> CI class."""
        if not ci_ids:
            return {}
        walk = _walk(list(ci_ids), upward=upward, max_depth=max_depth)
        stmt = (sa.select(ConfigurationItem.id, ConfigurationItem.ci_class).distinct()
                .join(walk, walk.c.id == ConfigurationItem.id).where(walk.c.depth > 0).limit(MAX_WALKED_CIS))
        return {row.id: row.ci_class for row in await self.session.execute(stmt) if row.id not in set(ci_ids)}

    def _blackouts_stmt(self, columns: Sequence[Any], start: datetime, end: datetime, *,
                        ci_ids: Collection[uuid.UUID] | None, service_ids: Collection[uuid.UUID] = (),
                        services_above: Collection[uuid.UUID] = ()) -> sa.Select[Any]:
        """Blackouts overlapping [start, end) that apply; ConfigurationItem is their CI or service (outer join).

        They apply when global, scoped to one of `ci_ids`, scoped to one of `service_ids`, or scoped to a business
        service that depends (within 5 hops) on one of `services_above`. `ci_ids` None: every blackout.
        """
        stmt = (sa.select(*columns).outerjoin(ConfigurationItem, ConfigurationItem.id == BlackoutWindow.ci_id)
                .where(BlackoutWindow.start < end, BlackoutWindow.end > start))
        if ci_ids is None:
            return stmt
        applies = [BlackoutWindow.scope == "global"]
        if ci_ids:
            applies.append(sa.and_(BlackoutWindow.scope == "ci", BlackoutWindow.ci_id.in_(list(ci_ids))))
        if service_ids:
            applies.append(sa.and_(BlackoutWindow.scope == "service", BlackoutWindow.ci_id.in_(list(service_ids))))
        if services_above:
            walk = _walk(list(services_above), upward=True)
            applies.append(sa.and_(BlackoutWindow.scope == "service", ConfigurationItem.ci_class == BUSINESS_SERVICE,
                                   BlackoutWindow.ci_id.in_(sa.select(walk.c.id))))
        return stmt.where(sa.or_(*applies))

    async def blackouts(
        self, start: datetime, end: datetime, *, ci_ids: Collection[uuid.UUID] | None,
        service_ids: Collection[uuid.UUID] = (), services_above: Collection[uuid.UUID] = (),
    ) -> Sequence[Any]:
        """Blackouts overlapping [start, end) that apply (see `_blackouts_stmt`), with their CI's name."""
        columns = (BlackoutWindow.id, BlackoutWindow.name, BlackoutWindow.reason, BlackoutWindow.start,
                   BlackoutWindow.end, BlackoutWindow.scope, BlackoutWindow.ci_id,
                   ConfigurationItem.name.label("ci_name"))
        stmt = self._blackouts_stmt(columns, start, end, ci_ids=ci_ids, service_ids=service_ids,
                                    services_above=services_above)
        return (await self.session.execute(stmt.order_by(BlackoutWindow.start, BlackoutWindow.id))).all()

    async def busy_facts(
        self, start: datetime, end: datetime, *, ci_ids: Collection[uuid.UUID], related_ids: Collection[uuid.UUID],
        change_id: uuid.UUID, assignee_id: uuid.UUID | None, states: Collection[str],
        go_live_freeze: timedelta = timedelta(0),
    ) -> Sequence[Any]:
        """Everything that may be busy in [start, end) near a change, in one round trip (see `_busy_facts`)."""
        return (await self.session.execute(_BUSY_FACTS, {
            "start": start, "end": end, "ci_ids": list(ci_ids), "near_ids": [*ci_ids, *related_ids],
            "change_id": change_id, "assignee_id": assignee_id, "states": list(states),
            # A go-live's freeze reaches `go_live_freeze` beyond its window: widen the span instead of the window.
            "freeze_start": start - go_live_freeze, "freeze_end": end + go_live_freeze,
        })).all()

    async def replace_conflicts(self, change_id: uuid.UUID, conflicts: Sequence[ChangeConflict]) -> None:
        """Drop the change's stored conflicts and store these instead."""
        await self.session.execute(sa.delete(ChangeConflict).where(ChangeConflict.change_id == change_id))
        self.session.add_all(conflicts)
        await self.session.flush()

    async def conflicts(self, change_id: uuid.UUID) -> Sequence[ChangeConflict]:
        stmt = sa.select(ChangeConflict).where(ChangeConflict.change_id == change_id)
        return (await self.session.execute(stmt)).scalars().all()

    async def calendar_changes(
        self, start: datetime, end: datetime, *, states: Collection[str], ci_ids: Collection[uuid.UUID] | None,
        team: str | None, limit: int,
    ) -> Sequence[Any]:
        """(change, assignee name) of changes overlapping [start, end), by planned start; at most `limit`."""
        stmt = (
            sa.select(Change, KnownPerson.name)
            .outerjoin(KnownPerson, KnownPerson.id == Change.assignee_id)
            .where(Change.state.in_(list(states)), Change.planned_start < end, Change.planned_end > start)
        )
        if ci_ids is not None:
            stmt = stmt.where(Change.id.in_(
                sa.select(ChangeCI.change_id).where(ChangeCI.ci_id.in_(list(ci_ids))).scalar_subquery()))
        if team is not None:
            stmt = stmt.where(KnownPerson.team == team)
        return (await self.session.execute(stmt.order_by(Change.planned_start, Change.id).limit(limit))).all()

    async def cis_of_changes(self, change_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not change_ids:
            return {}
        result: dict[uuid.UUID, list[uuid.UUID]] = {}
        stmt = sa.select(ChangeCI.change_id, ChangeCI.ci_id).where(ChangeCI.change_id.in_(list(change_ids)))
        for change_id, ci_id in await self.session.execute(stmt.order_by(ChangeCI.change_id, ChangeCI.ci_id)):
            result.setdefault(change_id, []).append(ci_id)
        return result


def _walk(start_ids: Any, *, upward: bool, max_depth: int = 5) -> sa.CTE:
    """A recursive CTE (id, depth) of the CIs `start_ids` (a list or a bound parameter) and those reachable from
    them within max_depth hops (upward: their dependents; downward: their providers)."""
    step_from, step_to = ((CIRelationship.target_id, CIRelationship.source_id) if upward
                          else (CIRelationship.source_id, CIRelationship.target_id))
    walk = (sa.select(ConfigurationItem.id.label("id"), sa.literal(0).label("depth"))
            .where(ConfigurationItem.id.in_(start_ids)).cte("walk", recursive=True))
    # UNION (not UNION ALL) drops repeated (id, depth) pairs, so diamonds and cycles stay bounded by depth.
    return walk.union(sa.select(step_to, walk.c.depth + 1).join(walk, step_from == walk.c.id)
                      .where(walk.c.depth < max_depth))


def _affected_and_related() -> sa.CompoundSelect:
    """Rows (ci_id, via, name, ci_class, rrule, starts_at, duration_minutes) for the change :change_id.

    An affected CI has via None and one row per maintenance window (rrule None when it has none); a CI one
    relationship away in either direction has via = the affected CI it is related to.
    """
    change_id = sa.bindparam("change_id", type_=sa.Uuid)
    no_window = (sa.cast(sa.null(), sa.Text).label("rrule"), sa.cast(sa.null(), UTCDateTime()).label("starts_at"),
                 sa.cast(sa.null(), sa.Integer).label("duration_minutes"))
    affected = (sa.select(ChangeCI.ci_id, sa.cast(sa.null(), sa.Uuid).label("via"), ConfigurationItem.name,
                          ConfigurationItem.ci_class, MaintenanceWindow.rrule, MaintenanceWindow.starts_at,
                          MaintenanceWindow.duration_minutes)
                .join(ConfigurationItem, ConfigurationItem.id == ChangeCI.ci_id)
                .outerjoin(MaintenanceWindow, MaintenanceWindow.ci_id == ChangeCI.ci_id)
                .where(ChangeCI.change_id == change_id))
    parents = (sa.select(CIRelationship.target_id, CIRelationship.source_id, ConfigurationItem.name,
                         ConfigurationItem.ci_class, *no_window)
               .join(ChangeCI, ChangeCI.ci_id == CIRelationship.source_id)
               .join(ConfigurationItem, ConfigurationItem.id == CIRelationship.target_id)
               .where(ChangeCI.change_id == change_id))
    children = (sa.select(CIRelationship.source_id, CIRelationship.target_id, ConfigurationItem.name,
                          ConfigurationItem.ci_class, *no_window)
                .join(ChangeCI, ChangeCI.ci_id == CIRelationship.target_id)
                .join(ConfigurationItem, ConfigurationItem.id == CIRelationship.source_id)
                .where(ChangeCI.change_id == change_id))
    return sa.union_all(affected, parents, children)


def _busy_facts() -> sa.Select[Any]:
    """Rows (fact, id, label, detail, start, end, ci_id, ci_name, hours), earliest first, where fact is
    - change: another change in :states on a CI of :near_ids (label title, detail state, ci_id the CI);
    - blackout: a blackout that applies to :ci_ids (global, on one of them, or on a business service that depends
      on them within 5 hops; label name, detail scope, ci_id and ci_name its CI or service);
    - booking: an active booking of :assignee_id (label source_id, detail source, hours);
    - go_live: a scheduled go-live of a project whose window overlaps [:freeze_start, :freeze_end) (the span widened
      by the freeze) and that touches one of :ci_ids, or a business service they support within 5 hops (id the
      project, label the go-live's name, detail how it touches them: ci or service, ci_id the CI or service).
    """
    p = sa.bindparam
    changes = (
        sa.select(sa.literal("change", sa.String).label("fact"), Change.id, Change.title.label("label"),
                  Change.state.label("detail"), Change.planned_start.label("start"), Change.planned_end.label("end"),
                  ChangeCI.ci_id, sa.cast(sa.null(), sa.String).label("ci_name"),
                  sa.cast(sa.null(), sa.Float).label("hours"))
        .join(Change, Change.id == ChangeCI.change_id)
        .where(ChangeCI.ci_id.in_(p("near_ids", expanding=True)), Change.state.in_(p("states", expanding=True)),
               Change.planned_start < p("end"), Change.planned_end > p("start"), Change.id != p("change_id"))
    )
    walk = _walk(p("ci_ids", expanding=True), upward=True)
    blackouts = (
        sa.select(sa.literal("blackout", sa.String), BlackoutWindow.id, BlackoutWindow.name, BlackoutWindow.scope,
                  BlackoutWindow.start, BlackoutWindow.end, BlackoutWindow.ci_id, ConfigurationItem.name,
                  sa.cast(sa.null(), sa.Float))
        .outerjoin(ConfigurationItem, ConfigurationItem.id == BlackoutWindow.ci_id)
        .where(BlackoutWindow.start < p("end"), BlackoutWindow.end > p("start"), sa.or_(
            BlackoutWindow.scope == "global",
            sa.and_(BlackoutWindow.scope == "ci", BlackoutWindow.ci_id.in_(p("ci_ids", expanding=True))),
            sa.and_(BlackoutWindow.scope == "service", ConfigurationItem.ci_class == BUSINESS_SERVICE,
                    BlackoutWindow.ci_id.in_(sa.select(walk.c.id))),
        ))
    )
    bookings = sa.select(
        sa.literal("booking", sa.String), KnownBooking.id, KnownBooking.source_id, KnownBooking.source,
        KnownBooking.start, KnownBooking.end, sa.cast(sa.null(), sa.Uuid), sa.cast(sa.null(), sa.String),
        KnownBooking.hours,
    ).where(KnownBooking.person_id == p("assignee_id"), KnownBooking.active.is_(True),
            KnownBooking.start < p("end"), KnownBooking.end > p("start"))
    go_lives = (
        sa.select(sa.literal("go_live", sa.String), ProjectGoLive.project_id, ProjectGoLive.name,
                  ProjectGoLiveTarget.kind, ProjectGoLive.window_start, ProjectGoLive.window_end,
                  ProjectGoLiveTarget.target_id, ConfigurationItem.name, sa.cast(sa.null(), sa.Float))
        .join(ProjectGoLive, ProjectGoLive.milestone_id == ProjectGoLiveTarget.milestone_id)
        .outerjoin(ConfigurationItem, ConfigurationItem.id == ProjectGoLiveTarget.target_id)
        .where(ProjectGoLive.status == "scheduled", ProjectGoLive.window_start < p("freeze_end"),
               ProjectGoLive.window_end > p("freeze_start"), sa.or_(
                   ProjectGoLiveTarget.target_id.in_(p("ci_ids", expanding=True)),
                   sa.and_(ProjectGoLiveTarget.kind == "service", ProjectGoLiveTarget.target_id.in_(
                       sa.select(walk.c.id))),
               ))
    )
    union = sa.union_all(changes, blackouts, bookings, go_lives).subquery("facts")
    return sa.select(union).order_by(union.c.start, union.c.id)


# Built once with bound parameters: the conflict check runs on every create, reschedule and submit.
_AFFECTED_AND_RELATED = _affected_and_related()
_BUSY_FACTS = _busy_facts()
