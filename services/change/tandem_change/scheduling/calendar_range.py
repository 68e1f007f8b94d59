"""The change calendar's range: dates accepted as well as datetimes, and a default range for calendar clients.

Outlook and Google Calendar subscribe to a URL and never add `from`/`to`, so a missing bound has a default; people
typing a URL write days, so `2055-03-01` means that day's start in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

DAYS_BACK = timedelta(days=30)
DAYS_AHEAD = timedelta(days=180)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The query parameters' schema: a date-time with an offset, or a date.
DATE_OR_DATETIME: dict[str, Any] = {"anyOf": [{"type": "string", "format": "date-time"},
                                              {"type": "string", "format": "date"}]}


def day_start(value: Any) -> Any:
    """A date (or a YYYY-MM-DD string) as midnight UTC of that day; anything else unchanged for the datetime check."""
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return value  # not a real day (2055-02-30): the datetime check refuses it, naming the field
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def default_range(start: datetime | None, end: datetime | None, *, now: datetime) -> tuple[datetime, datetime]:
    """The range asked for, a missing start 30 days before now and a missing end 180 days after now (or after start).

    When only the start is given the range keeps the default's length (210 days), so a start in the future still
    yields a range that ends after it.
    """
    if start is None:
        start = now - DAYS_BACK
        return start, end or now + DAYS_AHEAD
    return start, end or start + DAYS_BACK + DAYS_AHEAD
