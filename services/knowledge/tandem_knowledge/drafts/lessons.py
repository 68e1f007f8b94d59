"""The lessons-learned article Tandem drafts when a project closes, filled in from what its events recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from tandem_knowledge.drafts.handover import Draft, title_of

LESSONS_TAG = "lessons-learned"
FAILED_OUTCOMES = ("failed", "backed_out")


@dataclass(frozen=True)
class ReviewFact:
    """A post-implementation review article of one of the project's changes."""

    id: uuid.UUID
    title: str
    status: str
    change_id: uuid.UUID | None


@dataclass(frozen=True)
class LessonsFacts:
    """What the project's events recorded (each list as the projections keep it)."""

    project_id: uuid.UUID
    project_name: str
    category: str | None
    milestones: list[dict[str, Any]] = field(default_factory=list)
    business_case: dict[str, Any] | None = None
    last_report: dict[str, Any] | None = None
    scope_changes: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # each with "id"
    reviews: list[ReviewFact] = field(default_factory=list)


def _money(value: Any, currency: str | None) -> str:
    try:
        amount = f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount} {currency}" if currency else amount


def schedule_section(milestones: list[dict[str, Any]]) -> str:
    """Milestones reached, how many late, the total and worst slip, and a table."""
    if not milestones:
        return "- No milestone completion was recorded."
    slips = [m for m in milestones if m.get("slip_days") is not None]
    late = [m for m in slips if m["slip_days"] > 0]
    lines = [f"- {len(milestones)} milestone(s) reached; {len(late)} late against the baseline"
             + (f" by {sum(m['slip_days'] for m in late)} day(s) in all" if late else "")
             + (f"; {len(milestones) - len(slips)} had no baseline" if len(slips) < len(milestones) else "") + "."]
    if late:
        worst = max(late, key=lambda m: m["slip_days"])
        lines.append(f"- Worst slip: {worst['name']}, {worst['slip_days']} day(s) ({worst.get('baseline_date')} → "
                     f"{worst.get('actual_date')}).")
    lines += ["", "| milestone | baseline | actual | slip (days) |", "| --- | --- | --- | --- |"]
    lines += [f"| {m['name']} | {m.get('baseline_date') or '—'} | {m.get('actual_date')} | "
              f"{m['slip_days'] if m.get('slip_days') is not None else '—'} |" for m in milestones]
    return "\n".join(lines)


def budget_section(business_case: dict[str, Any] | None, last_report: dict[str, Any] | None) -> str:
    """The business case's planned totals against the last reported budget figures."""
    lines = []
    if business_case:
        cur = business_case.get("currency")
        lines.append(f"- Planned (business case): costs {_money(business_case.get('total_costs'), cur)} "
                     f"(capex {_money(business_case.get('total_capex'), cur)}, opex "
                     f"{_money(business_case.get('total_opex'), cur)}), benefits "
                     f"{_money(business_case.get('total_benefits'), cur)}, NPV {_money(business_case.get('npv'), cur)}"
                     + (f", ROI {float(business_case['roi']) * 100:.1f} %" if business_case.get("roi") is not None
                        else "") + ".")
    else:
        lines.append("- No business case was recorded.")
    budget = ((last_report or {}).get("dimensions") or {}).get("budget")
    if budget:
        facts = budget.get("facts") or {}
        cur = facts.get("currency")
        if "actual_to_date" in facts and "planned_to_date" in facts:
            said = (f"actual {_money(facts['actual_to_date'], cur)} against planned "
                    f"{_money(facts['planned_to_date'], cur)} to date"
                    + (f" ({facts['overrun_percent']:+.1f} %)" if facts.get("overrun_percent") is not None else ""))
        else:  # a report without the figures still explains its colour
            said = str(budget.get("explanation"))
        lines.append(f"- Last status report ({(last_report or {}).get('week')}): budget **{budget.get('colour')}** — "
                     f"{said}.")
    else:
        lines.append("- No status report gave budget figures.")
    return "\n".join(lines)


def scope_section(changes: list[dict[str, Any]]) -> str:
    """Approved scope changes with their schedule and cost impact."""
    if not changes:
        return "- No scope change was approved."
    days = sum(c.get("schedule_impact_days") or 0 for c in changes)
    lines = [f"- {len(changes)} approved scope change(s), {days:+d} day(s) of schedule impact in all:"]
    lines += [f"  - {c.get('description')} ({c.get('schedule_impact_days') or 0:+d} days, cost "
              f"{_money(c.get('cost_impact'), c.get('currency'))})" for c in changes]
    return "\n".join(lines)


def risk_section(risks: list[dict[str, Any]]) -> str:
    """The risks and issues that happened."""
    happened = [r for r in risks if r.get("occurred")]
    if not happened:
        return f"- None of the {len(risks)} registered risk(s) happened." if risks else "- No risk was registered."
    return "\n".join(f"- {r.get('title')} ({r.get('kind')}, score {r.get('score')}, owner {r.get('owner') or '—'}, "
                     f"now {r.get('status')})" for r in happened)


def change_section(changes: list[dict[str, Any]], reviews: list[ReviewFact]) -> str:
    """The project's changes that failed or were backed out, and their review articles."""
    if not changes:
        return "- No change linked to the project was implemented."
    failed = [c for c in changes if c.get("outcome") in FAILED_OUTCOMES]
    lines = [f"- {len(changes)} change(s) implemented, {len(failed)} failed or backed out."]
    by_change = {r.change_id: r for r in reviews}
    for change in failed:
        review = by_change.get(uuid.UUID(str(change["id"])))
        said = (f"review: “{review.title}” ({review.status}, article `{review.id}`)" if review
                else "no review article")
        lines.append(f"  - {change.get('title') or 'change'} (`{change['id']}`): {change.get('outcome')} — {said}")
    return "\n".join(lines)


def lessons_draft(facts: LessonsFacts) -> Draft:
    """The lessons-learned article's title, Markdown body and tags."""
    title = title_of(f"Lessons learned: {facts.project_name}")
    body = f"""# {title}

> Drafted by Tandem because project **{facts.project_name}** (`{facts.project_id}`) closed, from what its events
> recorded. Check the facts, add what the team learned, then send it for review; once published it is offered to
> the next projects touching the same services.

## Schedule
{schedule_section(facts.milestones)}

## Budget
{budget_section(facts.business_case, facts.last_report)}

## Scope
{scope_section(facts.scope_changes)}

## Risks that happened
{risk_section(facts.risks)}

## Changes that failed
{change_section(facts.changes, facts.reviews)}

## What went well
_What to repeat._

## What to do differently
_What to change next time, and why._

## Recommendations for the next project touching these services
_Advice for the intake of the next project on the same services._
"""
    tags = [LESSONS_TAG] + ([facts.category.strip().lower()] if facts.category else [])
    return Draft(title=title, body=body, tags=list(dict.fromkeys(tags)))
