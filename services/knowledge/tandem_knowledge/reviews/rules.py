"""Review rules, without I/O: who may vote on a version, and what the votes decide under the shared quorum model.

Approvals are the accepted votes of the quorum (tandem_shared.quorum, the CAB's and the gate boards' model): the
version is published when they reach the quorum, and returned to draft once the quorum can no longer be reached.
A configured group votes with its members (the version's authors left out); an open group (no members) is any
knowledge editor but the authors, with a number quorum: its N seats go to the first N editors who vote, so one
rejection returns the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from tandem_shared.errors import Conflict, Forbidden, Problem
from tandem_shared.quorum import QuorumKind, StepState, check_quorum, evaluate, reachable


class Decision(StrEnum):
    """A reviewer approves the version or rejects it (with a comment saying what to change)."""

    APPROVE = "approve"
    REJECT = "reject"


class ReviewState(StrEnum):
    """Open until decided by the votes, or withdrawn by the authors."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def check_policy(kind: QuorumKind, value: int, members: Sequence[str]) -> str | None:
    """Why a policy cannot work (a message for the quorum field), or None."""
    try:
        check_quorum(kind, value)
    except ValueError as exc:
        return str(exc)
    if not members and kind is QuorumKind.PERCENTAGE:
        return "an open group (no members: any knowledge editor) takes a number quorum; name members for a percentage"
    if members and not reachable(kind, value, len(set(members))):
        return f"{len(set(members))} member(s) can never reach a quorum of {value}" + (
            " %" if kind is QuorumKind.PERCENTAGE else "")
    return None


def eligible_reviewers(members: Iterable[str], authors: Iterable[str]) -> list[str]:
    """The members less the version's authors, in order, each once."""
    excluded = set(authors)
    return [m for m in dict.fromkeys(members) if m not in excluded]


def seats(*, open_group: bool, reviewers: Sequence[str], quorum_value: int) -> int:
    """How many votes the quorum is counted over: the eligible members, or an open group's quorum number."""
    return quorum_value if open_group else len(reviewers)


def outcome(kind: QuorumKind, required: int, *, seats: int, decisions: Sequence[str]) -> StepState:
    """Accepted (publish), refused (back to draft) or still waiting, from the votes cast so far."""
    approvals = sum(1 for d in decisions if d == Decision.APPROVE)
    return evaluate(kind, required, voters=seats, approvals=approvals, rejections=len(decisions) - approvals)


def vote_refusal(sub: str, *, is_editor: bool, authors: Sequence[str], open_group: bool, reviewers: Sequence[str],
                 voted: Iterable[str]) -> Problem | None:
    """Why this person may not vote on the review now (403 or 409), or None."""
    if sub in authors:
        return Forbidden(f"{sub} wrote this version of the article; an author never approves their own article — "
                         "another knowledge editor reviews it", reason="own_article")
    if open_group and not is_editor:
        return Forbidden("any knowledge editor reviews this article (its review group names no members); "
                         f"{sub} is not one", reason="not_a_reviewer", required_roles=["knowledge_editor"])
    if not open_group and sub not in reviewers:
        return Forbidden(f"{sub} is not a reviewer of this version", reason="not_a_reviewer", reviewers=list(reviewers))
    if sub in set(voted):
        # One vote per reviewer: the decision cites every vote, so a vote is never replaced.
        return Conflict(f"{sub} already voted on this review; a vote cannot be changed")
    return None
