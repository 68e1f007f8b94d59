"""What capacity cannot book from an event, and why (published as capacity.booking.rejected.v1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from tandem_capacity.bookings.rules import days_unbookable, unbookable

HORIZON = (date(2016, 12, 6), date(2036, 12, 6))
START = datetime(2027, 1, 4, 8, tzinfo=UTC)


def test_a_window_within_the_horizon_is_bookable() -> None:
    assert unbookable(START, START + timedelta(hours=4), 6, horizon=HORIZON) is None
    assert days_unbookable(date(2027, 1, 4), date(2027, 1, 29), 8, horizon=HORIZON) is None


def test_windows_beyond_the_horizon_or_at_the_calendars_edge_are_refused_with_the_reason() -> None:
    edge = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))  # past the calendar in UTC
    assert unbookable(edge - timedelta(days=1), edge, 4, horizon=HORIZON) == (
        "the window lies at the edge of the calendar")
    reason = unbookable(datetime(9999, 12, 30, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC), 4, horizon=HORIZON)
    assert reason is not None and "beyond the planning horizon (2016-12-06 to 2036-12-06)" in reason
    assert "beyond the planning horizon" in (days_unbookable(date(9999, 12, 1), date(9999, 12, 31), 8,
                                                             horizon=HORIZON) or "")
    assert "beyond" in (unbookable(datetime(2010, 1, 1, tzinfo=UTC), START, 4, horizon=HORIZON) or "")


def test_empty_long_windows_and_hours_out_of_range_are_refused() -> None:
    assert unbookable(START, START, 4, horizon=HORIZON) == "the window ends before it starts"
    assert unbookable(START, START + timedelta(weeks=105), 4, horizon=HORIZON) == (
        "the window spans more than 104 weeks")
    assert unbookable(START, START + timedelta(hours=4), 10_001, horizon=HORIZON) == (
        "10001 hours is outside 0 to 10,000")
    assert days_unbookable(date(2027, 1, 29), date(2027, 1, 4), 8, horizon=HORIZON) == (
        "the window ends before it starts")
    assert days_unbookable(date(2027, 1, 4), date(2027, 1, 29), 200, horizon=HORIZON) == (
        "200 hours a week is outside 0 to 168")
