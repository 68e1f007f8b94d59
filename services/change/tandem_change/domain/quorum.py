"""GLPI's approval rule for one step: accepted, still waiting, or refused, by number or percentage."""

from __future__ import annotations

from enum import StrEnum


class QuorumKind(StrEnum):
    NUMBER = "number"
    PERCENTAGE = "percentage"


class StepState(StrEnum):
    PENDING = "pending"  # a later step, not open for votes yet
    WAITING = "waiting"  # open: the quorum can still be reached
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELED = "canceled"  # the change was rejected or canceled before this step was decided


def check_quorum(kind: QuorumKind, value: int) -> None:
    """ValueError unless the quorum value fits its kind (a number ≥ 1, a percentage 1..100)."""
    if value < 1 or (kind is QuorumKind.PERCENTAGE and value > 100):
        raise ValueError("a number quorum is at least 1; a percentage quorum is 1 to 100")


def evaluate(kind: QuorumKind, required: int, *, voters: int, approvals: int, rejections: int) -> StepState:
    """The state of a step with `voters` eligible members and the votes cast so far.

    accepted ≥ required → accepted; accepted + waiting ≥ required → waiting; otherwise refused.
    With a percentage quorum the counts are shares of the eligible voters.
    """
    if approvals + rejections > voters or min(approvals, rejections) < 0:
        raise ValueError("more votes than eligible voters")
    waiting = voters - approvals - rejections
    if kind is QuorumKind.PERCENTAGE:
        if voters == 0:
            return StepState.REFUSED
        # Compare in integers (approvals / voters ≥ required / 100) so 1 of 3 is never rounded to 33 %.
        accepted = approvals * 100 >= required * voters
        reachable = (approvals + waiting) * 100 >= required * voters
    else:
        accepted = approvals >= required
        reachable = approvals + waiting >= required
    if accepted:
        return StepState.ACCEPTED
    return StepState.WAITING if reachable else StepState.REFUSED


def reachable(kind: QuorumKind, required: int, voters: int) -> bool:
    """True when the step could pass if every eligible voter approved."""
    return evaluate(kind, required, voters=voters, approvals=voters, rejections=0) is StepState.ACCEPTED
