"""ServiceNow's change success score: what one implemented change adds to its team's score."""

from __future__ import annotations

from collections.abc import Sequence

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
    return OUTCOME_POINTS[outcome] + sum(INCIDENT_POINTS[p] for p in incident_priorities)
