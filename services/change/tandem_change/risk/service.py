"""Risk use cases: the engine's configuration, what it knows of a change, and computing a change's risk."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, ValidationProblem
from tandem_shared.repository import record_audit

from tandem_change.cmdb.impact_service import impact_summary
from tandem_change.record.models import Change
from tandem_change.risk import rules as engine
from tandem_change.risk.models import RiskCondition, RiskQuestionnaire
from tandem_change.risk.repository import QuestionnaireRepository, RiskConditionRepository
from tandem_change.risk.schemas import Questionnaire, RiskConditionCreate, RiskConditionUpdate
from tandem_change.scores.service import score_of, team_of


async def risk_inputs(session: AsyncSession, change: Change) -> engine.RiskInputs:
    """What the risk engine knows about a change now, its stored impact analysis included."""
    team = await team_of(session, change)
    score = await score_of(session, team)
    impact = await impact_summary(session, change.id)
    return engine.RiskInputs(
        change_type=change.type, planned_start=change.planned_start, now=utcnow(),
        outage_required=change.outage_required, affected_ci_count=len(change.affected_cis or []),
        impacted_critical_services=impact.critical_business_services,
        max_impacted_criticality=impact.most_critical,
        team=team, team_success_score=score.score if score else None,
    )


def _questionnaire(row: RiskQuestionnaire) -> engine.Questionnaire:
    return engine.Questionnaire(
        questions=[engine.Question(q["key"], q["text"], [engine.Answer(a["key"], a["text"], a["weight"])
                                                          for a in q["answers"]]) for q in row.questions],
        moderate_from=row.moderate_from, high_from=row.high_from)


async def assess_risk(session: AsyncSession, change: Change,
                      answers: Mapping[str, str] | None) -> engine.RiskAssessment:
    """Compute the change's risk from the active conditions and the answers; 422 naming a bad answer."""
    conditions = [engine.Condition(c.name, engine.ConditionKind(c.kind), engine.RiskLevel(c.risk), c.params)
                  for c in await RiskConditionRepository(session).active_in_order()]
    questionnaire = _questionnaire(await QuestionnaireRepository(session).get())
    try:
        return engine.assess(await risk_inputs(session, change), conditions, questionnaire, answers)
    except ValueError as exc:
        raise ValidationProblem.field("answers", str(exc)) from exc


async def create_condition(session: AsyncSession, *, actor: Actor, body: RiskConditionCreate) -> RiskCondition:
    repo = RiskConditionRepository(session)
    if await repo.by_name(body.name):
        raise Conflict(f"a risk condition named {body.name!r} exists")
    condition = await repo.add(RiskCondition(**body.model_dump(mode="json")))
    await record_audit(session, actor=actor.sub, action="create", entity_type="risk_condition",
                       entity_id=condition.id, detail=body.model_dump(mode="json"))
    return condition


async def update_condition(session: AsyncSession, *, actor: Actor, condition: RiskCondition,
                           body: RiskConditionUpdate) -> RiskCondition:
    fields = body.model_dump(exclude_unset=True, mode="json")
    for name, value in fields.items():
        if value is None:
            raise ValidationProblem.field(name, "cannot be null")
    if fields.get("name") and fields["name"] != condition.name and await RiskConditionRepository(session).by_name(
            fields["name"]):
        raise Conflict(f"a risk condition named {fields['name']!r} exists")
    kind = engine.ConditionKind(fields.get("kind", condition.kind))
    try:
        engine.check_params(kind, fields.get("params", condition.params))
    except ValueError as exc:
        raise ValidationProblem.field("params", str(exc)) from exc
    before = history.snapshot(condition, fields)
    for name, value in fields.items():
        setattr(condition, name, value)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="update", entity_type="risk_condition",
                       entity_id=condition.id, detail=fields,
                       changes=history.changes(before, history.snapshot(condition, before)))
    return condition


async def delete_condition(session: AsyncSession, *, actor: Actor, condition: RiskCondition) -> None:
    await record_audit(session, actor=actor.sub, action="delete", entity_type="risk_condition",
                       entity_id=condition.id, detail={"name": condition.name})
    await RiskConditionRepository(session).delete(condition)


async def replace_questionnaire(session: AsyncSession, *, actor: Actor, body: Questionnaire) -> RiskQuestionnaire:
    """Replace the questionnaire (changes keep the answers and risk they were assessed with)."""
    row = await QuestionnaireRepository(session).get()
    data = body.model_dump(mode="json")
    before = history.snapshot(row, ("questions", "moderate_from", "high_from"))
    row.questions, row.moderate_from, row.high_from = data["questions"], body.moderate_from, body.high_from
    await session.flush()
    await record_audit(session, actor=actor.sub, action="replace", entity_type="risk_questionnaire", entity_id=1,
                       detail=data, changes=history.changes(before, history.snapshot(row, before)))
    return row
