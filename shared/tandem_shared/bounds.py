"""Bounds on what a request can carry — dates, durations, depths, numbers — declared once and shown in the schema.

Times are ISO 8601 text: a number is refused rather than read as seconds since 1970 (`?to=0.5` was 1970-01-01).
Plans lie within the planning horizon, `TANDEM_PLANNING_HORIZON_YEARS` (default 10) either side of today, so no date
a client sends reaches the edge of the calendar, where date arithmetic overflows (a change planned on 9999-12-31 was
accepted, then capacity could not book it). Each bounded value carries an `x-tandem-bounds` note in the OpenAPI
document; docs/architecture.md lists the limits.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HORIZON_YEARS = 10
# Durations and amounts a request can carry (each also stated where it applies).
MAX_CHANGE_WINDOW = timedelta(days=90)  # a change's planned window; longer work is a project, or several changes
MAX_EFFORT_HOURS = 2_000.0  # a change's implementer effort: about one person-year
MAX_IMPACT_DEPTH = 10  # hops of an impact analysis through the CMDB
MAX_AMOUNT = 10**12  # numbers without a natural scale (targets, money): finite and below a trillion

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.IGNORECASE)


class BoundsSettings(BaseSettings):
    """The bounds an operator may set (environment, prefix `TANDEM_`)."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore")

    planning_horizon_years: int = Field(DEFAULT_HORIZON_YEARS, ge=1, le=100,
                                        description="Plans lie within this many years either side of today.")


@functools.cache
def bounds_settings() -> BoundsSettings:
    """The process's bounds (read once)."""
    return BoundsSettings()


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def horizon(today: date | None = None) -> tuple[date, date]:
    """The first and last day a plan may name."""
    today = today or datetime.now(UTC).date()
    years = bounds_settings().planning_horizon_years
    return _years_from(today, -years), _years_from(today, years)


def not_a_number(value: Any) -> Any:
    """The value unless it is a number or numeric text (a ValueError: times are ISO 8601 text)."""
    if isinstance(value, bool | int | float | Decimal) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("must be an ISO 8601 date or date-time (e.g. 2027-03-01 or 2027-03-01T09:00:00Z), "
                         "not a number")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is outside the supported range of dates") from exc


def within_horizon(value: date) -> date:
    """The value when its day lies within the planning horizon; a ValueError saying which horizon otherwise."""
    first, last = horizon()
    day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
    if not first <= day <= last:
        raise ValueError(f"must lie within the planning horizon, {first.isoformat()} to {last.isoformat()} "
                         f"({bounds_settings().planning_horizon_years} years either side of today)")
    return value


@dataclass(frozen=True)
class Documented:
    """Adds an `x-tandem-bounds` note to a value's JSON schema (the OpenAPI document shows the bound)."""

    note: str

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-tandem-bounds"] = self.note
        return schema


NOT_A_NUMBER = BeforeValidator(not_a_number)
WITHIN_HORIZON = AfterValidator(within_horizon)
HORIZON_NOTE = Documented("within the planning horizon: TANDEM_PLANNING_HORIZON_YEARS (default 10) either side "
                          "of today; ISO 8601 text, never a number")

# An aware datetime converted to UTC; a number, or an offset that overflows, is a 422, not 1970 or a 500.
UTCDatetime = Annotated[AwareDatetime, NOT_A_NUMBER, AfterValidator(_in_utc),
                        Documented("ISO 8601 with an offset, never a number")]
# A moment a plan names: a window, an actual time, where a search starts.
PlanDatetime = Annotated[UTCDatetime, WITHIN_HORIZON, HORIZON_NOTE]
# A day a plan names, or a day a report starts or ends.
PlanDate = Annotated[date, NOT_A_NUMBER, WITHIN_HORIZON, HORIZON_NOTE]
# A number without a natural scale: finite (no NaN or Infinity) and below a trillion either way.
Amount = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_AMOUNT, le=MAX_AMOUNT)]


def check_window(start: datetime, end: datetime, *, longest: timedelta, what: str = "window") -> None:
    """A ValueError unless the window is non-empty and no longer than `longest`."""
    if end <= start:
        raise ValueError(f"the {what} must end after it starts")
    if end - start > longest:
        raise ValueError(f"the {what} may last at most {longest.days} days")
