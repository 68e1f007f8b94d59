"""ServiceNow's change success score: what one implemented change adds to its team's score."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tandem_change.record.lifecycle import Outcome

OUTCOME_POINTS = {
    Outcome.SUCCESSFUL: 3,
    Outcome.SUCCESSFUL_WITH_ISSUES: -2,
    Outcome.FAILED: -5,
    Outcome.BACKED_OUT: -5,  # a backed-out change failed to deliver: scored as failed
}
INCIDENT_POINTS = {1: -10, 2: -5, 3: -2}


def score_delta(outcome: Outcome, incident_priorities: Sequence[int] = ()) -> int:
    """The outcome's points plus the points of every P1/P2/P3 incident the change caused."""
    return OUTCOME_POINTS[outcome] + incident_points(incident_priorities)


def incident_points(priorities: Iterable[int]) -> int:
    """The points of the P1/P2/P3 incidents among these (lower priorities cost nothing)."""
    return sum(INCIDENT_POINTS.get(p, 0) for p in priorities)


def scored_incidents(priorities: Iterable[int]) -> list[int]:
    """The priorities that count for the score and its `incidents_caused`: P1, P2 and P3."""
    return sorted(p for p in priorities if p in INCIDENT_POINTS)


def priority_number(priority: str) -> int:
    """'P1' → 1: metrics names priorities as the ITSM tools do, change scores them by number."""
    return int(priority.removeprefix("P"))


def incidents_that_count(linked: Sequence[int] | None, typed: Sequence[int] | None) -> list[int]:
    """The incidents a change is scored for: the linked ones once any link names it, else those typed in.

    Links come from the incident records themselves (metrics' linking rule or the source system), so they replace
    the priorities typed in at completion as soon as one exists; a change no link names keeps the typed ones.
    """
    return scored_incidents(linked if linked is not None else (typed or ()))
