"""Risk rules without I/O: the score and the status transitions."""

from __future__ import annotations

STATUSES = ("open", "mitigating", "closed", "occurred")
# Where a risk may go from each status; a closed risk can be reopened, an occurred one mitigated or closed.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"mitigating", "closed", "occurred"}),
    "mitigating": frozenset({"open", "closed", "occurred"}),
    "occurred": frozenset({"mitigating", "closed"}),
    "closed": frozenset({"open"}),
}
ISSUE_PROBABILITY = 5  # an issue is a risk that has happened


def score(probability: int, impact: int) -> int:
    """Probability × impact, each 1–5: 1 to 25."""
    if not (1 <= probability <= 5 and 1 <= impact <= 5):
        raise ValueError("probability and impact are 1 to 5")
    return probability * impact


def allowed_statuses(status: str) -> list[str]:
    """The statuses a risk may move to from this one, sorted."""
    return sorted(TRANSITIONS[status])
