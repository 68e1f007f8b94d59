"""Skill gaps per skill and week, and the coalesced capacity snapshot published through the outbox."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import SYSTEM_ACTOR
from tandem_shared.contracts.capacity import CapacitySnapshotPublished, SkillOutlook, SkillWeek
from tandem_shared.db import utcnow
from tandem_shared.uow import record_event

from tandem_capacity.availability.service import available_by_person
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import iso_weeks, week_key
from tandem_capacity.bookings.weekly import per_week
from tandem_capacity.demand.skill_gaps import Holder, Request, SkillGap, free_hours_by_skill, skill_gaps
from tandem_capacity.outlook import repository as queries
from tandem_capacity.snapshots.repository import SnapshotRepository

DEFAULT_SNAPSHOT_WEEKS = 26


async def _requests(session: AsyncSession, weeks: list[tuple[str, date]], skill: str | None) -> list[Request]:
    first, last = weeks[0][1], weeks[-1][1] + timedelta(days=6)
    return [Request(skill=r.skill.strip().lower(), min_proficiency=r.min_proficiency,
                    hours={s.week: s.hours for s in per_week(r.start, r.end, r.hours_per_week)})
            for r in await queries.open_role_requests(session, first, last, skill) if r.skill]


async def _holders(session: AsyncSession, weeks: list[tuple[str, date]], skill: str | None):
    people = list(await queries.people_with_skills(session, skill))
    holders = [Holder(p.id, {s.name.strip().lower(): s.proficiency for s in p.skills}) for p in people]
    return people, holders, await available_by_person(session, people, weeks)


async def skill_gap_report(session: AsyncSession, weeks: list[tuple[str, date]],
                           skill: str | None = None) -> list[SkillGap]:
    """Demand against supply per skill per week (the rule is in `demand.skill_gaps.skill_gaps`)."""
    keys = [key for key, _ in weeks]
    _people, holders, available = await _holders(session, weeks, skill)
    booked = await BookingRepository(session).skill_booked_by_week(keys, skill)
    return skill_gaps(weeks, holders, available, booked, await _requests(session, weeks, skill), only=skill)


async def snapshot_figures(session: AsyncSession, first: date, count: int) -> tuple[str, list[SkillOutlook]]:
    """Free hours per skill for `count` ISO weeks from the one holding `first`."""
    weeks = iso_weeks(first, first + timedelta(weeks=count - 1))
    people, holders, available = await _holders(session, weeks, None)
    booked = await BookingRepository(session).booked_by_person_and_week([p.id for p in people], [k for k, _ in weeks])
    outlook = free_hours_by_skill(weeks, holders, available, booked, await _requests(session, weeks, None))
    return weeks[0][0], [
        SkillOutlook(skill=skill, weeks=[SkillWeek(week=r.week, supply_hours=r.supply_hours,
                                                   booked_hours=r.booked_hours, free_hours=r.free_hours,
                                                   requested_hours=r.requested_hours) for r in rows])
        for skill, rows in outlook.items()
    ]


def figures_hash(first_week: str, skills: list[SkillOutlook]) -> str:
    """A digest of the figures (not of when they were made), to publish only what changed."""
    body = json.dumps([first_week, [s.model_dump() for s in skills]], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


async def publish_snapshot_if_changed(session: AsyncSession, *, weeks: int = DEFAULT_SNAPSHOT_WEEKS,
                                      today: date | None = None) -> CapacitySnapshotPublished | None:
    """When marked dirty: clear the mark, and publish the figures if they differ from the last published ones.

    Runs in the caller's transaction, which holds the state row, so replicas take turns and a booking
    committing meanwhile marks it dirty again for the next pass.
    """
    state = await SnapshotRepository(session).claim()
    now = utcnow()
    if state is None:
        return None
    # A new week shifts the window even when no booking changed.
    new_week = state.published_at is not None and week_key(state.published_at.date()) != week_key(now.date())
    if not (state.dirty or new_week):
        return None
    state.dirty = False
    first_week, skills = await snapshot_figures(session, today or now.date(), weeks)
    digest = figures_hash(first_week, skills)
    if digest == state.last_hash:
        return None
    state.sequence += 1
    state.last_hash, state.published_at = digest, now
    snapshot = CapacitySnapshotPublished(sequence=state.sequence, generated_at=now, first_week=first_week,
                                         week_count=weeks, skills=skills)
    await record_event(session, snapshot, actor=SYSTEM_ACTOR)
    return snapshot
