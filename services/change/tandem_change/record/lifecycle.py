"""The change lifecycle (ServiceNow's model): which action moves which type from which state."""

from __future__ import annotations

from enum import StrEnum

from tandem_shared.errors import InvalidTransition


class ChangeType(StrEnum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class ChangeState(StrEnum):
    NEW = "new"
    ASSESS = "assess"
    AUTHORIZE = "authorize"
    SCHEDULED = "scheduled"
    IMPLEMENT = "implement"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELED = "canceled"


class Outcome(StrEnum):
    SUCCESSFUL = "successful"
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues"
    FAILED = "failed"
    BACKED_OUT = "backed_out"


T, S = ChangeType, ChangeState
ALL_TYPES = tuple(ChangeType)
AUTHORISED_TYPES = (T.NORMAL, T.EMERGENCY)
OPEN_BEFORE_REVIEW = (S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED, S.IMPLEMENT)

# action -> type -> {from: to}. Standard changes are pre-authorised; emergency ones skip assess.
# "authorize" is taken by the system when the last approval step reaches its quorum, never by a client.
TRANSITIONS: dict[str, dict[ChangeType, dict[ChangeState, ChangeState]]] = {
    "submit": {T.STANDARD: {S.NEW: S.SCHEDULED}, T.NORMAL: {S.NEW: S.ASSESS}, T.EMERGENCY: {S.NEW: S.AUTHORIZE}},
    "assess": {T.NORMAL: {S.ASSESS: S.AUTHORIZE}},
    "authorize": {t: {S.AUTHORIZE: S.SCHEDULED} for t in AUTHORISED_TYPES},
    "reject": {T.NORMAL: {S.ASSESS: S.NEW, S.AUTHORIZE: S.NEW}, T.EMERGENCY: {S.AUTHORIZE: S.NEW}},
    "start": {t: {S.SCHEDULED: S.IMPLEMENT} for t in ALL_TYPES},
    "complete": {t: {S.IMPLEMENT: S.REVIEW} for t in ALL_TYPES},
    "close": {t: {S.REVIEW: S.CLOSED} for t in ALL_TYPES},
    "cancel": {t: dict.fromkeys(OPEN_BEFORE_REVIEW, S.CANCELED) for t in ALL_TYPES},
}
SYSTEM_ACTIONS = frozenset({"authorize"})

# Actions that keep the state: votes while authorising, moving the window until the change is implemented.
STAY_ACTIONS: dict[str, dict[ChangeType, frozenset[ChangeState]]] = {
    "approve": {t: frozenset({S.AUTHORIZE}) for t in AUTHORISED_TYPES},
    "vote": {t: frozenset({S.AUTHORIZE}) for t in AUTHORISED_TYPES},
    "reschedule": {t: frozenset({S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED}) for t in ALL_TYPES},
}


def allowed_actions(change_type: ChangeType, state: ChangeState) -> list[str]:
    """The actions a client can take on a change of this type in this state."""
    moves = {a for a, by_type in TRANSITIONS.items()
             if a not in SYSTEM_ACTIONS and state in by_type.get(change_type, {})}
    stays = {a for a, by_type in STAY_ACTIONS.items() if state in by_type.get(change_type, ())}
    return sorted(moves | stays)


def _refuse(change_type: ChangeType, state: ChangeState, action: str) -> InvalidTransition:
    return InvalidTransition(entity=f"{change_type.value} change", state=state.value, action=action,
                             allowed=allowed_actions(change_type, state))


def next_state(change_type: ChangeType, state: ChangeState, action: str) -> ChangeState:
    """The state an action leads to, or InvalidTransition naming the allowed actions."""
    target = TRANSITIONS.get(action, {}).get(change_type, {}).get(state)
    if target is None:
        raise _refuse(change_type, state, action)
    return target


def check_stay_action(change_type: ChangeType, state: ChangeState, action: str) -> None:
    """InvalidTransition unless an in-place action (vote, approve, reschedule) is possible now."""
    if state not in STAY_ACTIONS[action].get(change_type, ()):
        raise _refuse(change_type, state, action)


def books_capacity(state: ChangeState) -> bool:
    """True once a change is authorised: from then on its implementer's hours are booked."""
    return state in (S.SCHEDULED, S.IMPLEMENT, S.REVIEW, S.CLOSED)


def review_notes_required(change_type: ChangeType, outcome: Outcome | None) -> bool:
    """Failed, backed-out and every emergency change need review notes before closing."""
    return change_type is T.EMERGENCY or outcome in (Outcome.FAILED, Outcome.BACKED_OUT)


# Fields a PATCH may change per state. In new everything; in assess all but the type and model (the
# assessment has not been made yet); once assessed only what does not alter what was authorised.
RECORD_FIELDS = frozenset({
    "title", "description", "justification", "implementation_plan", "backout_plan", "test_plan",
    "outage_required", "affected_cis", "project_id",
})
EDITABLE_FIELDS: dict[ChangeState, frozenset[str]] = {
    S.NEW: RECORD_FIELDS | {"type", "model_id"},
    S.ASSESS: RECORD_FIELDS,
    S.AUTHORIZE: frozenset({"description", "project_id"}),
    S.SCHEDULED: frozenset({"description", "project_id"}),
    S.IMPLEMENT: frozenset({"description", "project_id"}),
    S.REVIEW: frozenset({"description", "project_id", "review_notes"}),
    S.CLOSED: frozenset(),
    S.CANCELED: frozenset(),
}
