"""Months as the API writes them (YYYY-MM) and as the tables store them (one integer per month)."""

# A top-level module, not one package's: business cases, realised benefits and actual costs all count in these
# months, and none of them should import another just for that.

from __future__ import annotations

import re

_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1900, 2199
# The CHECK every month column carries: 1900-01 … 2199-12, the months parse_month accepts.
MONTH_RANGE = f"BETWEEN {FIRST_YEAR * 12} AND {LAST_YEAR * 12 + 11}"


def parse_month(text: str) -> int:
    """The month number of "YYYY-MM": year × 12 + month − 1 (so months subtract and a quarter is number // 3)."""
    match = _MONTH.fullmatch(text)
    if match is None:
        raise ValueError("must be a month written YYYY-MM")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError("month must be 01 to 12")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year must be {FIRST_YEAR} to {LAST_YEAR}")
    return year * 12 + month - 1


def format_month(number: int) -> str:
    """The YYYY-MM text of a month number."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def format_quarter(number: int) -> str:
    """The YYYY-Qn text of a quarter number (month number // 3)."""
    return f"{number // 4:04d}-Q{number % 4 + 1}"


def normalise_month(text: str) -> str:
    """Validate "YYYY-MM" (pydantic validator): the text as given, or ValueError."""
    parse_month(text)
    return text
