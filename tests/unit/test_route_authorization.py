"""Every state-changing route decides who may call it before it loads anything: a role gate (`require_roles`) runs
as a dependency, ahead of the body, the entity and its state. Routes whose callers are decided by the entity itself
(its sponsor, board, reviewers, approvers) are listed here with who they admit; their use cases check that first,
before the entity's state (tests/integration/platform/test_authorization_before_state.py)."""

from __future__ import annotations

import importlib

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

SERVICES = ("portfolio", "capacity", "change", "knowledge", "metrics")
SAFE = {"GET", "HEAD", "OPTIONS"}
PROJECT_OWNERS = "the project's creator, sponsor or manager, or pmo / project_manager"
DECIDED_BY_THE_ENTITY = {
    ("change", "POST", "/changes/{change_id}/approve"): "approvers: cab_member, change_manager or a group member",
    ("change", "POST", "/changes/{change_id}/votes"): "approvers: cab_member, change_manager or a group member",
    ("change", "POST", "/changes/{change_id}/reject"): "change managers and approvers",
    ("knowledge", "POST", "/articles/{article_id}/votes"): "knowledge editors and the reviewers a review names",
    ("knowledge", "POST", "/articles/{article_id}/feedback"): "every reader rates what they read",
    ("portfolio", "PATCH", "/projects/{project_id}"): PROJECT_OWNERS,
    ("portfolio", "POST", "/projects/{project_id}/gates/{gate}/reviews"): PROJECT_OWNERS,
    ("portfolio", "POST", "/projects/{project_id}/gates/{gate}/reviews/{review_id}/votes"): "the gate's board",
    ("portfolio", "POST", "/projects/{project_id}/handover/accept"): "the project's named service owner",
    ("portfolio", "PUT", "/projects/{project_id}/business-case"): PROJECT_OWNERS,
    ("portfolio", "POST", "/projects/{project_id}/benefits-realised"): PROJECT_OWNERS,
    ("portfolio", "PUT", "/projects/{project_id}/scoring-inputs"): PROJECT_OWNERS,
}
# Execution records of a project: its stewards (tandem_portfolio.stewardship.ensure_steward).
STEWARDED = tuple(f"/projects/{{project_id}}/{records}"
                  for records in ("milestones", "risks", "scope-changes", "costs", "status"))


def _calls(dependant: Dependant) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        found.append(getattr(sub.call, "__qualname__", repr(sub.call)))
        found += _calls(sub)
    return found


def _writes(service: str) -> list[tuple[str, str, APIRoute]]:
    spec = importlib.import_module(f"tandem_{service}.main").SPEC
    return [(method, route.path, route) for router in spec.routers for route in router.routes
            if isinstance(route, APIRoute) for method in sorted(route.methods - SAFE)]


@pytest.mark.parametrize("service", SERVICES)
def test_every_state_changing_route_has_a_role_gate_or_says_who_it_admits(service: str) -> None:
    ungated = []
    for method, path, route in _writes(service):
        gated = any(call.startswith("require_roles") for call in _calls(route.dependant))
        listed = (service, method, path) in DECIDED_BY_THE_ENTITY or (
            service == "portfolio" and path.startswith(STEWARDED))
        if not gated and not listed:
            ungated.append(f"{method} {path}")
    assert ungated == [], f"{service}: give these a require_roles gate, or list who they admit"


def test_the_list_names_only_routes_that_exist() -> None:
    existing = {(service, method, path) for service in SERVICES for method, path, _ in _writes(service)}
    assert set(DECIDED_BY_THE_ENTITY) <= existing, set(DECIDED_BY_THE_ENTITY) - existing


@pytest.mark.parametrize("service", SERVICES)
def test_every_state_changing_route_runs_in_the_request_unit_of_work(service: str) -> None:
    # A stale If-Match is answered when the unit of work closes (tandem_shared.api.check_if_match): a write outside
    # it would never answer the 412.
    outside = [f"{method} {path}" for method, path, route in _writes(service)
               if "_request_unit_of_work" not in _calls(route.dependant)]
    assert outside == []
