"""Available hours: working schedules minus time off, nothing on public holidays (pure, no I/O).

A person's schedule in force on a day is the latest with `effective_from` on or before that day; before their
first schedule they work `weekly_hours` spread evenly Monday to Friday. Available hours of a day are the
scheduled hours minus time off (never below 0), and 0 on a holiday of the person's location.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = tuple[float, float, float, float, float, float, float]


@dataclass(frozen=True)
class Schedule:
    """Hours per weekday (Monday first) from `effective_from` on."""

    effective_from: date
    hours: WEEK


@dataclass(frozen=True)
class Absence:
    """Time off from `start` to `end` inclusive; `hours_per_day` None means whole days."""

    start: date
    end: date
    hours_per_day: float | None = None


def default_week(weekly_hours: float) -> WEEK:
    """`weekly_hours` spread evenly Monday to Friday."""
    per_day = weekly_hours / 5
    return (per_day, per_day, per_day, per_day, per_day, 0.0, 0.0)


class Calendar:
    """The scheduled hours of one person on any day."""

    def __init__(self, weekly_hours: float, schedules: Iterable[Schedule] = ()) -> None:
        ordered = sorted(schedules, key=lambda s: s.effective_from)
        self.starts = [s.effective_from for s in ordered]
        self.weeks = [default_week(weekly_hours)] + [s.hours for s in ordered]
        self.totals = [round(sum(week), 2) for week in self.weeks]

    def week_in_force(self, day: date) -> WEEK:
        """The weekday hours in force on a day."""
        return self.weeks[bisect.bisect_right(self.starts, day)]

    def scheduled(self, day: date) -> float:
        """Hours scheduled on a day."""
        return self.week_in_force(day)[day.weekday()]

    def week_totals(self, first_monday: date, count: int) -> list[float]:
        """Hours scheduled in `count` consecutive weeks from `first_monday`; constant between schedule changes."""
        totals: list[float] = []
        index = bisect.bisect_right(self.starts, first_monday)
        monday = first_monday
        while len(totals) < count:
            left = count - len(totals)
            if index == len(self.starts):
                totals += [self.totals[index]] * left
                break
            whole = min((self.starts[index] - monday).days // 7, left)
            totals += [self.totals[index]] * whole
            monday += timedelta(weeks=whole)
            if len(totals) == count:
                break
            # A schedule takes effect inside this week: count it day by day.
            totals.append(round(sum(self.scheduled(monday + timedelta(days=i)) for i in range(7)), 2))
            monday += timedelta(weeks=1)
            index = bisect.bisect_right(self.starts, monday - timedelta(days=1))
        return totals


def _off_by_day(absences: Iterable[Absence], first: date, last: date) -> dict[date, float | None]:
    """Hours off per day within [first, last]; None means the whole day; part days add up."""
    off: dict[date, float | None] = {}
    for absence in absences:
        day, end = max(absence.start, first), min(absence.end, last)
        while day <= end:
            so_far = off.get(day, 0.0)
            if absence.hours_per_day is None or so_far is None:
                off[day] = None
            else:
                off[day] = so_far + absence.hours_per_day
            day += timedelta(days=1)
    return off


def weekly_available_list(
    first_monday: date, count: int, calendar: Calendar, absences: Iterable[Absence] = (), holidays: Iterable[date] = (),
) -> list[float]:
    """Available hours of `count` consecutive ISO weeks from `first_monday`, to 2 decimals."""
    last = first_monday + timedelta(weeks=count, days=-1)
    totals = calendar.week_totals(first_monday, count)
    off = _off_by_day(absences, first_monday, last)
    for day in holidays:
        if first_monday <= day <= last:
            off[day] = None
    touched = set()
    starts, weeks = calendar.starts, calendar.weeks
    for day, hours in off.items():
        # calendar.scheduled(day), inlined: this runs for every holiday of every person shown.
        scheduled = weeks[bisect.bisect_right(starts, day) if starts else 0][day.weekday()]
        lost = scheduled if hours is None else min(hours, scheduled)
        index = (day - first_monday).days // 7
        totals[index] -= lost
        touched.add(index)
    for index in touched:
        totals[index] = round(max(totals[index], 0.0), 2)
    return totals


def weekly_available(
    weeks: Sequence[tuple[str, date]], calendar: Calendar, absences: Iterable[Absence] = (),
    holidays: Iterable[date] = (),
) -> dict[str, float]:
    """Available hours per ISO week (consecutive weeks, keyed as given, Mondays given), to 2 decimals."""
    if not weeks:
        return {}
    hours = weekly_available_list(weeks[0][1], len(weeks), calendar, absences, holidays)
    return {key: value for (key, _), value in zip(weeks, hours, strict=True)}
