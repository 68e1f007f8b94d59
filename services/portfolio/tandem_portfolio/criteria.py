"""The registry of gate criteria: each package says what its own facts mean for a stage gate.

A gate (package `gates`) evaluates the criteria configured for it by name; the evaluator of a criterion lives with
the aggregate whose facts it reads (e.g. `business_case_complete` in `business_cases`), and registers itself here at
import. So `gates` depends on this module only, never on the packages whose facts it judges, and a package adds a
criterion without touching `gates`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem_shared.uow import UnitOfWork

    from tandem_portfolio.projects.models import Project


@dataclass(frozen=True)
class CriterionResult:
    """Whether a criterion is met for a project, and why (in words a gate board reads)."""

    met: bool
    why: str
    facts: dict[str, Any] = field(default_factory=dict)


# evaluate(uow, project, params) -> CriterionResult; params come from the gate's configuration (e.g. a threshold).
Evaluator = Callable[["UnitOfWork", "Project", dict[str, Any]], Awaitable[CriterionResult]]


@dataclass(frozen=True)
class Criterion:
    """A named criterion: what it checks, the parameters it takes, and its evaluator."""

    name: str
    description: str
    evaluate: Evaluator
    params: dict[str, str] = field(default_factory=dict)  # parameter name -> what it means


CRITERIA: dict[str, Criterion] = {}


def criterion(name: str, description: str, **params: str) -> Callable[[Evaluator], Evaluator]:
    """Register the decorated evaluator under `name` (import-time; a name registered twice is a bug)."""

    def register(evaluate: Evaluator) -> Evaluator:
        if name in CRITERIA:
            raise RuntimeError(f"gate criterion {name!r} registered twice")
        CRITERIA[name] = Criterion(name=name, description=description, evaluate=evaluate, params=params)
        return evaluate

    return register
