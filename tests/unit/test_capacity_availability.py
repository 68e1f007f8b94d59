"""Available hours per ISO week: schedules, part time, time off, holidays, mid-week changes, year boundaries."""

from __future__ import annotations

from datetime import date, timedelta

from tandem_capacity.availability.rules import Absence, Calendar, Schedule, default_week, weekly_available
from tandem_capacity.bookings.rules import iso_weeks

W49 = iso_weeks(date(2026, 11, 30), date(2026, 11, 30))  # Monday 2026-11-30 .. Sunday 2026-12-06
PART_TIME = (8.0, 8.0, 4.0, 0.0, 0.0, 0.0, 0.0)


def test_without_a_schedule_weekly_hours_spread_monday_to_friday():
    assert default_week(37.5) == (7.5, 7.5, 7.5, 7.5, 7.5, 0.0, 0.0)
    calendar = Calendar(40)
    assert calendar.scheduled(date(2026, 12, 5)) == 0.0 and calendar.scheduled(date(2026, 12, 4)) == 8.0
    assert weekly_available(W49, calendar) == {"2026-W49": 40.0}


def test_part_time_is_a_schedule_and_applies_from_its_effective_date():
    calendar = Calendar(40, [Schedule(date(2026, 12, 7), PART_TIME)])
    weeks = iso_weeks(date(2026, 11, 30), date(2026, 12, 14))
    assert weekly_available(weeks, calendar) == {"2026-W49": 40.0, "2026-W50": 20.0, "2026-W51": 20.0}


def test_a_schedule_changing_mid_week_counts_each_day_under_its_own_schedule():
    four_a_day = (4.0, 4.0, 4.0, 4.0, 4.0, 0.0, 0.0)
    calendar = Calendar(40, [Schedule(date(2026, 12, 9), four_a_day), Schedule(date(2027, 1, 1), PART_TIME)])
    weeks = iso_weeks(date(2026, 12, 7), date(2027, 1, 4))
    available = weekly_available(weeks, calendar)
    # Monday and Tuesday 8 h (default), Wednesday to Friday 4 h.
    assert available["2026-W50"] == 28.0
    assert available["2026-W51"] == 20.0
    # 2026-W53 runs Monday 28 December to Sunday 3 January: four days at 4 h, then Friday 1 January part time (0 h).
    assert available["2026-W53"] == 16.0
    assert available["2027-W01"] == 20.0
    assert list(available) == [key for key, _ in weeks]


def test_a_holiday_takes_the_whole_scheduled_day_and_nothing_on_a_day_off():
    calendar = Calendar(40)
    assert weekly_available(W49, calendar, holidays=[date(2026, 12, 2)]) == {"2026-W49": 32.0}
    assert weekly_available(W49, calendar, holidays=[date(2026, 12, 5)]) == {"2026-W49": 40.0}
    part_time = Calendar(40, [Schedule(date(2020, 1, 1), PART_TIME)])
    assert weekly_available(W49, part_time, holidays=[date(2026, 12, 2), date(2026, 12, 3)]) == {"2026-W49": 16.0}


def test_time_off_whole_and_part_days_never_below_zero():
    calendar = Calendar(40)
    whole = [Absence(date(2026, 11, 30), date(2026, 12, 1))]
    assert weekly_available(W49, calendar, whole) == {"2026-W49": 24.0}
    part = [Absence(date(2026, 11, 30), date(2026, 12, 6), hours_per_day=2)]
    assert weekly_available(W49, calendar, part) == {"2026-W49": 30.0}
    # 10 h off on 8 h days takes the day, not more; two part-day absences on one day add up.
    too_much = [Absence(date(2026, 12, 1), date(2026, 12, 1), 10), Absence(date(2026, 12, 2), date(2026, 12, 2), 3),
                Absence(date(2026, 12, 2), date(2026, 12, 2), 3)]
    assert weekly_available(W49, calendar, too_much) == {"2026-W49": 26.0}
    everything = [Absence(date(2026, 11, 1), date(2026, 12, 31))]
    assert weekly_available(W49, calendar, everything) == {"2026-W49": 0.0}


def test_time_off_on_a_holiday_is_not_taken_twice_across_the_year_boundary():
    calendar = Calendar(40)
    weeks = iso_weeks(date(2026, 12, 28), date(2027, 1, 4))
    assert [key for key, _ in weeks] == ["2026-W53", "2027-W01"]
    vacation = [Absence(date(2026, 12, 31), date(2027, 1, 5))]
    # Thursday 31 December and Friday 1 January (also a holiday) off; Monday 4 and Tuesday 5 January off.
    assert weekly_available(weeks, calendar, vacation, [date(2027, 1, 1)]) == {"2026-W53": 24.0, "2027-W01": 24.0}
    assert weekly_available(weeks, calendar, [], [date(2027, 1, 1)]) == {"2026-W53": 32.0, "2027-W01": 40.0}


def test_part_day_time_off_on_a_holiday_or_with_whole_days_takes_the_day_once():
    calendar = Calendar(40)
    mixed = [Absence(date(2026, 12, 1), date(2026, 12, 1), 2), Absence(date(2026, 12, 1), date(2026, 12, 1))]
    assert weekly_available(W49, calendar, mixed, [date(2026, 12, 1)]) == {"2026-W49": 32.0}


def test_an_empty_window_has_no_weeks():
    assert weekly_available([], Calendar(40)) == {}


def test_week_totals_match_counting_every_day_whatever_the_schedule_changes():
    schedules = [Schedule(date(2026, 12, 2), PART_TIME), Schedule(date(2026, 12, 4), (1, 2, 3, 4, 5, 6, 7)),
                 Schedule(date(2026, 12, 21), (6.0,) * 5 + (0.0, 0.0)), Schedule(date(2027, 1, 3), PART_TIME)]
    calendar = Calendar(37.5, schedules)
    first = date(2026, 11, 23)
    by_day = [round(sum(calendar.scheduled(first + timedelta(days=7 * w + d)) for d in range(7)), 2)
              for w in range(8)]
    assert calendar.week_totals(first, 8) == by_day
    assert by_day[1] == 7.5 + 7.5 + 4 + 0 + 5 + 6 + 7  # Monday and Tuesday on weekly_hours, then two changes
