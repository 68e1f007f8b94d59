"""Delivery risk from the delivering team's change success score, without I/O.

Change keeps a cumulative score per team (docs/change-lifecycle.md: successful +3, with issues −2, failed or backed
out −5, each incident caused −10/−5/−2; a new team starts at 0). A score below the threshold
(`TANDEM_PORTFOLIO_TEAM_SCORE_RISK_THRESHOLD`, default 0: the team has lost more than it gained) is a delivery risk
of every live project the team delivers. Impact 3 (moderate); probability 3 just below the threshold, 4 from 10
points below it (two failures more than successes), 5 from 20 below.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_KEY = "delivery_team_score"  # one automatic entry per project, whatever team delivers it
IMPACT = 3


@dataclass(frozen=True)
class DeliveryRisk:
    """The register entry a low score asks for."""

    probability: int
    impact: int
    title: str
    explanation: str


def at_risk(score: int, threshold: int) -> bool:
    """A score strictly below the threshold is a delivery risk."""
    return score < threshold


def delivery_risk(team: str, score: int, threshold: int) -> DeliveryRisk | None:
    """The entry for a team's score, or None when the score is at or above the threshold."""
    if not at_risk(score, threshold):
        return None
    shortfall = threshold - score
    probability = 5 if shortfall >= 20 else 4 if shortfall >= 10 else 3
    return DeliveryRisk(
        probability=probability, impact=IMPACT,
        title=f"Delivery team {team}: change success score {score}",
        explanation=f"the delivering team {team}'s change success score is {score}, below the threshold {threshold} "
                    f"(change: successful +3, with issues −2, failed −5, incidents −10/−5/−2); probability "
                    f"{probability} for a shortfall of {shortfall}")
