"""Service hours and downtime, without I/O: when a service is committed to run, and how much of it outages took.

A schedule is 24x7, or weekly windows (days, start and end in local time) in an IANA time zone: `weekdays 08:00-18:00
Europe/Paris` commits 10 hours each Monday to Friday, following daylight saving time. Uptime over a period is
1 - unplanned downtime / committed minutes, where the downtime counts only within the committed hours:

- outages are merged first, planned with planned and unplanned with unplanned, so two monitors reporting the same
  outage (or overlapping ones) count its minutes once;
- a minute both planned and unplanned counts as planned (agreed maintenance does not count against uptime);
- what remains is cut to the service hours of the period.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tandem_metrics.periods import end_of, start_of

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"(?P<h>[0-9]{2}):(?P<m>[0-9]{2})")
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Window:
    """Committed hours on some weekdays (0 = Monday): from `start` to `end` minutes after local midnight."""

    days: tuple[int, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Schedule:
    """A service's committed hours: always (24x7), or weekly windows in a time zone."""

    timezone: str = "UTC"
    windows: tuple[Window, ...] = ()

    @property
    def always(self) -> bool:
        return not self.windows

    def describe(self) -> str:
        """In words, e.g. `mon-fri 08:00-18:00 Europe/Paris`."""
        if self.always:
            return "24x7"
        return "; ".join(f"{','.join(DAYS[d] for d in w.days)} {_clock(w.start)}-{_clock(w.end)}"
                         for w in self.windows) + f" {self.timezone}"

    def as_json(self) -> dict[str, Any]:
        """The JSON form of the API."""
        return {"timezone": self.timezone, "windows": [
            {"days": [DAYS[d] for d in w.days], "start": _clock(w.start), "end": _clock(w.end)} for w in self.windows]}

    def stored(self) -> str:
        """The stored form: canonical JSON text, equal for equal schedules."""
        return json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))


ALWAYS = Schedule()


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(value: str, *, end: bool = False) -> int:
    """Minutes after midnight of HH:MM (24:00 only as an end); ValueError otherwise."""
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise ValueError("must be a time like 08:00")
    hours, minutes = int(match["h"]), int(match["m"])
    total = hours * 60 + minutes
    if minutes > 59 or total > (24 * 60 if end else 24 * 60 - 1):
        raise ValueError(f"{value} is not a time of day" + (" (24:00 is the latest end)" if end else ""))
    return total


def check_timezone(name: str) -> str:
    """The IANA time zone name unchanged, or ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Paris") from exc
    return name


def schedule_from_json(stored: dict[str, Any] | str | None) -> Schedule:
    """The schedule of its JSON or stored form (None: 24x7)."""
    data: dict[str, Any] = json.loads(stored) if isinstance(stored, str) else (stored or {})
    if not data.get("windows"):
        return Schedule(timezone=data.get("timezone", "UTC"))
    return Schedule(timezone=data["timezone"], windows=tuple(
        Window(tuple(DAYS.index(d) for d in w["days"]), parse_clock(w["start"]), parse_clock(w["end"], end=True))
        for w in data["windows"]))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals as sorted, disjoint intervals (touching ones join)."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Disjoint sorted `intervals` minus disjoint sorted `holes`."""
    result: list[Interval] = []
    for start, end in intervals:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def overlap_minutes(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Minutes two sets of disjoint sorted intervals share."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += (end - start).total_seconds()
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total / 60


def service_intervals(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """The committed hours within [start, end), as disjoint sorted UTC intervals."""
    if schedule.always:
        return [(start, end)] if end > start else []
    zone = ZoneInfo(schedule.timezone)
    first, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date() + timedelta(days=1)
    found: list[Interval] = []
    day = first
    while day <= last:
        for window in schedule.windows:
            if day.weekday() not in window.days:
                continue
            opens = datetime.combine(day, time(window.start // 60, window.start % 60), zone)
            closes = (datetime.combine(day + timedelta(days=1), time(0), zone) if window.end == 24 * 60
                      else datetime.combine(day, time(window.end // 60, window.end % 60), zone))
            found.append((max(opens.astimezone(UTC), start), min(closes.astimezone(UTC), end)))
        day += timedelta(days=1)
    return merge(found)


@lru_cache(maxsize=65536)
def committed_minutes(schedule: Schedule, period: str) -> float:
    """Minutes the service is committed to run in a week or month."""
    return sum((e - s).total_seconds() for s, e in service_intervals(schedule, start_of(period), end_of(period))) / 60


@dataclass(frozen=True)
class Outage:
    """One reported outage of a service."""

    start: datetime
    end: datetime
    planned: bool


@dataclass(frozen=True)
class Downtime:
    """Minutes of downtime within service hours in one period."""

    unplanned: float
    planned: float


def downtime(outages: Iterable[Outage], schedule: Schedule, period: str) -> Downtime:
    """Unplanned and planned minutes down within the period's service hours (overlaps merged, planned wins)."""
    items = list(outages)
    planned = merge((o.start, o.end) for o in items if o.planned)
    unplanned = subtract(merge((o.start, o.end) for o in items if not o.planned), planned)
    hours = service_intervals(schedule, start_of(period), end_of(period))
    return Downtime(unplanned=overlap_minutes(unplanned, hours), planned=overlap_minutes(planned, hours))


def uptime(unplanned_minutes: float, committed: float) -> float | None:
    """1 - unplanned downtime / committed minutes; None without committed hours."""
    if committed <= 0:
        return None
    return max(0.0, 1.0 - unplanned_minutes / committed)
