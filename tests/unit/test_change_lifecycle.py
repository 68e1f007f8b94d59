"""The change lifecycle table, without I/O: every transition allowed and every one refused."""

from __future__ import annotations

import itertools

import pytest
from tandem_change.record.lifecycle import (
    EDITABLE_FIELDS,
    Outcome,
    allowed_actions,
    books_capacity,
    check_stay_action,
    next_state,
    review_notes_required,
)
from tandem_change.record.lifecycle import ChangeState as S
from tandem_change.record.lifecycle import ChangeType as T
from tandem_change.scores.rules import score_delta
from tandem_shared.errors import InvalidTransition

N, E, STD = T.NORMAL, T.EMERGENCY, T.STANDARD
ALLOWED = {  # (type, state, action) -> next state: the whole table, written out
    (STD, S.NEW, "submit"): S.SCHEDULED, (N, S.NEW, "submit"): S.ASSESS, (E, S.NEW, "submit"): S.AUTHORIZE,
    (N, S.ASSESS, "assess"): S.AUTHORIZE,
    (N, S.AUTHORIZE, "authorize"): S.SCHEDULED, (E, S.AUTHORIZE, "authorize"): S.SCHEDULED,
    (N, S.ASSESS, "reject"): S.NEW, (N, S.AUTHORIZE, "reject"): S.NEW, (E, S.AUTHORIZE, "reject"): S.NEW,
    **{(t, S.SCHEDULED, "start"): S.IMPLEMENT for t in T},
    **{(t, S.IMPLEMENT, "complete"): S.REVIEW for t in T},
    **{(t, S.REVIEW, "close"): S.CLOSED for t in T},
    **{(t, s, "cancel"): S.CANCELED for t in T for s in (S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED, S.IMPLEMENT)},
}
ACTIONS = ("submit", "assess", "authorize", "reject", "start", "complete", "close", "cancel")


@pytest.mark.parametrize(("change_type", "state", "action"), sorted(ALLOWED, key=str))
def test_every_allowed_transition(change_type: T, state: S, action: str) -> None:
    assert next_state(change_type, state, action) is ALLOWED[(change_type, state, action)]


REFUSED = [k for k in itertools.product(T, S, ACTIONS) if k not in ALLOWED]


@pytest.mark.parametrize(("change_type", "state", "action"), REFUSED, ids=str)
def test_every_other_transition_is_refused_naming_the_allowed_ones(change_type: T, state: S, action: str) -> None:
    with pytest.raises(InvalidTransition) as refused:
        next_state(change_type, state, action)
    assert refused.value.status == 409
    assert refused.value.extensions["allowed_transitions"] == allowed_actions(change_type, state)


def test_allowed_actions_per_state_hide_the_system_step_and_show_votes_and_reschedule() -> None:
    assert allowed_actions(N, S.NEW) == ["cancel", "reschedule", "submit"]
    assert allowed_actions(N, S.ASSESS) == ["assess", "cancel", "reject", "reschedule"]
    assert allowed_actions(N, S.AUTHORIZE) == ["approve", "cancel", "reject", "reschedule", "vote"]
    assert allowed_actions(E, S.AUTHORIZE) == ["approve", "cancel", "reject", "reschedule", "vote"]
    assert allowed_actions(STD, S.SCHEDULED) == ["cancel", "reschedule", "start"]
    assert allowed_actions(N, S.IMPLEMENT) == ["cancel", "complete"]
    assert allowed_actions(N, S.REVIEW) == ["close"]
    assert allowed_actions(N, S.CLOSED) == allowed_actions(N, S.CANCELED) == []


@pytest.mark.parametrize("state", list(S))
def test_votes_only_while_authorising_and_reschedule_only_before_implementing(state: S) -> None:
    for change_type in T:
        for action, open_in in (("vote", {S.AUTHORIZE} if change_type is not STD else set()),
                                ("approve", {S.AUTHORIZE} if change_type is not STD else set()),
                                ("reschedule", {S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED})):
            if state in open_in:
                check_stay_action(change_type, state, action)
            else:
                with pytest.raises(InvalidTransition):
                    check_stay_action(change_type, state, action)


def test_capacity_is_booked_once_authorised() -> None:
    assert [s for s in S if books_capacity(s)] == [S.SCHEDULED, S.IMPLEMENT, S.REVIEW, S.CLOSED]


def test_review_notes_needed_for_failures_and_every_emergency() -> None:
    assert review_notes_required(N, Outcome.FAILED) and review_notes_required(STD, Outcome.BACKED_OUT)
    assert review_notes_required(E, Outcome.SUCCESSFUL) and review_notes_required(E, None)
    assert not review_notes_required(N, Outcome.SUCCESSFUL)
    assert not review_notes_required(STD, Outcome.SUCCESSFUL_WITH_ISSUES)


def test_type_editable_only_in_new_and_nothing_once_finished() -> None:
    assert "type" in EDITABLE_FIELDS[S.NEW] and all("type" not in EDITABLE_FIELDS[s] for s in S if s is not S.NEW)
    assert EDITABLE_FIELDS[S.CLOSED] == EDITABLE_FIELDS[S.CANCELED] == frozenset()
    assert "backout_plan" in EDITABLE_FIELDS[S.ASSESS] and "backout_plan" not in EDITABLE_FIELDS[S.SCHEDULED]


@pytest.mark.parametrize(("outcome", "incidents", "delta"), [
    (Outcome.SUCCESSFUL, [], 3), (Outcome.SUCCESSFUL_WITH_ISSUES, [], -2), (Outcome.FAILED, [], -5),
    (Outcome.BACKED_OUT, [], -5), (Outcome.SUCCESSFUL, [1], -7), (Outcome.FAILED, [1, 2, 3], -22)])
def test_success_score_multipliers(outcome: Outcome, incidents: list[int], delta: int) -> None:
    assert score_delta(outcome, incidents) == delta
