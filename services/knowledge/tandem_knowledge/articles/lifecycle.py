"""The article lifecycle, without I/O: kinds, statuses, and which action is allowed in which workflow state.

An article is draft → in_review → published → retired. A published article is revised through a pending revision
(draft, then in_review) while readers keep its published version, so the state an action is checked against is the
article's status together with its revision's: `workflow_state(status, revision_status)`.
"""

from __future__ import annotations

from enum import StrEnum

from tandem_shared.errors import InvalidTransition


class ArticleKind(StrEnum):
    HOW_TO = "how_to"
    RUNBOOK = "runbook"
    KNOWN_ERROR = "known_error"
    LESSONS_LEARNED = "lessons_learned"
    HANDOVER = "handover"
    FAQ = "faq"
    # A post-implementation review, drafted by Tandem when a change fails or is backed out.
    CHANGE_REVIEW = "change_review"


class ArticleStatus(StrEnum):
    """Every article starts as a draft."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


# The status of a row of article_versions: a pending revision (draft, in_review), the version readers see
# (published), or an earlier published version (superseded).
class VersionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


PENDING = (VersionStatus.DRAFT.value, VersionStatus.IN_REVIEW.value)


class Action(StrEnum):
    """What a person does to an article (a vote's outcome, publish or return, follows from the quorum)."""

    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    VOTE = "vote"
    REVISE = "revise"
    DISCARD = "discard"
    RETIRE = "retire"
    CONFIRM_REVIEW = "confirm_review"
    FEEDBACK = "feedback"


class WorkflowState(StrEnum):
    """The article's status, and its pending revision's when a published article is being revised."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    REVISION_DRAFT = "published_with_draft_revision"
    REVISION_IN_REVIEW = "published_with_revision_in_review"
    RETIRED = "retired"


INITIAL_STATUS = ArticleStatus.DRAFT

# (state, action) -> the state after it. Vote outcomes are listed under APPROVED / RETURNED below.
TRANSITIONS: dict[WorkflowState, dict[Action, WorkflowState]] = {
    WorkflowState.DRAFT: {
        Action.EDIT: WorkflowState.DRAFT, Action.SUBMIT: WorkflowState.IN_REVIEW,
        # A draft that will never be published (e.g. a handover draft for a CI nobody runs) can be retired.
        Action.RETIRE: WorkflowState.RETIRED,
    },
    WorkflowState.IN_REVIEW: {
        Action.WITHDRAW: WorkflowState.DRAFT, Action.VOTE: WorkflowState.IN_REVIEW,
    },
    WorkflowState.PUBLISHED: {
        Action.EDIT: WorkflowState.REVISION_DRAFT, Action.REVISE: WorkflowState.REVISION_DRAFT,
        Action.RETIRE: WorkflowState.RETIRED, Action.CONFIRM_REVIEW: WorkflowState.PUBLISHED,
        Action.FEEDBACK: WorkflowState.PUBLISHED,
    },
    WorkflowState.REVISION_DRAFT: {
        Action.EDIT: WorkflowState.REVISION_DRAFT, Action.SUBMIT: WorkflowState.REVISION_IN_REVIEW,
        Action.DISCARD: WorkflowState.PUBLISHED, Action.RETIRE: WorkflowState.RETIRED,
        Action.CONFIRM_REVIEW: WorkflowState.REVISION_DRAFT, Action.FEEDBACK: WorkflowState.REVISION_DRAFT,
    },
    WorkflowState.REVISION_IN_REVIEW: {
        Action.WITHDRAW: WorkflowState.REVISION_DRAFT, Action.VOTE: WorkflowState.REVISION_IN_REVIEW,
        Action.CONFIRM_REVIEW: WorkflowState.REVISION_IN_REVIEW, Action.FEEDBACK: WorkflowState.REVISION_IN_REVIEW,
    },
    WorkflowState.RETIRED: {},
}
# Where the review's decision takes the article: accepted publishes the version under review, refused returns it.
APPROVED = {WorkflowState.IN_REVIEW: WorkflowState.PUBLISHED, WorkflowState.REVISION_IN_REVIEW: WorkflowState.PUBLISHED}
RETURNED = {WorkflowState.IN_REVIEW: WorkflowState.DRAFT,
            WorkflowState.REVISION_IN_REVIEW: WorkflowState.REVISION_DRAFT}


def workflow_state(status: str, revision_status: str | None) -> WorkflowState:
    """The state actions are checked against: the article's status, refined by its pending revision."""
    if status == ArticleStatus.PUBLISHED and revision_status is not None:
        return (WorkflowState.REVISION_IN_REVIEW if revision_status == VersionStatus.IN_REVIEW
                else WorkflowState.REVISION_DRAFT)
    return WorkflowState(status)


def allowed(state: WorkflowState) -> list[str]:
    """The actions allowed in a state, sorted."""
    return sorted(action.value for action in TRANSITIONS[state])


def check(state: WorkflowState, action: Action) -> WorkflowState:
    """The state after the action, or a 409 naming the actions allowed in this state."""
    after = TRANSITIONS[state].get(action)
    if after is None:
        raise InvalidTransition(entity="article", state=state.value, action=action.value, allowed=allowed(state))
    return after


def in_review(state: WorkflowState) -> bool:
    """Whether a version of the article is under review."""
    return state in APPROVED
