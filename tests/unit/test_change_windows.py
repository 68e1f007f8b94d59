"""Interval arithmetic and the next free windows of a change (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tandem_change.scheduling.windows import Interval, free_gaps, intersect, intersect_all, merge, next_windows

H = timedelta(hours=1)
T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # a Monday


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def span(a: float, b: float) -> Interval:
    return Interval(at(a), at(b))


def test_merge_joins_overlapping_and_touching_spans_and_drops_empty_ones():
    assert merge([span(5, 6), span(0, 2), span(1, 3), span(3, 4), span(7, 7)]) == [span(0, 4), span(5, 6)]
    assert merge([span(0, 10), span(2, 3)]) == [span(0, 10)]


def test_overlap_is_half_open():
    assert span(0, 2).overlaps(span(1, 3))
    assert not span(0, 2).overlaps(span(2, 3))
    assert span(0, 4).contains(span(1, 4)) and not span(0, 4).contains(span(3, 5))


def test_intersections():
    assert intersect([span(0, 4), span(6, 10)], [span(2, 7), span(9, 12)]) == [span(2, 4), span(6, 7), span(9, 10)]
    assert intersect_all([[span(0, 6)], [span(2, 8)], [span(3, 4), span(5, 9)]]) == [span(3, 4), span(5, 6)]
    assert intersect_all([[span(0, 1)], [span(2, 3)]]) == []
    assert intersect_all([]) == []


def test_free_gaps_inside_a_range():
    busy = [span(2, 3), span(-5, 1), span(2.5, 4), span(20, 30)]
    assert list(free_gaps(busy, span(0, 10))) == [span(1, 2), span(4, 10)]
    assert list(free_gaps([span(0, 10)], span(1, 9))) == []
    assert list(free_gaps([], span(0, 1))) == [span(0, 1)]


def test_without_maintenance_windows_gaps_offer_back_to_back_windows():
    busy = [span(1, 3), span(4, 5)]
    found = next_windows(duration=2 * H, search=span(0, 10), busy=busy, count=4)
    # [0,1) and [3,4) are too short; after 5 the gap offers consecutive two-hour windows.
    assert found == [span(5, 7), span(7, 9)]  # [9,11) would leave the search range
    assert next_windows(duration=H, search=span(0, 10), busy=busy, count=2) == [span(0, 1), span(3, 4)]


def test_with_maintenance_windows_each_occurrence_offers_its_earliest_free_fit():
    allowed = [span(0, 4), span(24, 28), span(48, 50), span(72, 76)]
    busy = [span(0, 1), span(24, 28), span(73, 74)]
    found = next_windows(duration=2 * H, search=span(0, 100), busy=busy, allowed=allowed, count=5)
    # day 1 after the busy hour; day 2 fully busy; day 3 exactly fits; day 4 only after the busy hour.
    assert found == [span(1, 3), span(48, 50), span(74, 76)]


def test_maintenance_occurrences_are_clipped_to_the_search_range_and_count_is_honoured():
    allowed = [span(-2, 2), span(10, 14), span(20, 24)]
    assert next_windows(duration=2 * H, search=span(0, 30), busy=[], allowed=allowed, count=5) == [
        span(0, 2), span(10, 12), span(20, 22)]
    assert next_windows(duration=2 * H, search=span(0, 30), busy=[], allowed=allowed, count=1) == [span(0, 2)]
    assert next_windows(duration=2 * H, search=span(0, 21), busy=[], allowed=allowed) == [span(0, 2), span(10, 12)]


def test_no_windows_when_nothing_fits():
    assert next_windows(duration=5 * H, search=span(0, 10), busy=[span(3, 4), span(8, 9)]) == []
    assert next_windows(duration=H, search=span(0, 10), busy=[], allowed=[]) == []
    assert next_windows(duration=timedelta(0), search=span(0, 10), busy=[]) == []
