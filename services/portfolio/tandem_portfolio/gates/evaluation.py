"""Evaluating a gate's configured criteria through the registry, and what the results add up to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tandem_portfolio.criteria import CRITERIA, Criterion

if TYPE_CHECKING:
    from tandem_shared.uow import UnitOfWork

    from tandem_portfolio.projects.models import Project


async def evaluate_criteria(uow: UnitOfWork, project: Project, configured: Sequence[Mapping[str, Any]],
                            registry: Mapping[str, Criterion] = CRITERIA) -> list[dict[str, Any]]:
    """Each configured criterion met or not, and why: [{name, params, met, why, facts}], in configured order."""
    results = []
    for item in configured:
        name, params = item["name"], dict(item.get("params") or {})
        found = registry.get(name)
        if found is None:  # configured, then its package stopped registering it: never met silently
            met, why, facts = False, f"criterion {name!r} is not available in this version", {}
        else:
            try:
                outcome = await found.evaluate(uow, project, params)
                met, why, facts = outcome.met, outcome.why, outcome.facts
            except ValueError as exc:  # a parameter the evaluator cannot use
                met, why, facts = False, f"misconfigured: {exc}", {}
        results.append({"name": name, "params": params, "met": met, "why": why, "facts": facts})
    return results


def unmet(results: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The results not met, in order."""
    return [r for r in results if not r["met"]]


def all_met(results: Sequence[Mapping[str, Any]]) -> bool:
    """Every criterion met (a gate without criteria has nothing unmet)."""
    return not unmet(results)
