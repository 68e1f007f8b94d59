"""Skill gaps and free hours per skill on a worked example; hours per week over days; rotation turns."""

from __future__ import annotations

import uuid
from datetime import date

from tandem_capacity.bookings.rules import WeekShare, iso_weeks
from tandem_capacity.bookings.weekly import per_week, rotation_turns, split, total, whole_weeks_window, window
from tandem_capacity.demand.skill_gaps import Holder, Request, free_hours_by_skill, skill_gaps

WEEKS = iso_weeks(date(2027, 1, 4), date(2027, 1, 11))  # 2027-W01, 2027-W02
ANN, BEN, CY = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
HOLDERS = [Holder(ANN, {"postgresql": 4}), Holder(BEN, {"postgresql": 2, "kubernetes": 1}),
           Holder(CY, {"kubernetes": 3})]
AVAILABLE = {ANN: {"2027-W01": 40.0, "2027-W02": 40.0}, BEN: {"2027-W01": 32.0, "2027-W02": 16.0},
             CY: {"2027-W01": 20.0, "2027-W02": 20.0}}
REQUESTS = [
    Request("postgresql", 3, {"2027-W01": 10.0, "2027-W02": 50.0}),
    Request("kubernetes", 4, {"2027-W02": 16.0}),
    Request("kubernetes", 2, {"2027-W02": 4.0, "2027-W05": 99.0}),  # W05 is outside the window
]


def test_skill_gaps_worked_example() -> None:
    rows = skill_gaps(WEEKS, HOLDERS, AVAILABLE, {("postgresql", "2027-W01"): 30.0}, REQUESTS)
    table = [(r.skill, r.week, r.required_proficiency, r.booked_hours, r.requested_hours, r.demand_hours,
              r.supply_hours, r.gap_hours) for r in rows]
    assert table == [
        # No demand in W01: the bar is 1, so Ben (1) and Cy (3) both count.
        ("kubernetes", "2027-W01", 1, 0.0, 0.0, 0.0, 52.0, -52.0),
        # Requests at 4 and 2: the lowest bar (2) counts Cy (3) but not Ben (1); 20 h of demand, 20 h of supply.
        ("kubernetes", "2027-W02", 2, 0.0, 20.0, 20.0, 20.0, 0.0),
        # A booking carries the skill: the bar is 1; 30 booked + 10 requested against Ann 40 + Ben 32.
        ("postgresql", "2027-W01", 1, 30.0, 10.0, 40.0, 72.0, -32.0),
        # Only the request at 3: Ann (4) counts, Ben (2) does not; 50 wanted, 40 available: 10 short.
        ("postgresql", "2027-W02", 3, 0.0, 50.0, 50.0, 40.0, 10.0),
    ]
    only = skill_gaps(WEEKS, HOLDERS, AVAILABLE, {}, [], only="PostgreSQL ")
    assert [(r.skill, r.week, r.demand_hours, r.supply_hours, r.gap_hours) for r in only] == [
        ("postgresql", "2027-W01", 0.0, 72.0, -72.0), ("postgresql", "2027-W02", 0.0, 56.0, -56.0)]


def test_free_hours_per_skill_count_every_source_of_booked_hours() -> None:
    booked = {(ANN, "2027-W01"): 50.0, (BEN, "2027-W01"): 12.0, (CY, "2027-W02"): 5.5}
    outlook = free_hours_by_skill(WEEKS, HOLDERS, AVAILABLE, booked, REQUESTS)
    assert list(outlook) == ["kubernetes", "postgresql"]
    rows = outlook["postgresql"]
    assert [(r.week, r.supply_hours, r.booked_hours, r.free_hours, r.requested_hours) for r in rows] == [
        ("2027-W01", 72.0, 62.0, 20.0, 10.0),  # Ann is over-booked: free is max(0, 40 − 50) + (32 − 12)
        ("2027-W02", 56.0, 0.0, 56.0, 50.0),
    ]
    assert [(r.week, r.free_hours, r.requested_hours) for r in outlook["kubernetes"]] == [
        ("2027-W01", 40.0, 0.0), ("2027-W02", 30.5, 20.0)]


def test_hours_per_week_over_days_count_working_days() -> None:
    # Wednesday 6 to Tuesday 19 January 2027: 3, 5 and 2 working days.
    shares = per_week(date(2027, 1, 6), date(2027, 1, 19), 20)
    assert shares == [WeekShare("2027-W01", 12.0), WeekShare("2027-W02", 20.0), WeekShare("2027-W03", 8.0)]
    assert total(shares) == 40.0
    assert per_week(date(2027, 1, 9), date(2027, 1, 10), 20) == []  # a weekend only
    assert per_week(date(2027, 1, 4), date(2027, 1, 4), 7.5) == [WeekShare("2027-W01", 1.5)]
    assert window(date(2027, 1, 6), date(2027, 1, 19))[1].isoformat() == "2027-01-20T00:00:00+00:00"
    assert split(10, 3) == [3.33, 3.33, 3.34] and sum(split(10, 3)) == 10


def test_rotation_turns_take_whole_weeks_in_member_order() -> None:
    turns = rotation_turns(date(2027, 1, 6), date(2027, 2, 2), members=2, rotation_weeks=2)
    assert [(t.member_index, [k for k, _ in t.weeks]) for t in turns] == [
        (0, ["2027-W01", "2027-W02"]), (1, ["2027-W03", "2027-W04"]), (0, ["2027-W05"])]
    start, end = whole_weeks_window(turns[1].weeks)
    assert (start.isoformat(), end.isoformat()) == ("2027-01-18T00:00:00+00:00", "2027-02-01T00:00:00+00:00")
