"""Spreading booked hours over ISO weeks, and the weeks of a utilisation report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from tandem_capacity.bookings.rules import (
    WeekShare,
    iso_weeks,
    report_weeks,
    spread_hours,
    week_key,
    weekly_load,
)
from tandem_shared.errors import ValidationProblem


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def total(shares: list[WeekShare]) -> Decimal:
    return sum((Decimal(str(s.hours)) for s in shares), Decimal(0))


def test_a_window_inside_one_week_books_all_hours_there():
    assert spread_hours(at("2026-12-01T22:00"), at("2026-12-02T02:00"), 6) == [WeekShare("2026-W49", 6.0)]


def test_hours_follow_the_overlap_with_each_week():
    # Friday 00:00 to the next Wednesday 00:00: 3 days in W49, 2 days in W50.
    shares = spread_hours(at("2026-12-04T00:00"), at("2026-12-09T00:00"), 10)
    assert shares == [WeekShare("2026-W49", 6.0), WeekShare("2026-W50", 4.0)]


def test_the_year_boundary_uses_iso_weeks():
    # 2026 has 53 ISO weeks; 2027-01-04 is the Monday of 2027-W01.
    shares = spread_hours(at("2026-12-31T00:00"), at("2027-01-05T00:00"), 10)
    assert shares == [WeekShare("2026-W53", 8.0), WeekShare("2027-W01", 2.0)]
    assert spread_hours(at("2026-12-31T00:00"), at("2027-01-04T00:00"), 5) == [WeekShare("2026-W53", 5.0)]


def test_rounding_remainder_goes_to_the_last_week_so_weeks_sum_exactly():
    # Three whole weeks of 10 hours: 3.333.. each, rounded, with the last week taking the remainder.
    shares = spread_hours(at("2026-11-30T00:00"), at("2026-12-21T00:00"), 10)
    assert [s.hours for s in shares] == [3.33, 3.33, 3.34]
    assert [s.week for s in shares] == ["2026-W49", "2026-W50", "2026-W51"]
    assert total(shares) == Decimal(10)
    odd = spread_hours(at("2026-03-04T09:17"), at("2026-05-19T16:41"), 123.45)
    assert len(odd) == 12 and total(odd) == Decimal("123.45")
    assert all(Decimal(str(s.hours)).as_tuple().exponent >= -2 for s in odd)


def test_a_week_boundary_is_monday_midnight_utc_whatever_the_offset():
    plus_two = timezone(timedelta(hours=2))
    # Monday 01:00 at +02:00 is still Sunday 23:00 UTC: the hour belongs to the earlier week.
    start = datetime(2026, 12, 7, 1, 0, tzinfo=plus_two)
    shares = spread_hours(start, start + timedelta(hours=2), 2)
    assert shares == [WeekShare("2026-W49", 1.0), WeekShare("2026-W50", 1.0)]


def test_tiny_bookings_over_many_weeks_never_go_negative():
    # Four weeks whose shares all round up would overshoot 0.02 hours; the excess is taken back.
    shares = spread_hours(at("2026-11-30T00:00"), at("2026-12-22T00:00"), 0.02)
    assert all(s.hours > 0 for s in shares) and total(shares) == Decimal("0.02")


@pytest.mark.parametrize(("start", "end"), [("2026-12-01T10:00", "2026-12-01T10:00"),
                                            ("2026-12-02T10:00", "2026-12-01T10:00")])
def test_an_empty_or_backwards_window_is_rejected(start: str, end: str):
    with pytest.raises(ValueError, match="after start"):
        spread_hours(at(start), at(end), 4)


def test_naive_times_and_negative_hours_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        spread_hours(datetime(2026, 12, 1), at("2026-12-02T00:00"), 4)  # noqa: DTZ001 - the naive time under test
    with pytest.raises(ValueError, match="negative"):
        spread_hours(at("2026-12-01T00:00"), at("2026-12-02T00:00"), -1)


def test_iso_weeks_and_keys():
    assert week_key(date(2027, 1, 3)) == "2026-W53" and week_key(date(2027, 1, 4)) == "2027-W01"
    assert iso_weeks(date(2026, 12, 30), date(2027, 1, 4)) == [
        ("2026-W53", date(2026, 12, 28)), ("2027-W01", date(2027, 1, 4))]


def test_report_weeks_default_to_twelve_from_the_current_week():
    weeks = report_weeks(None, None, date(2026, 12, 3))
    assert len(weeks) == 12 and weeks[0] == ("2026-W49", date(2026, 11, 30)) and weeks[-1][0] == "2027-W07"
    up_to = report_weeks(None, date(2026, 12, 3), date(2020, 1, 1))
    assert len(up_to) == 12 and up_to[-1][0] == "2026-W49"
    since = report_weeks(at("2026-12-31T23:00"), None, date(2020, 1, 1))
    assert since[0][0] == "2026-W53" and len(since) == 12


def test_report_weeks_refuse_backwards_and_overlong_windows():
    assert len(report_weeks(date(2026, 1, 1), date(2026, 1, 1), date(2020, 1, 1))) == 1
    with pytest.raises(ValidationProblem) as backwards:
        report_weeks(at("2026-12-01T10:00"), at("2026-12-01T09:00"), date(2020, 1, 1))
    assert backwards.value.extensions["errors"][0]["field"] == "to"
    assert len(report_weeks(date(2026, 1, 5), date(2027, 12, 27), date(2020, 1, 1))) == 104
    with pytest.raises(ValidationProblem) as overlong:
        report_weeks(date(2026, 1, 5), date(2028, 1, 3), date(2020, 1, 1))
    assert overlong.value.extensions["errors"][0]["field"] == "to"
    with pytest.raises(ValidationProblem) as overflow:
        report_weeks(date.max, None, date(2020, 1, 1))
    assert overflow.value.extensions["errors"][0]["field"] == "from"


def test_weekly_load_splits_by_source_and_rounds_utilisation():
    weeks = iso_weeks(date(2026, 11, 30), date(2026, 12, 7))
    rows = weekly_load(weeks, {"2026-W49": 37.5, "2026-W50": 37.5},
                       {("2026-W49", "change"): 6.0, ("2026-W49", "project"): 10.004})
    first, second = rows
    assert (first.change_hours, first.project_hours, first.operations_hours) == (6.0, 10.0, 0.0)
    assert first.booked_hours == 16.0
    assert first.utilisation == 0.4267
    assert (second.week, second.week_start) == ("2026-W50", date(2026, 12, 7))
    assert (second.booked_hours, second.utilisation) == (0.0, 0.0)
