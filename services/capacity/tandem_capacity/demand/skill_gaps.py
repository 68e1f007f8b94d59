"""Demand against supply per skill and ISO week (pure): the skill-gap rule and the free hours of the snapshot."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Holder:
    """A person and their skills (lower-cased name → proficiency 1..5)."""

    person_id: uuid.UUID
    skills: dict[str, int]


@dataclass(frozen=True)
class Request:
    """An open role request's hours per week for one skill (lower-cased) at a minimum proficiency."""

    skill: str
    min_proficiency: int
    hours: dict[str, float]


@dataclass(frozen=True)
class SkillGap:
    """Demand against supply of one skill in one ISO week; a positive gap is a shortfall."""

    skill: str
    week: str
    week_start: date
    required_proficiency: int
    booked_hours: float
    requested_hours: float
    supply_hours: float

    @property
    def demand_hours(self) -> float:
        return round(self.booked_hours + self.requested_hours, 2)

    @property
    def gap_hours(self) -> float:
        return round(self.demand_hours - self.supply_hours, 2)


def skill_gaps(
    weeks: list[tuple[str, date]], holders: list[Holder], available: dict[uuid.UUID, dict[str, float]],
    skill_booked: dict[tuple[str, str], float], requests: list[Request], only: str | None = None,
) -> list[SkillGap]:
    """One row per skill with demand in the window (or the one asked for) and per week, by skill then week.

    Demand = hours of active bookings carrying the skill + hours of open role requests for it.
    Required proficiency = the lowest bar among that week's demand: 1 when a booking carries the skill (its
    person was already matched), else the lowest `min_proficiency` of the week's open requests (1 without
    demand). Supply = available hours of the people holding the skill at that proficiency or above.
    """
    keys = {key for key, _ in weeks}
    skills = {s for s, week in skill_booked if week in keys} | {
        r.skill for r in requests if any(week in keys and h > 0 for week, h in r.hours.items())}
    if only is not None:
        skills = {only.strip().lower()}
    requested: dict[tuple[str, str], float] = defaultdict(float)
    bar: dict[tuple[str, str], int] = {}
    for request in requests:
        for week, hours in request.hours.items():
            if week in keys and hours > 0:
                requested[request.skill, week] += hours
                bar[request.skill, week] = min(bar.get((request.skill, week), 5), request.min_proficiency)
    rows = []
    for skill in sorted(skills):
        for key, monday in weeks:
            booked = skill_booked.get((skill, key), 0.0)
            required = 1 if booked > 0 else bar.get((skill, key), 1)
            supply = sum(available.get(h.person_id, {}).get(key, 0.0) for h in holders
                         if h.skills.get(skill, 0) >= required)
            rows.append(SkillGap(skill=skill, week=key, week_start=monday, required_proficiency=required,
                                 booked_hours=round(booked, 2), requested_hours=round(requested[skill, key], 2),
                                 supply_hours=round(supply, 2)))
    return rows


@dataclass(frozen=True)
class FreeHours:
    """Hours of one skill's holders in one week: what they can work, what is booked, what is free."""

    week: str
    supply_hours: float
    booked_hours: float
    free_hours: float
    requested_hours: float


def free_hours_by_skill(
    weeks: list[tuple[str, date]], holders: list[Holder], available: dict[uuid.UUID, dict[str, float]],
    booked: dict[tuple[uuid.UUID, str], float], requests: list[Request],
) -> dict[str, list[FreeHours]]:
    """Per skill (held by someone or requested), per week: holders' supply, booked and free hours (any proficiency).

    A person's free hours in a week are max(0, available − booked over every source); a person with two skills
    counts towards both.
    """
    requested: dict[tuple[str, str], float] = defaultdict(float)
    for request in requests:
        for week, hours in request.hours.items():
            requested[request.skill, week] += hours
    skills = sorted({s for h in holders for s in h.skills} | {r.skill for r in requests})
    result = {}
    for skill in skills:
        owners = [h for h in holders if skill in h.skills]
        rows = []
        for key, _ in weeks:
            supply = sum(available.get(h.person_id, {}).get(key, 0.0) for h in owners)
            taken = sum(booked.get((h.person_id, key), 0.0) for h in owners)
            free = sum(max(0.0, available.get(h.person_id, {}).get(key, 0.0) - booked.get((h.person_id, key), 0.0))
                       for h in owners)
            rows.append(FreeHours(key, round(supply, 2), round(taken, 2), round(free, 2),
                                  round(requested[skill, key], 2)))
        result[skill] = rows
    return result
