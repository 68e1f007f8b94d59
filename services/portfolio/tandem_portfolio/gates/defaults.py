"""What a gate checks when no portfolio configured it (docs/portfolio.md lists these)."""

from __future__ import annotations

from typing import Any

from tandem_shared.quorum import QuorumKind

from tandem_portfolio.projects.lifecycle import Gate

DEFAULT_PORTFOLIO = "default"  # its configuration of a gate applies to every portfolio without its own


def _c(name: str, **params: Any) -> dict[str, Any]:
    return {"name": name, "params": params}


BUILT_IN_CRITERIA: dict[Gate, list[dict[str, Any]]] = {
    Gate.SCREENING: [_c("problem_stated"), _c("sponsor_named"), _c("objectives_linked", min=1)],
    Gate.INVESTMENT: [_c("sponsor_named"), _c("objectives_linked", min=1), _c("touches_named", min=1)],
    Gate.MOBILISE: [_c("project_manager_named"), _c("touches_named", min=1)],
    Gate.EXECUTE: [_c("project_manager_named"), _c("demand_planned", min=1), _c("service_owner_named")],
    # Operational readiness, measured from change's, knowledge's and capacity's events (handover/criteria.py).
    Gate.HANDOVER: [_c("service_owner_named"), _c("cis_registered"), _c("runbooks_published"),
                    _c("support_capacity_booked"), _c("go_live_change_approved")],
    Gate.CLOSURE: [_c("service_owner_named"), _c("service_owner_accepted")],
}
# Nobody can be guessed onto a board: until one is configured, a review cannot open (409 says where to set it).
BUILT_IN_MEMBERS: list[str] = []
BUILT_IN_QUORUM = (QuorumKind.NUMBER, 1)
