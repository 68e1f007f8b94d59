"""Keyset pages over date columns: the cursor's date goes back to a `date` before the query binds it."""

from __future__ import annotations

from datetime import date

from tandem_shared.api import PageParams
from tandem_shared.errors import ValidationProblem


def date_cursor(page: PageParams) -> PageParams:
    """The page with its cursor's first value as a date (asyncpg binds dates, not ISO strings)."""
    if page.cursor is None or len(page.cursor) != 2:
        return page
    try:
        return PageParams(limit=page.limit, cursor=(date.fromisoformat(str(page.cursor[0])), page.cursor[1]))
    except ValueError as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc
