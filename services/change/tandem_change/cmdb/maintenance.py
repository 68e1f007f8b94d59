"""Recurring maintenance windows (RFC 5545 RRULEs from a UTC start): validation, occurrences, fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

# Finer frequencies make windows shorter than any change and make expanding a year of them costly.
ALLOWED_FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given; maintenance windows use aware datetimes")
    return value.astimezone(UTC)


def parse_rrule(rrule: str, starts_at: datetime) -> RRule:
    """The rule as dateutil expands it from starts_at; ValueError with a readable reason if it is invalid."""
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    if not text or "\n" in text or any(part in text.upper() for part in ("DTSTART", "EXDATE", "RDATE")):
        raise ValueError("must be a single RRULE value such as FREQ=WEEKLY;BYDAY=SA (the start is starts_at)")
    parts = dict(p.split("=", 1) for p in text.upper().split(";") if "=" in p)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValueError(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}")
    try:
        rule = rrulestr(text, dtstart=_aware(starts_at))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"not a valid RFC 5545 RRULE: {exc}") from exc
    if not isinstance(rule, RRule):
        raise ValueError("must be a single RRULE")  # noqa: TRY004 - callers turn ValueError into a 422
    return rule


def normalise_rrule(rrule: str, starts_at: datetime) -> str:
    """The rule text as stored (without an RRULE: prefix), once it is known to be valid."""
    parse_rrule(rrule, starts_at)
    text = rrule.strip()
    return text[len("RRULE:"):] if text.upper().startswith("RRULE:") else text


def occurrences(
    rrule: str, starts_at: datetime, duration: timedelta, between_start: datetime, between_end: datetime,
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of every occurrence that overlaps [between_start, between_end), in order."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    lo, hi = _aware(between_start), _aware(between_end)
    if hi <= lo:
        return []
    rule = parse_rrule(rrule, starts_at)
    # An occurrence that began up to one duration before the range still overlaps it.
    starts = rule.between(lo - duration, hi, inc=True)
    return [(s, s + duration) for s in starts if s + duration > lo and s < hi]


def fits_in_window(rrule: str, starts_at: datetime, duration: timedelta, start: datetime, end: datetime) -> bool:
    """True when [start, end) lies entirely inside one occurrence of the window."""
    lo, hi = _aware(start), _aware(end)
    if hi <= lo:
        raise ValueError("end must be after start")
    return any(s <= lo and hi <= e for s, e in occurrences(rrule, starts_at, duration, lo, hi))
