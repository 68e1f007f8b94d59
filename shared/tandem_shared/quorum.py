"""GLPI's quorum rule for one voting step (a CAB approval step, a stage gate, a review): accepted, waiting or refused.

Pure and shared, so every service that puts a decision to a group of voters decides it the same way.
"""

from __future__ import annotations

from enum import StrEnum


# How a step's required value is read: a number of approvals, or a percentage of the eligible voters. (Comments,
# not docstrings, on the enums: a docstring would become their description in every OpenAPI document using them.)
class QuorumKind(StrEnum):
    NUMBER = "number"
    PERCENTAGE = "percentage"


# Where a voting step stands.
class StepState(StrEnum):
    PENDING = "pending"  # a later step, not open for votes yet
    WAITING = "waiting"  # open: the quorum can still be reached
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELED = "canceled"  # the subject was rejected or withdrawn before this step was decided


def check_quorum(kind: QuorumKind, value: int) -> None:
    """ValueError unless the quorum value fits its kind (a number ≥ 1, a percentage 1..100)."""
    if value < 1 or (kind is QuorumKind.PERCENTAGE and value > 100):
        raise ValueError("a number quorum is at least 1; a percentage quorum is 1 to 100")


def evaluate(kind: QuorumKind, required: int, *, voters: int, approvals: int, rejections: int) -> StepState:
    """The state of a step with `voters` eligible members and the votes cast so far (GLPI's rule)."""
    # accepted ≥ required → accepted; accepted + waiting ≥ required → waiting; otherwise refused. With a percentage
    # quorum the counts are shares of the eligible voters.
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
