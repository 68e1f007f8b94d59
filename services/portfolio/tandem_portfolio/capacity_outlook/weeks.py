"""ISO week labels (`2027-W09`): parse, format, count between and step, no I/O."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEK_PATTERN = r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"
_WEEK = re.compile(WEEK_PATTERN)


def monday(label: str) -> date:
    """The Monday of an ISO week label; ValueError for a malformed one or a week 53 the year lacks."""
    if not _WEEK.match(label):
        raise ValueError(f"{label!r} is not an ISO week such as 2027-W09")
    year, week = label.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def label(day: date) -> str:
    """The ISO week label of a day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def iso_weeks(first_week: str, count: int) -> list[str]:
    """`count` consecutive week labels from `first_week`."""
    start = monday(first_week)
    return [label(start + timedelta(weeks=i)) for i in range(count)]


def weeks_between(first: date, second: date) -> int:
    """Whole weeks from the ISO week of `first` to the ISO week of `second` (negative when earlier)."""
    a = first - timedelta(days=first.weekday())
    b = second - timedelta(days=second.weekday())
    return (b - a).days // 7
