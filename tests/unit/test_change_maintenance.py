"""Recurring maintenance windows: RRULE validation, occurrences, fitting a change inside one."""

from datetime import UTC, datetime, timedelta

import pytest
from tandem_change.cmdb.maintenance import fits_in_window, normalise_rrule, occurrences, parse_rrule

SAT = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # a Saturday, 22:00 UTC
FOUR_HOURS = timedelta(hours=4)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_weekly_occurrences_in_a_range() -> None:
    got = occurrences("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(1, 0), at(20, 0))
    assert got == [(at(5, 22), at(6, 2)), (at(12, 22), at(13, 2)), (at(19, 22), at(20, 2))]


def test_occurrence_that_started_before_the_range_still_overlaps() -> None:
    got = occurrences("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(6, 1), at(6, 3))
    assert got == [(at(5, 22), at(6, 2))]


def test_no_occurrence_before_starts_at_and_empty_range() -> None:
    assert occurrences("FREQ=DAILY", SAT, FOUR_HOURS, at(1, 0), at(5, 21)) == []
    assert occurrences("FREQ=DAILY", SAT, FOUR_HOURS, at(10, 0), at(9, 0)) == []


def test_count_limits_occurrences() -> None:
    got = occurrences("FREQ=DAILY;COUNT=2", SAT, FOUR_HOURS, at(1, 0), at(31, 0))
    assert [s for s, _ in got] == [at(5, 22), at(6, 22)]


def test_rrule_prefix_is_accepted_and_stripped() -> None:
    assert normalise_rrule("RRULE:FREQ=WEEKLY;BYDAY=SU", SAT) == "FREQ=WEEKLY;BYDAY=SU"


def test_ranges_given_in_other_offsets_are_compared_in_utc() -> None:
    from datetime import timezone
    plus2 = timezone(timedelta(hours=2))
    assert fits_in_window("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS,
                          datetime(2026, 12, 6, 0, 30, tzinfo=plus2), datetime(2026, 12, 6, 3, 0, tzinfo=plus2))


def test_fits_inside_one_occurrence() -> None:
    assert fits_in_window("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(12, 23), at(13, 1))
    assert fits_in_window("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(12, 22), at(13, 2))  # exactly the window


def test_does_not_fit_when_overrunning_or_outside() -> None:
    assert not fits_in_window("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(12, 23), at(13, 3))
    assert not fits_in_window("FREQ=WEEKLY;BYDAY=SA", SAT, FOUR_HOURS, at(9, 10), at(9, 11))


def test_does_not_fit_across_two_adjacent_occurrences() -> None:
    # Daily two-hour windows 22:00-24:00: a change from 23:00 to 23:00 next day spans two, fits in neither.
    assert not fits_in_window("FREQ=DAILY", SAT, timedelta(hours=2), at(6, 23), at(7, 23))


@pytest.mark.parametrize("rule", [
    "", "FREQ=FORTNIGHTLY", "FREQ=WEEKLY;BYDAY=XX", "BYDAY=SA", "FREQ=SECONDLY", "FREQ=MINUTELY",
    "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "FREQ=DAILY;UNTIL=20261231T000000", "FREQ=DAILY;COUNT=x",
])
def test_invalid_rules_are_refused_with_a_reason(rule: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rrule(rule, SAT)
    assert str(info.value)


def test_naive_datetimes_and_non_positive_durations_are_refused() -> None:
    with pytest.raises(ValueError):
        occurrences("FREQ=DAILY", SAT.replace(tzinfo=None), FOUR_HOURS, at(1, 0), at(2, 0))
    with pytest.raises(ValueError):
        occurrences("FREQ=DAILY", SAT, timedelta(0), at(1, 0), at(2, 0))
