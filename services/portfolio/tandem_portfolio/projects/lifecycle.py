"""The project lifecycle: stages, the gate at each forward boundary, and which action moves a project where.

idea → proposed → approved → planning → executing → transition → closed, each forward step through a stage gate;
on_hold (deferred, resumable to the stage it left) and terminated from any live stage. Pure rules, no I/O.
"""

from __future__ import annotations

from enum import StrEnum

from tandem_shared.errors import InvalidTransition


class ProjectCategory(StrEnum):
    """Run the business, grow it, or transform it."""

    RUN = "run"
    GROW = "grow"
    TRANSFORM = "transform"


class ProjectStage(StrEnum):
    """Where a project is in its life; an intake starts as an idea."""

    IDEA = "idea"
    PROPOSED = "proposed"
    APPROVED = "approved"
    PLANNING = "planning"
    EXECUTING = "executing"
    TRANSITION = "transition"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    TERMINATED = "terminated"


class Gate(StrEnum):
    """The stage gate at each forward boundary."""

    SCREENING = "screening"
    INVESTMENT = "investment"
    MOBILISE = "mobilise"
    EXECUTE = "execute"
    HANDOVER = "handover"  # operational readiness
    CLOSURE = "closure"


S = ProjectStage
INITIAL_STAGE = S.IDEA
# The forward path, one gate per step: (gate, from, to).
GATES: dict[Gate, tuple[ProjectStage, ProjectStage]] = {
    Gate.SCREENING: (S.IDEA, S.PROPOSED),
    Gate.INVESTMENT: (S.PROPOSED, S.APPROVED),
    Gate.MOBILISE: (S.APPROVED, S.PLANNING),
    Gate.EXECUTE: (S.PLANNING, S.EXECUTING),
    Gate.HANDOVER: (S.EXECUTING, S.TRANSITION),
    Gate.CLOSURE: (S.TRANSITION, S.CLOSED),
}
ENDED = frozenset({S.CLOSED, S.TERMINATED})
LIVE = frozenset(from_stage for from_stage, _ in GATES.values())  # every stage with a gate ahead of it

# Actions besides passing a gate. "resume" returns to the stage the project was held from (not in the table).
DEFER, TERMINATE, RESUME = "defer", "terminate", "resume"
STOPS: dict[str, tuple[frozenset[ProjectStage], ProjectStage]] = {
    DEFER: (LIVE, S.ON_HOLD),
    TERMINATE: (LIVE | {S.ON_HOLD}, S.TERMINATED),
}
# A project held before its first recorded stage (rows migrated from "deferred") resumes to this stage.
RESUME_FALLBACK = S.PROPOSED


def gate_ahead(stage: str) -> Gate | None:
    """The gate a project in this stage passes next, if any."""
    return next((gate for gate, (source, _) in GATES.items() if source == stage), None)


def allowed_actions(stage: str) -> list[str]:
    """Every action allowed from a stage, sorted: the gate ahead (by its name), defer, terminate, resume."""
    current = ProjectStage(stage)
    actions = {action for action, (sources, _) in STOPS.items() if current in sources}
    gate = gate_ahead(current)
    if gate is not None:
        actions.add(gate.value)
    if current is S.ON_HOLD:
        actions.add(RESUME)
    return sorted(actions)


def refuse(stage: str, action: str) -> InvalidTransition:
    """The 409 for an action the stage does not allow, naming the allowed ones."""
    return InvalidTransition(entity="project", state=stage, action=action, allowed=allowed_actions(stage))


def next_stage(stage: str, action: str, *, held_from: str | None = None) -> ProjectStage:
    """The stage an action leads to (a gate's name passes that gate), or 409 naming the allowed actions."""
    current = ProjectStage(stage)
    if action not in allowed_actions(current):
        raise refuse(stage, action)
    if action == RESUME:
        return ProjectStage(held_from) if held_from in LIVE else RESUME_FALLBACK
    if action in STOPS:
        return STOPS[action][1]
    return GATES[Gate(action)][1]


def accepts_demand(stage: str) -> bool:
    """A project on hold, terminated or closed plans no demand (capacity released it)."""
    return ProjectStage(stage) in LIVE


def editable(stage: str) -> bool:
    """An ended project's record is frozen."""
    return ProjectStage(stage) not in ENDED
