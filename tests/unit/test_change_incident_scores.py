"""Which incidents a change is scored for: the linked ones once any exists, else those typed in at completion."""

from __future__ import annotations

import pytest
from tandem_change.scores.rules import incident_points, incidents_that_count, priority_number, scored_incidents


def test_priorities_are_numbered_as_scored() -> None:
    assert [priority_number(p) for p in ("P1", "P2", "P3", "P4")] == [1, 2, 3, 4]


@pytest.mark.parametrize(("linked", "typed", "counted", "points"), [
    (None, [3], [3], -2),  # nothing linked: the typed-in P3
    (None, None, [], 0),  # implemented before incidents were typed in
    ([1], [3], [1], -10),  # a linked P1 replaces the typed-in P3
    ([4], [1, 2], [], 0),  # a link exists (a P4, worth nothing): the typed ones no longer count
    ([2, 1, 3, 4], [], [1, 2, 3], -17),  # P4 incidents neither cost points nor count as caused
])
def test_linked_incidents_replace_typed_ones(linked, typed, counted, points) -> None:
    assert incidents_that_count(linked, typed) == counted
    assert incident_points(counted) == points == incident_points(linked if linked is not None else typed or [])


def test_only_p1_to_p3_count() -> None:
    assert scored_incidents([4, 3, 1, 4]) == [1, 3]
