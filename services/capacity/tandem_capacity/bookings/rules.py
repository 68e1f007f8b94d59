"""ISO weeks and the spreading of booked hours over them (weeks start Monday 00:00 UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tandem_shared.errors import ValidationProblem

CENT = Decimal("0.01")
MAX_WEEKS = 104
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class WeekShare:
    """The hours of a booking that fall in one ISO week."""

    week: str
    hours: float


def week_key(day: date) -> str:
    """The ISO week of a day, e.g. `2026-W53`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_start(day: date) -> date:
    """The Monday of the ISO week of a day."""
    return day - timedelta(days=day.weekday())


def iso_weeks(first: date, last: date) -> list[tuple[str, date]]:
    """Every ISO week from the one holding `first` to the one holding `last`: (key, Monday)."""
    if last < first:
        raise ValueError("last is before first")
    monday = week_start(first)
    count = (week_start(last) - monday).days // 7 + 1
    mondays = [monday + timedelta(weeks=i) for i in range(count)]
    return [(week_key(day), day) for day in mondays]


def _day(moment: date) -> date:
    return moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment


def report_weeks(start: date | None, end: date | None, today: date) -> list[tuple[str, date]]:
    """The weeks of a utilisation report: from the week holding `start` to the one holding `end`.

    Dates or aware datetimes; by default the current week and the 11 after (or the 12 weeks up to `end`).
    """
    try:
        if start is not None and end is not None:
            both_instants = isinstance(start, datetime) and isinstance(end, datetime)
            if (end < start) if both_instants else (_day(end) < _day(start)):
                raise ValidationProblem.field("to", "must not be before from")
        if start is not None:
            first = _day(start)
        elif end is not None:
            first = week_start(_day(end)) - timedelta(weeks=DEFAULT_WEEKS - 1)
        else:
            first = today
        last = _day(end) if end is not None else week_start(first) + timedelta(weeks=DEFAULT_WEEKS - 1)
    except OverflowError as exc:
        # Only a date at the very edge of the calendar overflows; blame the bound the caller gave.
        raise ValidationProblem.field("to" if start is None else "from", "out of the calendar's range") from exc
    count = (week_start(last) - week_start(first)).days // 7 + 1
    if count > MAX_WEEKS:
        raise ValidationProblem.field("to", f"the window spans {count} weeks; at most {MAX_WEEKS} are allowed")
    return iso_weeks(first, last)


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def spread_hours(start: datetime, end: datetime, hours: float) -> list[WeekShare]:
    """Spread hours over the ISO weeks [start, end) overlaps, in proportion to each overlap.

    Each week is rounded to 2 decimals and the last week takes the rounding remainder, so the
    weeks sum exactly to `hours` (given to 2 decimals). Weeks that round to nothing are left out.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        raise ValueError("end must be after start (a booking needs a non-empty window)")
    if hours < 0:
        raise ValueError("hours must not be negative")
    total = Decimal(str(hours))
    span = Decimal((end - start) // timedelta(microseconds=1))
    keys: list[str] = []
    overlaps: list[Decimal] = []
    monday = datetime.combine(week_start(start.date()), time(), UTC)
    while monday < end:
        following = monday + timedelta(weeks=1)
        overlap = min(end, following) - max(start, monday)
        keys.append(week_key(monday.date()))
        overlaps.append(Decimal(overlap // timedelta(microseconds=1)))
        monday = following
    shares = [(total * overlap / span).quantize(CENT, ROUND_HALF_UP) for overlap in overlaps[:-1]]
    remainder = total - sum(shares, Decimal(0))
    # Rounding many thin weeks up can overshoot a tiny booking; take the excess back from the latest weeks.
    index = len(shares) - 1
    while remainder < 0:
        taken = min(shares[index], -remainder)
        shares[index] -= taken
        remainder += taken
        index -= 1
    shares.append(remainder)
    return [WeekShare(key, float(share)) for key, share in zip(keys, shares, strict=True) if share > 0]


@dataclass(frozen=True)
class WeekLoad:
    """Booked hours of one person in one ISO week, by source, against the hours available."""

    week: str
    week_start: date
    available_hours: float
    change_hours: float
    project_hours: float
    operations_hours: float
    soft_hours: float = 0.0
    hard_hours: float = 0.0

    @property
    def booked_hours(self) -> float:
        return round(self.change_hours + self.project_hours + self.operations_hours, 2)

    @property
    def utilisation(self) -> float:
        """Booked over available, to 4 decimals (0 when nothing is available)."""
        return round(self.booked_hours / self.available_hours, 4) if self.available_hours > 0 else 0.0


def weekly_load(weeks: list[tuple[str, date]], available_hours: dict[str, float],
                booked: dict[tuple[str, str], float], by_kind: dict[tuple[str, str], float] | None = None,
                ) -> list[WeekLoad]:
    """One row per week from available hours per week and booked hours keyed by (week, source) and (week, kind)."""
    by_kind = by_kind or {}
    return [
        WeekLoad(
            week=key, week_start=monday, available_hours=available_hours.get(key, 0.0),
            change_hours=round(booked.get((key, "change"), 0.0), 2),
            project_hours=round(booked.get((key, "project"), 0.0), 2),
            operations_hours=round(booked.get((key, "operations"), 0.0), 2),
            soft_hours=round(by_kind.get((key, "soft"), 0.0), 2), hard_hours=round(by_kind.get((key, "hard"), 0.0), 2),
        )
        for key, monday in weeks
    ]


# What capacity books from events it cannot refuse at the door: a window and hours it can spread, or the reason it
# cannot (published as capacity.booking.rejected.v1 rather than failing the event into the dead-letter topic).
MAX_BOOKED_HOURS = 10_000.0
MAX_HOURS_PER_WEEK = 7 * 24.0


def _days_unbookable(first: date, last: date, horizon: tuple[date, date]) -> str | None:
    earliest, latest = horizon
    if first < earliest or last > latest:
        return (f"the window {first.isoformat()} to {last.isoformat()} lies beyond the planning horizon "
                f"({earliest.isoformat()} to {latest.isoformat()})")
    if last < first:
        return "the window ends before it starts"
    if (last - first).days > MAX_WEEKS * 7:
        return f"the window spans more than {MAX_WEEKS} weeks"
    return None


def unbookable(start: datetime, end: datetime, hours: float, *, horizon: tuple[date, date]) -> str | None:
    """Why hours over [start, end) cannot be booked (None when they can): beyond the planning horizon, or the
    calendar's range, an empty or too long window, hours out of range."""
    try:
        first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    except OverflowError:
        return "the window lies at the edge of the calendar"
    reason = _days_unbookable(first, last, horizon)
    if reason is None and end <= start:
        reason = "the window ends before it starts"
    if reason is None and not 0 <= hours <= MAX_BOOKED_HOURS:
        reason = f"{hours:g} hours is outside 0 to {MAX_BOOKED_HOURS:,.0f}"
    return reason


def days_unbookable(first: date, last: date, hours_per_week: float, *, horizon: tuple[date, date]) -> str | None:
    """Why `hours_per_week` over the days `first`..`last` cannot be booked (None when they can)."""
    reason = _days_unbookable(first, last, horizon)
    if reason is None and not 0 < hours_per_week <= MAX_HOURS_PER_WEEK:
        reason = f"{hours_per_week:g} hours a week is outside 0 to {MAX_HOURS_PER_WEEK:g}"
    return reason
