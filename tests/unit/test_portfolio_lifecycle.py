"""The project lifecycle without I/O: the stage table, the gate at each boundary, holds, resumptions, refusals."""

from __future__ import annotations

import pytest
from tandem_portfolio.projects.lifecycle import (
    GATES,
    RESUME_FALLBACK,
    Gate,
    ProjectStage,
    accepts_demand,
    allowed_actions,
    editable,
    gate_ahead,
    next_stage,
)
from tandem_shared.errors import InvalidTransition

S = ProjectStage
PATH = [S.IDEA, S.PROPOSED, S.APPROVED, S.PLANNING, S.EXECUTING, S.TRANSITION, S.CLOSED]


def test_each_forward_step_passes_one_gate_in_order():
    stage = S.IDEA
    for gate in Gate:
        assert gate_ahead(stage) is gate
        stage = next_stage(stage, gate.value)
    assert [source for source, _ in GATES.values()] + [stage] == PATH
    assert gate_ahead(S.CLOSED) is None and gate_ahead(S.ON_HOLD) is None


@pytest.mark.parametrize(("stage", "allowed"), [
    (S.IDEA, ["defer", "screening", "terminate"]),
    (S.PROPOSED, ["defer", "investment", "terminate"]),
    (S.PLANNING, ["defer", "execute", "terminate"]),
    (S.TRANSITION, ["closure", "defer", "terminate"]),
    (S.ON_HOLD, ["resume", "terminate"]),
    (S.CLOSED, []),
    (S.TERMINATED, []),
])
def test_allowed_actions_per_stage(stage, allowed):
    assert allowed_actions(stage) == allowed


def test_a_gate_out_of_turn_is_a_409_naming_the_allowed_actions():
    with pytest.raises(InvalidTransition) as refused:
        next_stage("idea", "investment")
    body = refused.value.body()
    assert body["status"] == 409 and body["allowed_transitions"] == ["defer", "screening", "terminate"]
    assert "idea" in body["detail"] and body["action"] == "investment"
    for action in ("defer", "resume", "terminate", "closure"):
        with pytest.raises(InvalidTransition):
            next_stage("closed", action)
    with pytest.raises(InvalidTransition):
        next_stage("on_hold", "defer")


def test_hold_and_terminate_from_every_live_stage_and_resume_to_where_it_was():
    for stage in PATH[:-1]:
        assert next_stage(stage, "defer") is S.ON_HOLD
        assert next_stage(stage, "terminate") is S.TERMINATED
        assert next_stage(S.ON_HOLD, "resume", held_from=stage) is stage
    assert next_stage(S.ON_HOLD, "terminate") is S.TERMINATED
    # Rows migrated from "deferred" may not know where they were held from.
    assert next_stage(S.ON_HOLD, "resume", held_from=None) is RESUME_FALLBACK
    assert next_stage(S.ON_HOLD, "resume", held_from="closed") is RESUME_FALLBACK


def test_demand_and_edits_follow_the_stage():
    assert all(accepts_demand(stage) for stage in PATH[:-1])
    assert not any(accepts_demand(stage) for stage in (S.ON_HOLD, S.CLOSED, S.TERMINATED))
    assert editable(S.ON_HOLD) and editable(S.IDEA)
    assert not editable(S.CLOSED) and not editable(S.TERMINATED)
