"""Uptime without I/O: committed service hours (24x7, weekday windows in a time zone), outages merged, planned
against unplanned, and periods cut at their bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tandem_metrics.kpis.catalogue import KPIS
from tandem_metrics.kpis.evaluation import ServiceHoursContext
from tandem_metrics.services.rules import (
    ALWAYS,
    Outage,
    Schedule,
    Window,
    committed_minutes,
    downtime,
    merge,
    parse_clock,
    schedule_from_json,
    subtract,
    uptime,
)

WEEKDAYS_UTC = Schedule("UTC", (Window((0, 1, 2, 3, 4), 8 * 60, 18 * 60),))
WEEKDAYS_PARIS = Schedule("Europe/Paris", (Window((0, 1, 2, 3, 4), 8 * 60, 18 * 60),))


def t(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_committed_minutes_per_week_and_month():
    assert committed_minutes(ALWAYS, "2026-W49") == 7 * 24 * 60
    assert committed_minutes(ALWAYS, "2026-12") == 31 * 24 * 60
    assert committed_minutes(WEEKDAYS_UTC, "2026-W49") == 3000
    assert committed_minutes(WEEKDAYS_UTC, "2026-12") == 23 * 600  # 23 weekdays in December 2026
    # The week of the switch to summer time (Sunday 29 March 2026): weekday hours stay 10 a day.
    assert committed_minutes(WEEKDAYS_PARIS, "2026-W13") == 3000


def test_overlapping_unplanned_outages_merge_and_only_service_hours_count():
    # Tue 1 Dec (W49) 07:00-09:00 and 08:30-10:00 UTC merge to 07:00-10:00: 120 minutes within 08:00-18:00.
    outages = [Outage(t(1, 7), t(1, 9), False), Outage(t(1, 8, 30), t(1, 10), False)]
    lost = downtime(outages, WEEKDAYS_UTC, "2026-W49")
    assert (lost.unplanned, lost.planned) == (120, 0)
    assert uptime(lost.unplanned, committed_minutes(WEEKDAYS_UTC, "2026-W49")) == pytest.approx(0.96)
    # 24x7 counts the whole 3 hours.
    assert downtime(outages, ALWAYS, "2026-W49").unplanned == 180
    # Saturday is outside weekday hours: nothing counts.
    assert downtime([Outage(t(5, 9), t(5, 12), False)], WEEKDAYS_UTC, "2026-W49").unplanned == 0


def test_planned_minutes_are_reported_apart_and_win_where_both_overlap():
    outages = [Outage(t(1, 8), t(1, 9), True), Outage(t(1, 8, 30), t(1, 10), False), Outage(t(1, 8, 15), t(1, 8, 45),
                                                                                            True)]
    lost = downtime(outages, ALWAYS, "2026-W49")
    assert (lost.planned, lost.unplanned) == (60, 60)  # planned 08:00-09:00; unplanned what is left: 09:00-10:00


def test_service_hours_follow_the_time_zone_and_daylight_saving():
    # 06:30-07:30 UTC is 07:30-08:30 in Paris in winter (30 minutes in hours), 08:30-09:30 in summer (60).
    winter = downtime([Outage(t(1, 6, 30), t(1, 7, 30), False)], WEEKDAYS_PARIS, "2026-W49")
    summer = downtime([Outage(t(2, 6, 30, month=6), t(2, 7, 30, month=6), False)], WEEKDAYS_PARIS, "2026-W23")
    assert (winter.unplanned, summer.unplanned) == (30, 60)


def test_an_outage_across_periods_counts_in_each_up_to_its_bounds():
    # Thu 31 Dec 2026 22:00 to Fri 1 Jan 2027 02:00 UTC, 24x7: 120 minutes in each month, 240 in W53.
    outage = [Outage(datetime(2026, 12, 31, 22, tzinfo=UTC), datetime(2027, 1, 1, 2, tzinfo=UTC), False)]
    assert downtime(outage, ALWAYS, "2026-12").unplanned == 120
    assert downtime(outage, ALWAYS, "2027-01").unplanned == 120
    assert downtime(outage, ALWAYS, "2026-W53").unplanned == 240


def test_interval_helpers_and_schedules_round_trip():
    assert merge([(t(1, 10), t(1, 11)), (t(1, 8), t(1, 9)), (t(1, 9), t(1, 10))]) == [(t(1, 8), t(1, 11))]
    assert subtract([(t(1, 8), t(1, 12))], [(t(1, 9), t(1, 10)), (t(1, 11), t(1, 13))]) == [
        (t(1, 8), t(1, 9)), (t(1, 10), t(1, 11))]
    assert schedule_from_json(WEEKDAYS_PARIS.stored()) == WEEKDAYS_PARIS and schedule_from_json(None) == ALWAYS
    assert WEEKDAYS_PARIS.describe() == "mon,tue,wed,thu,fri 08:00-18:00 Europe/Paris"
    assert parse_clock("24:00", end=True) == 1440
    for bad in ("24:00", "8:00", "12:60"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_uptime_formula_per_service_and_for_the_organisation():
    formula = KPIS["service_uptime"].compute
    context = ServiceHoursContext({"a": WEEKDAYS_UTC}, [(WEEKDAYS_UTC, 1), (ALWAYS, 1)])
    values = {("service_downtime_unplanned_minutes", "2026-W49"): 120.0}
    assert formula.evaluate(values, "2026-W49", "service:a", context) == pytest.approx(0.96)
    # The organisation pools minutes: 120 down of 3 000 + 10 080 committed.
    assert formula.evaluate(values, "2026-W49", "", context) == pytest.approx(1 - 120 / 13080)
    assert formula.evaluate({}, "2026-W49", "service:b", context) == 1.0  # unknown service: 24x7, nothing down
    assert formula.evaluate(values, "all", "service:a", context) is None
