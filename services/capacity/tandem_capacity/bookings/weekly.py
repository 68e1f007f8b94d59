"""Hours per week over a range of days, as ISO week shares: how demand, run work and on-call become bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tandem_capacity.bookings.rules import CENT, WeekShare, iso_weeks

WORKING_DAYS = 5  # Monday to Friday


def window(first: date, last: date) -> tuple[datetime, datetime]:
    """The booking window of days `first`..`last` inclusive: from `first` 00:00 UTC to the day after `last`."""
    return datetime.combine(first, time(), UTC), datetime.combine(last + timedelta(days=1), time(), UTC)


def per_week(first: date, last: date, hours_per_week: float) -> list[WeekShare]:
    """`hours_per_week` × (Monday–Friday days of the week inside `first`..`last`) / 5, per ISO week, to cents.

    A full working week gets `hours_per_week`; a range starting on a Wednesday gets 3/5 of it in that week.
    Weeks with no working day in the range are left out.
    """
    if last < first:
        raise ValueError("last is before first")
    rate = Decimal(str(hours_per_week))
    shares = []
    for key, monday in iso_weeks(first, last):
        days = sum(1 for i in range(WORKING_DAYS) if first <= monday + timedelta(days=i) <= last)
        hours = (rate * days / WORKING_DAYS).quantize(CENT, ROUND_HALF_UP)
        if hours > 0:
            shares.append(WeekShare(key, float(hours)))
    return shares


def total(shares: list[WeekShare]) -> float:
    """The sum of week shares, exact to the cent."""
    return float(sum((Decimal(str(s.hours)) for s in shares), Decimal(0)))


def split(hours: float, parts: int) -> list[float]:
    """`hours` split into `parts` shares to the cent; the last share takes the rounding remainder."""
    amount = Decimal(str(hours))
    each = (amount / parts).quantize(CENT, ROUND_HALF_UP)
    return [float(each)] * (parts - 1) + [float(amount - each * (parts - 1))]


@dataclass(frozen=True)
class Turn:
    """One member's consecutive on-call weeks in a rotation."""

    member_index: int
    weeks: list[tuple[str, date]]

    @property
    def key(self) -> str:
        """The turn's first ISO week: its stable name across regenerations."""
        return self.weeks[0][0]


def rotation_turns(first: date, last: date, members: int, rotation_weeks: int) -> list[Turn]:
    """Whole ISO weeks from the week holding `first` to the one holding `last`, in turns of `rotation_weeks`.

    Turn n goes to member n mod `members`; the last turn may be shorter when the range ends.
    """
    weeks = iso_weeks(first, last)
    return [
        Turn(index % members, weeks[start:start + rotation_weeks])
        for index, start in enumerate(range(0, len(weeks), rotation_weeks))
    ]


def whole_weeks_window(weeks: list[tuple[str, date]]) -> tuple[datetime, datetime]:
    """From the Monday of the first week 00:00 UTC to the Monday after the last week."""
    return window(weeks[0][1], weeks[-1][1] + timedelta(days=6))

