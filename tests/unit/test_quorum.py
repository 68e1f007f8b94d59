"""GLPI's quorum rule for a voting step (shared: CAB steps, stage gates, reviews), without I/O."""

from __future__ import annotations

import pytest
from tandem_shared.quorum import QuorumKind, StepState, check_quorum, evaluate, reachable

P, NUM = QuorumKind.PERCENTAGE, QuorumKind.NUMBER
A, W, R = StepState.ACCEPTED, StepState.WAITING, StepState.REFUSED


@pytest.mark.parametrize(("kind", "required", "voters", "approvals", "rejections", "expected"), [
    (NUM, 1, 3, 0, 0, W), (NUM, 1, 3, 1, 0, A), (NUM, 2, 3, 1, 1, W), (NUM, 2, 3, 1, 2, R),
    (NUM, 3, 3, 2, 1, R), (NUM, 3, 3, 3, 0, A), (NUM, 1, 1, 0, 1, R),
])
def test_number_quorum(kind, required, voters, approvals, rejections, expected):
    assert evaluate(kind, required, voters=voters, approvals=approvals, rejections=rejections) is expected


@pytest.mark.parametrize(("required", "voters", "approvals", "rejections", "expected"), [
    (50, 2, 1, 0, A),   # 50 % ≥ 50 %
    (50, 4, 1, 0, W),   # 25 % + 75 % waiting can still reach 50 %
    (50, 4, 1, 2, W),   # 25 % + 25 % waiting = 50 %
    (50, 4, 1, 3, R),   # 25 % and nobody left
    (51, 2, 1, 1, R),
    (100, 3, 2, 0, W), (100, 3, 2, 1, R), (100, 3, 3, 0, A),
    (1, 5, 0, 5, R), (1, 5, 1, 4, A),
])
def test_percentage_quorum_accepted_waiting_refused(required, voters, approvals, rejections, expected):
    assert evaluate(P, required, voters=voters, approvals=approvals, rejections=rejections) is expected


def test_exact_integer_comparison_of_thirds():
    assert evaluate(P, 33, voters=3, approvals=1, rejections=0) is A
    assert evaluate(P, 34, voters=3, approvals=1, rejections=2) is R
    assert evaluate(P, 67, voters=3, approvals=2, rejections=0) is W  # 66.7 % < 67 %, one voter left
    assert evaluate(P, 66, voters=3, approvals=2, rejections=1) is A


def test_no_voters_and_unreachable_quorums():
    assert evaluate(P, 50, voters=0, approvals=0, rejections=0) is R
    assert evaluate(NUM, 1, voters=0, approvals=0, rejections=0) is R
    assert not reachable(NUM, 3, 2) and reachable(NUM, 2, 2)
    assert not reachable(P, 50, 0) and reachable(P, 100, 1)


def test_impossible_vote_counts_and_quorum_values_are_refused():
    with pytest.raises(ValueError):
        evaluate(NUM, 1, voters=1, approvals=1, rejections=1)
    for kind, value in ((NUM, 0), (P, 0), (P, 101)):
        with pytest.raises(ValueError):
            check_quorum(kind, value)
    check_quorum(NUM, 1000)
    check_quorum(P, 100)
