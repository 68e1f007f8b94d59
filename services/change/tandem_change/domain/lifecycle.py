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


S = ChangeState
OPEN_BEFORE_REVIEW = (S.NEW, S.ASSESS, S.AUTHORIZE, S.SCHEDULED, S.IMPLEMENT)

# action -> type -> {from: to}. Standard changes are pre-authorised; emergency ones skip assess.
TRANSITIONS: dict[str, dict[ChangeType, dict[ChangeState, ChangeState]]] = {
    "submit": {
        ChangeType.STANDARD: {S.NEW: S.SCHEDULED},
        ChangeType.NORMAL: {S.NEW: S.ASSESS},
        ChangeType.EMERGENCY: {S.NEW: S.AUTHORIZE},
    },
    "approve": {t: {S.ASSESS: S.SCHEDULED, S.AUTHORIZE: S.SCHEDULED} for t in (ChangeType.NORMAL, ChangeType.EMERGENCY)},
    "reject": {t: {S.ASSESS: S.NEW, S.AUTHORIZE: S.NEW} for t in (ChangeType.NORMAL, ChangeType.EMERGENCY)},
    "cancel": {t: {s: S.CANCELED for s in OPEN_BEFORE_REVIEW} for t in ChangeType},
}
TRANSITIONS["approve"][ChangeType.STANDARD] = {}
TRANSITIONS["reject"][ChangeType.STANDARD] = {}


def allowed_actions(change_type: ChangeType, state: ChangeState) -> list[str]:
    """The actions possible for a change of this type in this state."""
    return sorted(a for a, by_type in TRANSITIONS.items() if state in by_type.get(change_type, {}))


def next_state(change_type: ChangeType, state: ChangeState, action: str) -> ChangeState:
    """The state an action leads to, or InvalidTransition naming the allowed actions."""
    target = TRANSITIONS[action].get(change_type, {}).get(state)
    if target is None:
        raise InvalidTransition(
            entity=f"{change_type.value} change", state=state.value, action=action,
            allowed=allowed_actions(change_type, state),
        )
    return target


def books_capacity(state: ChangeState) -> bool:
    """True once a change is authorised: from then on its implementer's hours are booked."""
    return state in (S.SCHEDULED, S.IMPLEMENT, S.REVIEW, S.CLOSED)
