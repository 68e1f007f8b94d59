"""Delivery risk use cases: keep a team's score and keep each of its projects' automatic delivery-risk entry in line.

The entry is the project's one risk with source `automatic` and source key `delivery_team_score`: raised when the
delivering team's score falls below the threshold, updated while it stays there, closed when it recovers (or when
the project names another team that is not at risk), reopened if it falls again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tandem_shared.uow import UnitOfWork

from tandem_portfolio.projects import service as projects
from tandem_portfolio.projects.lifecycle import editable
from tandem_portfolio.projects.models import Project
from tandem_portfolio.risks import service as risks
from tandem_portfolio.risks.repository import RiskRepository
from tandem_portfolio.teams.repository import TeamScoreRepository
from tandem_portfolio.teams.rules import SOURCE_KEY, delivery_risk
from tandem_portfolio.teams.settings import risk_threshold

ACTOR = "tandem"  # automatic entries are the platform's, not a person's


async def keep_score(uow: UnitOfWork, *, team: str, score: int, previous_score: int, change_id: uuid.UUID,
                     outcome: str, changed_at: datetime) -> None:
    """Keep the team's new score and bring the delivery risk of every live project it delivers in line."""
    scores = uow.repo(TeamScoreRepository)
    await scores.keep(team, score=score, previous_score=previous_score, change_id=change_id, outcome=outcome,
                      changed_at=changed_at)
    for project in await scores.projects_delivered_by(team):
        await sync_delivery_risk(uow, project)


async def sync_delivery_risk(uow: UnitOfWork, project: Project) -> None:
    """Raise, update, reopen or close the project's automatic delivery-risk entry after its team's score."""
    if not editable(project.stage):
        return  # a closed or terminated project's register is history
    known = await uow.repo(TeamScoreRepository).of(project.delivery_team)
    wanted = delivery_risk(known.team, known.score, risk_threshold()) if known else None
    entry = await uow.repo(RiskRepository).by_source_key(project.id, SOURCE_KEY)
    if wanted is None:
        if entry is not None and entry.status != "closed":
            await risks.update_risk(uow, actor=ACTOR, risk=entry, changes={
                "status": "closed", "source_explanation": entry.source_explanation + "; closed: "
                + (f"the team's score recovered to {known.score}" if known else "no team at risk delivers it")})
        return
    if entry is None:
        await risks.raise_risk(uow, actor=ACTOR, project=project, kind="risk", title=wanted.title,
                               probability=wanted.probability, impact=wanted.impact, owner=project.project_manager,
                               source="automatic", source_explanation=wanted.explanation, source_key=SOURCE_KEY)
        return
    changes: dict[str, object] = {"title": wanted.title, "probability": wanted.probability, "impact": wanted.impact,
                                  "source_explanation": wanted.explanation}
    if entry.status == "closed":
        changes["status"] = "open"
    await risks.update_risk(uow, actor=ACTOR, risk=entry, changes=changes)


async def _follow_delivery_team(uow: UnitOfWork, project: Project, changed: frozenset[str], _actor: str) -> None:
    if "delivery_team" in changed:
        await sync_delivery_risk(uow, project)


projects.ON_FIELDS_CHANGED.append(_follow_delivery_team)
