"""Business-case use cases: set a case and read its figures; rows, audit and event together."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import BusinessCaseUpdated, PlannedMonth
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, Forbidden, NotFound, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.business_cases import finance
from tandem_portfolio.business_cases.models import YEAR_COLUMNS, BusinessCase, BusinessCaseLine
from tandem_portfolio.business_cases.repository import BusinessCaseRepository
from tandem_portfolio.business_cases.schemas import BusinessCaseWrite
from tandem_portfolio.months import format_month, parse_month
from tandem_portfolio.projects.models import Project

EDITOR_ROLES = ("pmo",)  # admin passes every role check
FROZEN_STAGES = frozenset({"closed", "terminated"})  # an ended project's plan is history
MAX_MONTHS = 600  # a horizon of at most 50 years


def ensure_editor(actor: Actor, project: Project, action: str) -> None:
    """403 unless the actor is the project's sponsor, project manager or creator, or pmo/admin."""
    if actor.has_any(*EDITOR_ROLES):
        return
    named = {project.sponsor, project.project_manager, project.created_by} - {None}
    if actor.sub not in named:
        raise Forbidden(f"{action} needs the project's sponsor, project manager or creator, or the role pmo",
                        required_roles=list(EDITOR_ROLES))


async def get_case(uow: UnitOfWork, project_id: uuid.UUID) -> tuple[BusinessCase, Sequence[BusinessCaseLine]]:
    """The project's business case and lines, or 404 (naming a missing project or a missing case)."""
    repo = uow.repo(BusinessCaseRepository)
    case = await repo.case(project_id)
    if case is None:
        await repo.project(project_id)
        raise NotFound(f"project {project_id} has no business case yet")
    return case, await repo.lines(project_id)


def case_figures(case: BusinessCase, lines: Sequence[BusinessCaseLine]) -> finance.Figures:
    """The figures of a stored case."""
    return finance.figures(((line.month - case.horizon_start, line.kind, line.amount) for line in lines),
                           case.discount_rate)


def _years(start: int, months: Sequence[finance.MonthFlow]) -> list[dict]:
    """The monthly sums as rows of business_case_years: a year each, capex_01 … benefit_12 in cents."""
    years: dict[int, dict] = {}
    for month in months:
        if month.capex or month.opex or month.benefit:
            year, index = divmod(start + month.t, 12)
            row = years.setdefault(year, {"year": year, **dict.fromkeys(YEAR_COLUMNS, 0)})
            for kind, amount in (("capex", month.capex), ("opex", month.opex), ("benefit", month.benefit)):
                row[f"{kind}_{index + 1:02d}"] = int(amount.scaleb(2))
    return list(years.values())


def _line_rows(body: BusinessCaseWrite) -> list[dict]:
    """The lines as rows, or a 422 naming every line outside the horizon."""
    start = parse_month(body.horizon_start)
    rows, errors = [], []
    for index, line in enumerate(body.lines):
        month = parse_month(line.month)
        if not 0 <= month - start < MAX_MONTHS:
            where = ("is before horizon_start" if month < start
                     else f"is {MAX_MONTHS} months or more after horizon_start")
            errors.append({"field": f"lines.{index}.month", "message": f"{line.month} {where}"})
        rows.append({"position": index, "month": month, "kind": line.kind, "amount": line.amount.quantize(finance.CENT),
                     "description": line.description})
    if errors:
        raise ValidationProblem("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
    return rows

_CASE_FIELDS = ("currency", "discount_rate", "horizon_start")


def _lines_json(lines: Sequence[BusinessCaseLine]) -> list[Any]:
    """A case's lines as the history compares them: what each says, without keys."""
    return [history.json_value(line) for line in sorted(lines, key=lambda line: line.position)]


async def set_case(uow: UnitOfWork, *, actor: Actor, project_id: uuid.UUID, body: BusinessCaseWrite,
                   precondition: Callable[[int | None], None]) -> tuple[BusinessCase, list[BusinessCaseLine]]:
    """Replace the project's business case and publish its figures; `precondition(version)` checks If-Match."""
    repo = uow.repo(BusinessCaseRepository)
    project = await repo.lock_project(project_id)  # concurrent replaces queue up, then meet If-Match one by one
    ensure_editor(actor, project, "setting the business case")
    case = await repo.case(project_id)
    precondition(None if case is None else case.version)
    if project.stage in FROZEN_STAGES:
        raise Conflict(f"the business case of a {project.stage} project no longer changes", stage=project.stage)
    rows = _line_rows(body)
    values = {"currency": body.currency, "discount_rate": body.discount_rate,
              "horizon_start": parse_month(body.horizon_start), "updated_by": actor.sub, "updated_at": utcnow()}
    before = {} if case is None else history.snapshot(case, _CASE_FIELDS) | {"lines": _lines_json(await repo.lines(
        project.id))}
    if case is None:
        case = await repo.add_case(BusinessCase(project_id=project.id, **values))
    else:
        if case.currency != body.currency and await repo.has_realisations(project.id):
            raise Conflict(f"benefits were realised in {case.currency}: the currency stays {case.currency}",
                           errors=[{"field": "currency", "message": f"must stay {case.currency}"}])
        for name, value in values.items():
            setattr(case, name, value)  # updated_at always changes: the version (ETag) moves with every replace
    await uow.session.flush()
    lines = [BusinessCaseLine(project_id=project.id, **row) for row in rows]  # as stored, for the response
    figures = case_figures(case, lines)
    await repo.replace_lines(project.id, rows, _years(case.horizon_start, figures.months))
    after = history.snapshot(case, _CASE_FIELDS) | {"lines": _lines_json(lines)}
    await uow.audit(actor=actor.sub, action="set_business_case", entity_type="project", entity_id=project.id,
                    detail={"currency": case.currency, "lines": len(rows), "npv": str(figures.npv),
                            "version": case.version}, changes=history.changes(before, after))
    await uow.record(_updated_event(project.id, case, figures, actor.sub), actor=actor.sub)
    return case, lines


def _updated_event(project_id: uuid.UUID, case: BusinessCase, figures: finance.Figures,
                   actor: str) -> BusinessCaseUpdated:
    return BusinessCaseUpdated(
        project_id=project_id, currency=case.currency, discount_rate=case.discount_rate,
        horizon_start=format_month(case.horizon_start), total_capex=figures.total_capex,
        total_opex=figures.total_opex, total_costs=figures.total_costs, total_benefits=figures.total_benefits,
        npv=figures.npv, irr=figures.irr.annual, irr_roots=list(figures.irr.roots),
        irr_ambiguous=figures.irr.ambiguous, roi=figures.roi, payback_months=figures.payback_months,
        discounted_payback_months=figures.discounted_payback_months,
        months=[PlannedMonth(month=format_month(case.horizon_start + m.t), capex=m.capex, opex=m.opex,
                             costs=m.costs, benefits=m.benefit) for m in figures.months],
        updated_by=actor,
    )

