"""The draft review of a failed change: which outcomes ask for one, and what it says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from tandem_knowledge.articles.change_review import needs_review, review_draft
from tandem_shared.contracts.change import ChangeImplemented

CHANGE = uuid.UUID("0b1d5c0e-8f1e-4a3b-9d6f-2c7f3e9a1b42")
CI = "0b5f3a52-8a53-4a5e-9f37-7a2e5d1c9e01"


def implemented(**overrides) -> ChangeImplemented:  # noqa: ANN003
    fields = dict(  # noqa: C408 - keyword form mirrors the contract's fields
        id=CHANGE, type="normal", outcome="failed", team="Platform", assignee_id=None, risk="moderate",
        affected_cis=[CI], project_id=None, actual_start=datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
        actual_end=datetime(2026, 11, 21, 0, 35, tzinfo=UTC), incidents_caused=[3, 1], completed_by="dana",
        state="review", title="Patch the payment gateway",
    )
    return ChangeImplemented(**{**fields, **overrides})


@pytest.mark.parametrize(("outcome", "expected"), [
    ("failed", True), ("backed_out", True), ("successful", False), ("successful_with_issues", False)])
def test_only_failed_and_backed_out_changes_ask_for_a_review(outcome: str, expected: bool) -> None:
    assert needs_review(outcome) is expected


def test_the_draft_names_the_change_its_outcome_times_incidents_and_cis() -> None:
    draft = review_draft(implemented())
    assert draft.title == "Post-implementation review: Patch the payment gateway"
    assert draft.owner == "Platform" and draft.tags == ["change-review", "failed"]
    assert f"change `{CHANGE}` finished as **Failed**" in draft.body
    assert "- Change: `0b1d5c0e-8f1e-4a3b-9d6f-2c7f3e9a1b42` (normal change, risk moderate)" in draft.body
    assert "- Actual start: 2026-11-20T22:00:00+00:00" in draft.body
    assert "- Actual end: 2026-11-21T00:35:00+00:00" in draft.body
    assert "- Duration: 2 h 35 min" in draft.body
    assert "- Incidents caused: P1, P3 (2 in all)" in draft.body
    assert f"## Affected configuration items\n- `{CI}`\n" in draft.body
    sections = [line for line in draft.body.splitlines() if line.startswith("## ")]
    assert sections == ["## What was planned", "## Outcome", "## Affected configuration items", "## Timeline",
                        "## Root cause", "## What went well", "## Actions"]


def test_missing_facts_are_said_plainly_and_a_teamless_change_is_owned_by_its_implementer() -> None:
    draft = review_draft(implemented(
        outcome="backed_out", team="unassigned", actual_start=None, incidents_caused=[], affected_cis=[],
        risk=None, title=None))
    assert draft.title == f"Post-implementation review: change {CHANGE}"
    assert draft.owner == "dana" and draft.tags == ["change-review", "backed_out"]
    assert "finished as **Backed out**" in draft.body and "risk not assessed" in draft.body
    assert "- Actual start: not recorded" in draft.body
    assert "- Duration: unknown (no actual start recorded)" in draft.body
    assert "- Incidents caused: none recorded" in draft.body
    assert "## Affected configuration items\n- none recorded\n" in draft.body


def test_a_long_change_title_is_cut_to_the_article_title_limit() -> None:
    draft = review_draft(implemented(title="x" * 300, actual_end=datetime(2026, 11, 20, 22, 40, tzinfo=UTC)))
    assert len(draft.title) == 200 and draft.title.endswith("…")
    assert "- Duration: 40 min" in draft.body
