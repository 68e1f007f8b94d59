"""The shared request bounds: the planning horizon (a setting), numbers refused as dates, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError
from tandem_shared import bounds
from tandem_shared.bounds import BoundsSettings, PlanDate, PlanDatetime, UTCDatetime, check_window, horizon


def test_the_horizon_is_ten_years_either_side_by_default_and_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TANDEM_PLANNING_HORIZON_YEARS", raising=False)
    assert BoundsSettings().planning_horizon_years == 10
    monkeypatch.setenv("TANDEM_PLANNING_HORIZON_YEARS", "3")
    monkeypatch.setattr(bounds, "bounds_settings", BoundsSettings)
    assert horizon(date(2028, 2, 29)) == (date(2025, 2, 28), date(2031, 2, 28))
    with pytest.raises(ValidationError, match="planning horizon"):
        TypeAdapter(PlanDate).validate_python((datetime.now(UTC) + timedelta(days=4 * 366)).date().isoformat())
    monkeypatch.setenv("TANDEM_PLANNING_HORIZON_YEARS", "0")
    with pytest.raises(ValidationError):
        BoundsSettings()


@pytest.mark.parametrize("value", [0, 0.5, "0.5", "1700000000", " 86400 ", "-1e3", "NaN", True])
def test_numbers_are_not_dates(value: object) -> None:
    for kind in (UTCDatetime, PlanDatetime, PlanDate):
        with pytest.raises(ValidationError, match="not a number"):
            TypeAdapter(kind).validate_python(value)


def test_the_edge_of_the_calendar_is_refused_not_overflowed() -> None:
    for text in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):
        with pytest.raises(ValidationError):
            TypeAdapter(UTCDatetime).validate_python(text)
    with pytest.raises(ValidationError, match="planning horizon"):
        TypeAdapter(PlanDatetime).validate_python("9999-12-31T00:00:00Z")
    assert TypeAdapter(UTCDatetime).validate_python("2027-03-01T10:00:00+02:00") == datetime(2027, 3, 1, 8, tzinfo=UTC)


def test_windows_end_after_they_start_and_are_not_too_long() -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    check_window(start, start + timedelta(days=90), longest=timedelta(days=90))
    for end in (start, start + timedelta(days=90, seconds=1)):
        with pytest.raises(ValueError, match="window"):
            check_window(start, end, longest=timedelta(days=90))
