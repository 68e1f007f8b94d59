"""The change lifecycle table, without I/O."""

from __future__ import annotations

import pytest
from tandem_change.domain.lifecycle import ChangeState as S
from tandem_change.domain.lifecycle import ChangeType as T
from tandem_change.domain.lifecycle import allowed_actions, books_capacity, next_state
from tandem_shared.errors import InvalidTransition


@pytest.mark.parametrize(("change_type", "after_submit"), [(T.NORMAL, S.ASSESS), (T.EMERGENCY, S.AUTHORIZE),
                                                           (T.STANDARD, S.SCHEDULED)])
def test_submit_routes_by_type(change_type: T, after_submit: S) -> None:
    assert next_state(change_type, S.NEW, "submit") is after_submit


def test_approve_and_reject_from_assess_and_authorize() -> None:
    for state in (S.ASSESS, S.AUTHORIZE):
        assert next_state(T.NORMAL, state, "approve") is S.SCHEDULED
        assert next_state(T.EMERGENCY, state, "reject") is S.NEW


def test_cancel_from_every_open_state_before_review_only() -> None:
    for state in (S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED, S.IMPLEMENT):
        assert next_state(T.NORMAL, state, "cancel") is S.CANCELED
    for state in (S.REVIEW, S.CLOSED, S.CANCELED):
        with pytest.raises(InvalidTransition):
            next_state(T.NORMAL, state, "cancel")


def test_refusal_names_the_allowed_actions() -> None:
    with pytest.raises(InvalidTransition) as refused:
        next_state(T.NORMAL, S.NEW, "approve")
    assert refused.value.status == 409
    assert refused.value.extensions["allowed_transitions"] == ["cancel", "submit"]
    assert allowed_actions(T.STANDARD, S.NEW) == ["cancel", "submit"]
    assert allowed_actions(T.NORMAL, S.CANCELED) == []


def test_standard_changes_are_never_approved_by_hand() -> None:
    with pytest.raises(InvalidTransition):
        next_state(T.STANDARD, S.SCHEDULED, "approve")


def test_capacity_is_booked_once_authorised() -> None:
    assert books_capacity(S.SCHEDULED) and not books_capacity(S.ASSESS) and not books_capacity(S.CANCELED)
