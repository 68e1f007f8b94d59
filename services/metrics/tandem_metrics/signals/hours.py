"""Service hours use cases: read and set a service's committed hours (24x7 by default); setting them recomputes the
service's downtime and judges its uptime again."""

from __future__ import annotations

from collections.abc import Callable

from tandem_shared.auth import Actor
from tandem_shared.db import utcnow
from tandem_shared.errors import ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.breaches import recheck
from tandem_metrics.kpis.catalogue import KPIS
from tandem_metrics.kpis.dimensions import dimension
from tandem_metrics.services.models import ServiceHours
from tandem_metrics.services.repository import ServiceHoursRepository
from tandem_metrics.services.rules import (
    ALWAYS,
    DAYS,
    Schedule,
    Window,
    check_timezone,
    committed_minutes,
    parse_clock,
    schedule_from_json,
)
from tandem_metrics.signals.schemas import ServiceHoursRead, ServiceHoursWindow, ServiceHoursWrite
from tandem_metrics.signals.service import recompute_service

_WEEK = "2026-W02"  # a week without daylight-saving changes anywhere, to show the committed minutes of a week


def schedule_of(body: ServiceHoursWrite) -> Schedule:
    """The schedule a request describes, or a 422 naming the field."""
    try:
        timezone = check_timezone(body.timezone)
    except ValueError as exc:
        raise ValidationProblem.field("timezone", str(exc)) from exc
    if body.preset == "24x7":
        if body.windows:
            raise ValidationProblem.field("windows", "preset 24x7 takes no windows")
        return Schedule(timezone=timezone)
    if body.preset == "weekdays":
        if body.windows:
            raise ValidationProblem.field("windows", "preset weekdays takes start and end, not windows")
        raw = [ServiceHoursWindow(days=["mon", "tue", "wed", "thu", "fri"], start=body.start or "08:00",
                                  end=body.end or "18:00")]
        names = ("start", "end")
    else:
        if not body.windows:
            raise ValidationProblem.field("windows", "give windows, or a preset (24x7 or weekdays)")
        if body.start or body.end:
            raise ValidationProblem.field("start", "start and end go with preset weekdays; windows carry their own")
        raw, names = body.windows, ()
    windows = []
    for index, window in enumerate(raw):
        prefix = f"windows.{index}." if not names else ""
        try:
            start = parse_clock(window.start)
        except ValueError as exc:
            raise ValidationProblem.field(prefix + "start", str(exc)) from exc
        try:
            end = parse_clock(window.end, end=True)
        except ValueError as exc:
            raise ValidationProblem.field(prefix + "end", str(exc)) from exc
        if end <= start:
            raise ValidationProblem.field(prefix + "end", f"must be after start ({window.start}); split a window "
                                                          "across midnight in two")
        windows.append(Window(tuple(sorted({DAYS.index(d) for d in window.days})), start, end))
    return Schedule(timezone=timezone, windows=tuple(windows))


def hours_read(service_id: str, row: ServiceHours | None) -> ServiceHoursRead:
    """A service's hours as the API shows them."""
    schedule = schedule_from_json(row.schedule) if row else ALWAYS
    shown = schedule.as_json()
    return ServiceHoursRead(
        service_id=service_id, timezone=shown["timezone"], windows=[ServiceHoursWindow(**w) for w in shown["windows"]],
        always=schedule.always, description=schedule.describe(), configured=bool(row and row.configured),
        monitored=bool(row and row.monitored), committed_minutes_per_week=committed_minutes(schedule, _WEEK),
        version=row.version if row else 0)


async def put_hours(uow: UnitOfWork, *, actor: Actor, service_id: str, body: ServiceHoursWrite,
                    if_match: Callable[[int], None] = lambda _version: None) -> ServiceHoursRead:
    """Set a service's committed hours (audited before and after); its downtime and uptime statuses follow."""
    schedule = schedule_of(body)
    repo = uow.repo(ServiceHoursRepository)
    row = (await repo.ensure([service_id]))[service_id]
    if_match(row.version)
    before = schedule_from_json(row.schedule)
    if before != schedule or not row.configured:
        row.schedule, row.configured, row.monitored = schedule.stored(), True, True
        row.version, row.updated_by, row.updated_at = row.version + 1, actor.sub, utcnow()
        await uow.session.flush()
        await uow.audit(actor=actor.sub, action="set_service_hours", entity_type="service", entity_id=service_id,
                        detail={"changes": {"schedule": {"before": before.as_json(),
                                                         "after": schedule.as_json()}}})
        await recompute_service(uow, service_id, at=row.updated_at)
        await recheck(uow, KPIS["service_uptime"], dimension("service", service_id))
    return hours_read(service_id, row)
