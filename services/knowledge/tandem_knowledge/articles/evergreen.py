"""Evergreen rules, without I/O: review intervals per kind, when a published article is due and when it is stale.

The search package shows `stale` in its results by the same rule: import `article_is_stale` (or `is_stale`) and
`evergreen_settings().stale_grace_days` from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tandem_knowledge.articles.lifecycle import ArticleKind, ArticleStatus

# Days from publication to the next review, per kind; None: never due (a record of what happened, which does not go
# out of date). A knowledge editor overrides them per kind (PUT /knowledge/v1/review-intervals/{kind}).
DEFAULT_INTERVAL_DAYS: dict[str, int | None] = {
    ArticleKind.RUNBOOK: 90,
    ArticleKind.HANDOVER: 90,
    ArticleKind.KNOWN_ERROR: 180,
    ArticleKind.HOW_TO: 365,
    ArticleKind.FAQ: 365,
    ArticleKind.LESSONS_LEARNED: 730,
    ArticleKind.CHANGE_REVIEW: None,
}
DEFAULT_GRACE_DAYS = 30
MAX_INTERVAL_DAYS = 3650


class EvergreenSettings(BaseSettings):
    """`TANDEM_KNOWLEDGE_STALE_GRACE_DAYS` and `TANDEM_KNOWLEDGE_REVIEW_SWEEP_SECONDS`."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_KNOWLEDGE_", extra="ignore")

    stale_grace_days: int = Field(DEFAULT_GRACE_DAYS, ge=0, le=MAX_INTERVAL_DAYS,
                                  description="Days past its review date after which a published article is stale.")
    review_sweep_seconds: float = Field(24 * 3600, gt=0, le=7 * 24 * 3600,
                                        description="How often the review-due sweep runs (it also runs at start).")


@lru_cache
def evergreen_settings() -> EvergreenSettings:
    """The settings, read once per process."""
    return EvergreenSettings()


def today() -> date:
    """Today's date in UTC: review dates are calendar days, the same for every replica."""
    return datetime.now(UTC).date()


def review_due_after(published_on: date, interval_days: int | None) -> date | None:
    """The next review date of a version published (or confirmed current) on that day; None when never due."""
    return None if interval_days is None else published_on + timedelta(days=interval_days)


def _days(grace: timedelta | int) -> int:
    return grace.days if isinstance(grace, timedelta) else grace


def is_due(review_due: date | None, today: date) -> bool:
    """Due on its review date and every day after it."""
    return review_due is not None and review_due <= today


def days_overdue(review_due: date | None, today: date) -> int | None:
    """Days past the review date (0 on the date itself); None when not due."""
    if review_due is None or review_due > today:
        return None
    return (today - review_due).days


def is_stale(review_due: date | None, today: date, grace: timedelta | int) -> bool:
    """Past its review date by more than the grace period (an int is days): on due + grace it is not stale yet."""
    return review_due is not None and today > review_due + timedelta(days=_days(grace))


def article_is_stale(status: str, review_due: date | None, today: date, grace: timedelta | int) -> bool:
    """Only a published article goes stale (a draft is not read as documentation, a retired one no longer is)."""
    return status == ArticleStatus.PUBLISHED and is_stale(review_due, today, grace)


def stale_before(today: date, grace: timedelta | int) -> date:
    """The review dates that are stale today are those before this one (for queries)."""
    return today - timedelta(days=_days(grace))
