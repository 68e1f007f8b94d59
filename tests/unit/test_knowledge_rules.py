"""Knowledge's pure rules: the lifecycle table, version diffs, review-date arithmetic and staleness at the boundary,
and review decisions under the shared quorum model."""

from __future__ import annotations

import difflib
from datetime import date, timedelta

import pytest
from tandem_knowledge.articles.diff import field_changes, line_diff
from tandem_knowledge.articles.evergreen import (
    DEFAULT_INTERVAL_DAYS,
    article_is_stale,
    days_overdue,
    is_due,
    is_stale,
    review_due_after,
    stale_before,
)
from tandem_knowledge.articles.lifecycle import (
    TRANSITIONS,
    Action,
    WorkflowState,
    allowed,
    check,
    workflow_state,
)
from tandem_knowledge.reviews.rules import (
    Decision,
    check_policy,
    eligible_reviewers,
    outcome,
    seats,
    vote_refusal,
)
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition
from tandem_shared.quorum import QuorumKind, StepState

W = WorkflowState

# --- lifecycle ---


@pytest.mark.parametrize(("status", "revision", "state"), [
    ("draft", None, W.DRAFT), ("in_review", None, W.IN_REVIEW), ("published", None, W.PUBLISHED),
    ("published", "draft", W.REVISION_DRAFT), ("published", "in_review", W.REVISION_IN_REVIEW),
    ("retired", None, W.RETIRED)])
def test_the_workflow_state_is_the_status_refined_by_a_pending_revision(status, revision, state):
    assert workflow_state(status, revision) is state


@pytest.mark.parametrize(("state", "action", "after"), [
    (W.DRAFT, Action.SUBMIT, W.IN_REVIEW), (W.DRAFT, Action.EDIT, W.DRAFT), (W.DRAFT, Action.RETIRE, W.RETIRED),
    (W.IN_REVIEW, Action.WITHDRAW, W.DRAFT), (W.IN_REVIEW, Action.VOTE, W.IN_REVIEW),
    (W.PUBLISHED, Action.EDIT, W.REVISION_DRAFT), (W.PUBLISHED, Action.REVISE, W.REVISION_DRAFT),
    (W.PUBLISHED, Action.RETIRE, W.RETIRED), (W.REVISION_DRAFT, Action.SUBMIT, W.REVISION_IN_REVIEW),
    (W.REVISION_DRAFT, Action.DISCARD, W.PUBLISHED), (W.REVISION_IN_REVIEW, Action.WITHDRAW, W.REVISION_DRAFT),
    (W.REVISION_IN_REVIEW, Action.FEEDBACK, W.REVISION_IN_REVIEW)])
def test_allowed_transitions(state, action, after):
    assert check(state, action) is after


def test_an_invalid_transition_is_a_409_naming_the_allowed_ones():
    with pytest.raises(InvalidTransition) as refused:
        check(W.IN_REVIEW, Action.EDIT)
    assert refused.value.status == 409
    assert refused.value.extensions["allowed_transitions"] == ["vote", "withdraw"]
    assert "cannot edit a article in state 'in_review'" in refused.value.detail
    with pytest.raises(InvalidTransition) as retired:
        check(W.RETIRED, Action.REVISE)
    assert retired.value.extensions["allowed_transitions"] == []
    assert allowed(W.DRAFT) == ["edit", "retire", "submit"]


def test_under_review_text_cannot_change_and_only_published_articles_take_feedback_or_a_review_confirmation():
    for state in (W.IN_REVIEW, W.REVISION_IN_REVIEW, W.RETIRED):
        assert Action.EDIT not in TRANSITIONS[state]
    for state in (W.DRAFT, W.IN_REVIEW, W.RETIRED):
        assert Action.FEEDBACK not in TRANSITIONS[state] and Action.CONFIRM_REVIEW not in TRANSITIONS[state]
    # A published article being revised is still published: readers rate it, its owner confirms it.
    for state in (W.PUBLISHED, W.REVISION_DRAFT, W.REVISION_IN_REVIEW):
        assert Action.FEEDBACK in TRANSITIONS[state] and Action.CONFIRM_REVIEW in TRANSITIONS[state]


# --- diffs ---

OLD = "## Steps\n1. Drain traffic\n2. Restart pay-gw-01\n3. Restart pay-gw-02\n4. Check\n5. Done\n6. Tell ops\n"
NEW = "## Steps\n1. Drain traffic\n2. Restart pay-gw-01\n3. Restart pay-gw-03\n4. Check\n5. Done\n6. Tell ops\n7. Log\n"


def test_the_unified_diff_is_difflibs_and_the_hunks_number_both_sides():
    diff = line_diff(OLD, NEW, old_label="version 1", new_label="version 2")
    expected = "\n".join(difflib.unified_diff(OLD.splitlines(), NEW.splitlines(), "version 1", "version 2",
                                              lineterm=""))
    assert diff.unified == expected
    assert (diff.added, diff.removed) == (2, 1)
    (hunk,) = diff.hunks
    assert hunk.header == "@@ -1,7 +1,8 @@" and expected.splitlines()[2] == hunk.header
    ops = [(line.op, line.old_line, line.new_line, line.text) for line in hunk.lines]
    assert ops[3:5] == [("-", 4, None, "3. Restart pay-gw-02"), ("+", None, 4, "3. Restart pay-gw-03")]
    assert ops[-1] == ("+", None, 8, "7. Log") and ops[-2] == (" ", 7, 7, "6. Tell ops")


def test_distant_changes_make_separate_hunks_and_equal_texts_none():
    old = "\n".join(f"line {i}" for i in range(1, 21))
    new = old.replace("line 2\n", "line two\n").replace("line 19", "line nineteen")
    diff = line_diff(old, new)
    assert [h.header for h in diff.hunks] == ["@@ -1,5 +1,5 @@", "@@ -16,5 +16,5 @@"]
    assert line_diff(old, old).hunks == [] and line_diff(old, old).unified == ""
    first = line_diff("", "a\nb")
    assert first.hunks[0].header == "@@ -0,0 +1,2 @@" and first.added == 2


def test_field_changes_name_what_differs():
    assert field_changes({"title": "A", "tags": ["x"]}, {"title": "B", "tags": ["x"]}) == {
        "title": {"from": "A", "to": "B"}}


# --- evergreen ---

PUBLISHED = date(2027, 1, 15)


def test_the_review_date_is_publication_plus_the_kinds_interval():
    assert review_due_after(PUBLISHED, DEFAULT_INTERVAL_DAYS["runbook"]) == date(2027, 4, 15)
    assert review_due_after(PUBLISHED, DEFAULT_INTERVAL_DAYS["known_error"]) == date(2027, 7, 14)
    assert review_due_after(PUBLISHED, DEFAULT_INTERVAL_DAYS["how_to"]) == date(2028, 1, 15)
    assert review_due_after(date(2028, 2, 29), 365) == date(2029, 2, 28)  # a leap day
    assert review_due_after(PUBLISHED, DEFAULT_INTERVAL_DAYS["change_review"]) is None
    assert {k: DEFAULT_INTERVAL_DAYS[k] for k in ("runbook", "handover", "faq", "lessons_learned")} == {
        "runbook": 90, "handover": 90, "faq": 365, "lessons_learned": 730}


def test_due_on_the_review_date_and_stale_only_past_the_grace_period():
    due = date(2027, 4, 15)
    assert not is_due(due, due - timedelta(days=1)) and is_due(due, due) and days_overdue(due, due) == 0
    assert days_overdue(due, due - timedelta(days=1)) is None and days_overdue(due, date(2027, 5, 15)) == 30
    # Grace 30 days: on due + 30 it is not stale yet, the day after it is.
    assert not is_stale(due, due + timedelta(days=30), 30)
    assert is_stale(due, due + timedelta(days=31), 30)
    assert is_stale(due, due + timedelta(days=31), timedelta(days=30))
    assert not is_stale(due, due, 0) and is_stale(due, due + timedelta(days=1), 0)
    assert not is_stale(None, date(2099, 1, 1), 0)
    # The query bound agrees with the rule on both sides of it.
    today = date(2027, 6, 1)
    bound = stale_before(today, 30)
    assert is_stale(bound - timedelta(days=1), today, 30) and not is_stale(bound, today, 30)


def test_only_published_articles_go_stale():
    long_ago = date(2020, 1, 1)
    assert article_is_stale("published", long_ago, PUBLISHED, 30)
    for status in ("draft", "in_review", "retired"):
        assert not article_is_stale(status, long_ago, PUBLISHED, 30)


# --- reviews under the shared quorum ---

def test_the_authors_are_never_among_the_reviewers():
    assert eligible_reviewers(["kim", "alice", "lee", "kim"], ["alice"]) == ["kim", "lee"]


def test_configured_groups_count_their_members_and_open_groups_their_quorum():
    assert seats(open_group=False, reviewers=["kim", "lee", "ola"], quorum_value=2) == 3
    assert seats(open_group=True, reviewers=[], quorum_value=2) == 2


@pytest.mark.parametrize(("kind", "required", "voters", "decisions", "state"), [
    (QuorumKind.NUMBER, 1, 1, ["approve"], StepState.ACCEPTED),
    (QuorumKind.NUMBER, 1, 1, ["reject"], StepState.REFUSED),
    (QuorumKind.NUMBER, 2, 3, ["approve"], StepState.WAITING),
    (QuorumKind.NUMBER, 2, 3, ["approve", "reject"], StepState.WAITING),
    (QuorumKind.NUMBER, 2, 3, ["reject", "reject"], StepState.REFUSED),
    (QuorumKind.PERCENTAGE, 60, 3, ["approve"], StepState.WAITING),
    (QuorumKind.PERCENTAGE, 60, 3, ["approve", "approve"], StepState.ACCEPTED),  # 66 % ≥ 60 %
    (QuorumKind.PERCENTAGE, 60, 3, ["approve", "reject"], StepState.WAITING),
    (QuorumKind.PERCENTAGE, 60, 3, ["reject", "reject"], StepState.REFUSED),
    (QuorumKind.NUMBER, 2, 2, ["approve", "reject"], StepState.REFUSED),  # an open group of 2 seats
])
def test_votes_are_decided_by_the_shared_quorum(kind, required, voters, decisions, state):
    assert outcome(kind, required, seats=voters, decisions=decisions) is state


def test_who_may_vote():
    def refusal(sub: str, **kw):  # noqa: ANN003, ANN202
        args = {"is_editor": True, "authors": ["alice"], "open_group": False, "reviewers": ["kim", "lee"],
                "voted": [], **kw}
        return vote_refusal(sub, **args)

    own = refusal("alice", reviewers=["alice", "kim"])
    assert isinstance(own, Forbidden) and own.extensions["reason"] == "own_article"
    assert "never approves their own article" in own.detail
    outsider = refusal("zed")
    assert isinstance(outsider, Forbidden) and outsider.extensions["reason"] == "not_a_reviewer"
    assert refusal("kim") is None
    assert isinstance(refusal("kim", voted=["kim"]), Conflict)
    assert refusal("zed", open_group=True, reviewers=[]) is None
    viewer = refusal("vera", open_group=True, reviewers=[], is_editor=False)
    assert isinstance(viewer, Forbidden) and viewer.extensions["required_roles"] == ["knowledge_editor"]


def test_a_policy_must_be_able_to_decide():
    assert check_policy(QuorumKind.NUMBER, 1, []) is None
    assert check_policy(QuorumKind.PERCENTAGE, 50, ["kim", "lee"]) is None
    assert "open group" in check_policy(QuorumKind.PERCENTAGE, 50, [])
    assert "can never reach" in check_policy(QuorumKind.NUMBER, 3, ["kim", "lee"])
    assert check_policy(QuorumKind.PERCENTAGE, 101, ["kim"]) is not None
    assert check_policy(QuorumKind.NUMBER, 0, ["kim"]) is not None
    assert Decision("approve") is Decision.APPROVE


def test_lessons_set_the_reported_budget_figures_against_the_plan():
    from tandem_knowledge.drafts.lessons import budget_section

    case = {"currency": "EUR", "total_costs": "120000", "total_capex": "100000", "total_opex": "20000",
            "total_benefits": "300000", "npv": "150000.5", "roi": 1.5}
    report = {"week": "2027-W05", "dimensions": {"budget": {
        "colour": "red", "explanation": "over", "facts": {"planned_to_date": "100", "actual_to_date": "130",
                                                          "currency": "EUR", "overrun_percent": 30.0}}}}
    assert budget_section(case, report).splitlines() == [
        "- Planned (business case): costs 120,000.00 EUR (capex 100,000.00 EUR, opex 20,000.00 EUR), benefits "
        "300,000.00 EUR, NPV 150,000.50 EUR, ROI 150.0 %.",
        "- Last status report (2027-W05): budget **red** — actual 130.00 EUR against planned 100.00 EUR to date "
        "(+30.0 %)."]
    bare = {"week": "2027-W06", "dimensions": {"budget": {"colour": "green", "explanation": "no budget set",
                                                          "facts": {}}}}
    assert budget_section(None, bare).splitlines()[1] == "- Last status report (2027-W06): budget **green** — " \
        "no budget set."
