"""Periods of KPI values, without I/O: ISO weeks (Monday 00:00 UTC), calendar months (UTC) and 'all'.

A value is kept per period: `all` (all time), an ISO week `YYYY-Www` and a month `YYYY-MM`. Hours booked per
week belong to the month of the week's Thursday (the ISO rule that gives a week its year), so a week is never split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal

ALL: Literal["all"] = "all"
WEEK: Literal["week"] = "week"
MONTH: Literal["month"] = "month"
Granularity = Literal["week", "month"]
MAX_PERIODS = 104
_ISO_WEEK = re.compile(r"(?P<year>[0-9]{4})-W(?P<week>[0-9]{2})")
_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(when: datetime | date) -> date:
    if isinstance(when, datetime):
        return when.astimezone(UTC).date() if when.tzinfo else when.date()
    return when


# Periods of a day, cached: every consumed event asks for them, and events fall on a few thousand days at most.
@lru_cache(maxsize=8192)
def _week_of_day(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@lru_cache(maxsize=8192)
def _month_of_day(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def week_of(when: datetime | date) -> str:
    """The ISO week of a moment (in UTC) or a day, e.g. 2026-W49."""
    return _week_of_day(_day(when))


def month_of(when: datetime | date) -> str:
    """The month of a moment (in UTC) or a day, e.g. 2026-12."""
    return _month_of_day(_day(when))


@lru_cache(maxsize=8192)
def month_of_week(week: str) -> str:
    """The month of an ISO week's Thursday: 2026-W49 (Mon 30 Nov - Sun 6 Dec) is in 2026-12."""
    year, number = int(week[:4]), int(week[6:8])
    return month_of(date.fromisocalendar(year, number, 4))


def periods_of(when: datetime | date) -> tuple[str, str, str]:
    """The three periods a moment counts in: all, its week and its month."""
    day = _day(when)
    return ALL, _week_of_day(day), _month_of_day(day)


def granularity_of(period: str) -> Literal["week", "month", "all"]:
    """Which kind of period a period string is."""
    if period == ALL:
        return ALL
    return WEEK if "W" in period else MONTH


def check_iso_week(value: str) -> str:
    """The ISO week 'YYYY-Www' unchanged, or ValueError saying what is wrong with it."""
    match = _ISO_WEEK.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO week like 2026-W48")
    try:
        date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
    except ValueError as exc:
        raise ValueError(f"{value} is not a week of {match['year']}") from exc
    return value


def check_month(value: str) -> str:
    """The month 'YYYY-MM' unchanged, or ValueError saying what is wrong with it."""
    match = _MONTH.fullmatch(value)
    if match is None or not 1 <= int(match["month"]) <= 12:
        raise ValueError("must be a month like 2026-11")
    return value


def parse_period(granularity: Granularity, value: str) -> str:
    """A week or month of the granularity from its own form or a day (YYYY-MM-DD); ValueError otherwise."""
    if _DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value} is not a day") from exc
        return week_of(day) if granularity == WEEK else month_of(day)
    return check_iso_week(value) if granularity == WEEK else check_month(value)


def start_of(period: str) -> datetime:
    """The first instant of a week or month, in UTC."""
    if granularity_of(period) == WEEK:
        day = date.fromisocalendar(int(period[:4]), int(period[6:8]), 1)
    else:
        day = date(int(period[:4]), int(period[5:7]), 1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def end_of(period: str) -> datetime:
    """The first instant after a week or month, in UTC."""
    start = start_of(period)
    if granularity_of(period) == WEEK:
        return start + timedelta(days=7)
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def next_period(period: str) -> str:
    """The week or month after this one."""
    following = end_of(period)
    return week_of(following) if granularity_of(period) == WEEK else month_of(following)


def shift(period: str, count: int) -> str:
    """The week or month `count` periods before (negative) or after this one."""
    if granularity_of(period) == WEEK:
        return week_of(start_of(period) + timedelta(days=7 * count))
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + count
    return f"{index // 12}-{index % 12 + 1:02d}"


def between(first: str, last: str) -> list[str]:
    """Every week or month from `first` to `last`, both included (empty when last is before first)."""
    found: list[str] = []
    period = first
    while period <= last and len(found) <= MAX_PERIODS * 10:
        found.append(period)
        period = next_period(period)
    return found


def count_between(first: str, last: str) -> int:
    """How many weeks or months from `first` to `last`, both included (0 when last is before first)."""
    if last < first:
        return 0
    if granularity_of(first) == WEEK:
        return (start_of(last) - start_of(first)).days // 7 + 1
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1


def overlapping(start: datetime, end: datetime, granularity: Granularity) -> list[str]:
    """The weeks or months an interval [start, end) touches."""
    if end <= start:
        return []
    first = week_of(start) if granularity == WEEK else month_of(start)
    last_instant = end - timedelta(microseconds=1)
    last = week_of(last_instant) if granularity == WEEK else month_of(last_instant)
    return between(first, last)


def weeks_in_month(month: str) -> int:
    """How many ISO weeks have their Thursday in the month (4 or 5): the weeks its booked hours come from."""
    start = start_of(month).date()
    end = end_of(month).date()
    return sum(1 for offset in range((end - start).days) if (start + timedelta(days=offset)).isoweekday() == 4)


def distinct(periods: Iterable[str]) -> list[str]:
    """The periods once each, sorted (weeks and months each in time order)."""
    return sorted(set(periods))
