"""A gate board's rules, without I/O: who votes, and what the votes decide under the shared quorum model.

"go" votes are the accepted ones of the quorum (tandem_shared.quorum, the CAB's model): the gate passes when they
reach the quorum; once it can no longer be reached, the most common other vote decides, a tie holding the project.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum

from tandem_shared.errors import Conflict, Forbidden, Problem
from tandem_shared.quorum import QuorumKind, StepState, evaluate


class Vote(StrEnum):
    """What a board member says: pass the gate, put the project on hold, rework it for a new review, or stop it."""

    GO = "go"
    HOLD = "hold"
    RECYCLE = "recycle"
    KILL = "kill"


class ReviewState(StrEnum):
    """Open until decided; canceled when the project leaves the stage by another decision."""

    OPEN = "open"
    PASSED = "passed"
    HELD = "held"
    RECYCLED = "recycled"
    KILLED = "killed"
    CANCELED = "canceled"


OUTCOME_STATE = {Vote.GO: ReviewState.PASSED, Vote.HOLD: ReviewState.HELD, Vote.RECYCLE: ReviewState.RECYCLED,
                 Vote.KILL: ReviewState.KILLED}
STOPS = (Vote.HOLD, Vote.RECYCLE, Vote.KILL)  # in tie-break order: a tie holds


def tally(votes: Iterable[str]) -> dict[str, int]:
    """How many votes of each kind, every kind listed."""
    counts = Counter(votes)
    return {vote.value: counts.get(vote.value, 0) for vote in Vote}


def stop_decision(counts: dict[str, int]) -> Vote:
    """The most common vote other than go; a tie (or no such vote) is hold."""
    best = max(counts.get(v.value, 0) for v in STOPS)
    leaders = [v for v in STOPS if counts.get(v.value, 0) == best]
    return leaders[0] if len(leaders) == 1 else Vote.HOLD


def decision(kind: QuorumKind, required: int, *, voters: int, votes: Sequence[str]) -> Vote | None:
    """What the votes cast so far decide, or None while the go quorum can still be reached but is not yet."""
    counts = tally(votes)
    go = counts[Vote.GO.value]
    state = evaluate(kind, required, voters=voters, approvals=go, rejections=len(votes) - go)
    if state is StepState.ACCEPTED:
        return Vote.GO
    if state is StepState.WAITING:
        return None
    return stop_decision(counts)


def eligible_voters(members: Iterable[str], *, sponsor: str | None, project_manager: str | None) -> list[str]:
    """The board less the project's sponsor and project manager, in order, each once."""
    return [m for m in dict.fromkeys(members) if m not in {sponsor, project_manager}]


def vote_refusal(sub: str, *, sponsor: str | None, project_manager: str | None, voters: Sequence[str],
                 voted: Iterable[str]) -> Problem | None:
    """Why this person may not vote now (403 or 409), or None."""
    for role, holder in (("sponsor", sponsor), ("project manager", project_manager)):
        if holder is not None and sub == holder:
            return Forbidden(f"{sub} is the project's {role}; a sponsor or project manager never votes on their own "
                             "project's gates", reason=f"own_{role.replace(' ', '_')}")
    if sub not in voters:
        return Forbidden(f"{sub} is not on this review's gate board", reason="not_a_member", eligible_voters=voters)
    if sub in set(voted):
        # One vote per member: a vote is part of the record the decision cites, so it is never replaced.
        return Conflict(f"{sub} already voted on this gate review; a vote cannot be changed")
    return None
