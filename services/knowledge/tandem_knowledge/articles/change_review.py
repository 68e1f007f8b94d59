"""The draft post-implementation review Tandem writes when a change fails or is backed out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tandem_shared.contracts.change import ChangeImplemented

# Outcomes that ask for a review (BRIEF §4: "review drafts when a change fails").
REVIEW_OUTCOMES = frozenset({"failed", "backed_out"})
REVIEW_TAG = "change-review"
SYSTEM_AUTHOR = "tandem"
MAX_TITLE = 200
# change reports teamless changes as this; such a review is owned by whoever completed the change
UNASSIGNED_TEAM = "unassigned"
_OUTCOME_WORDS = {"failed": "Failed", "backed_out": "Backed out", "successful": "Successful",
                  "successful_with_issues": "Successful with issues"}


@dataclass(frozen=True)
class ReviewDraft:
    """What the review article is created with."""

    title: str
    body: str
    owner: str
    tags: list[str]


def needs_review(outcome: str) -> bool:
    """Whether an implementation outcome asks for a post-implementation review."""
    return outcome in REVIEW_OUTCOMES


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else "not recorded"


def _duration(start: datetime | None, end: datetime) -> str:
    if start is None:
        return "unknown (no actual start recorded)"
    minutes = round((end - start).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _incidents(priorities: list[int]) -> str:
    if not priorities:
        return "none recorded"
    return ", ".join(f"P{p}" for p in sorted(priorities)) + f" ({len(priorities)} in all)"


def review_draft(data: ChangeImplemented) -> ReviewDraft:
    """The review's title, Markdown body, owner and tags, from the implemented change."""
    outcome = _OUTCOME_WORDS.get(data.outcome, data.outcome)
    name = data.title or f"change {data.id}"
    title = f"Post-implementation review: {name}"
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    team = data.team.strip()
    owner = team if team and team != UNASSIGNED_TEAM else data.completed_by
    cis = "\n".join(f"- `{ci}`" for ci in data.affected_cis) or "- none recorded"
    body = f"""# {title}

> Drafted by Tandem because change `{data.id}` finished as **{outcome}**. Fill in the sections below,
> then send the review for approval.

## What was planned
- Change: `{data.id}` ({data.type} change, risk {data.risk or "not assessed"})
- Team: {team or "not recorded"}; completed by {data.completed_by}
- Project: {f"`{data.project_id}`" if data.project_id else "none"}

## Outcome
- Outcome: **{outcome}**
- Actual start: {_when(data.actual_start)}
- Actual end: {_when(data.actual_end)}
- Duration: {_duration(data.actual_start, data.actual_end)}
- Incidents caused: {_incidents(data.incidents_caused)}

## Affected configuration items
{cis}

## Timeline
_What happened, when, and who acted._

## Root cause
_Why the change did not succeed._

## What went well
_What to keep doing._

## Actions
_Follow-up actions, each with an owner and a due date._
"""
    return ReviewDraft(title=title, body=body, owner=owner[:200], tags=[REVIEW_TAG, data.outcome])
