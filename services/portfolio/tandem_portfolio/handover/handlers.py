"""Other services' events kept for operational readiness: the CMDB, published articles, operations bookings and the
changes linked to projects.

Each handler takes (uow, event, data) and keeps the latest state: the producers publish an entity's events in order
(keyed by its id), and a fact's time is the event's time at its source. A re-delivered event changes nothing.
"""

from __future__ import annotations

from tandem_shared.contracts.capacity import BookingCreated, BookingMoved, BookingReleased
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeImplemented,
    CICreated,
    CIRetired,
    CIUpdated,
)
from tandem_shared.contracts.knowledge import ArticlePublished, ArticleRetired
from tandem_shared.events import CloudEvent
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.handover.projection import KnownArticle, KnownCI, OperationsBooking, ProjectChange
from tandem_portfolio.handover.repository import ReadinessProjection, link_refs

OPERATIONS = "operations"


async def on_ci_created(uow: UnitOfWork, event: CloudEvent, data: CICreated) -> None:
    """A CI or business service joined the CMDB."""
    cmdb = uow.repo(ReadinessProjection)
    known = await cmdb.ci(data.id)
    if known is None:
        cmdb.add_ci(KnownCI(ci_id=data.id, name=data.name, ci_class=data.ci_class, status=data.status,
                            registered_at=event.time, retired_at=event.time if data.status == "retired" else None))
    else:
        known.name, known.ci_class, known.status = data.name, data.ci_class, data.status


async def on_ci_updated(uow: UnitOfWork, event: CloudEvent, data: CIUpdated) -> None:
    """A CI changed (its name, perhaps its status); one first seen here exists since this event."""
    cmdb = uow.repo(ReadinessProjection)
    known = await cmdb.ci(data.id)
    status = data.changes.get("status")
    if known is None:
        cmdb.add_ci(KnownCI(ci_id=data.id, name=data.name, ci_class=None, status=str(status or "active"),
                            registered_at=event.time))
        return
    known.name = data.name
    if isinstance(status, str):
        known.status = status
        known.retired_at = event.time if status == "retired" else None


async def on_ci_retired(uow: UnitOfWork, event: CloudEvent, data: CIRetired) -> None:
    """A CI was retired: it no longer counts as registered."""
    cmdb = uow.repo(ReadinessProjection)
    known = await cmdb.ci(data.id)
    if known is None:
        cmdb.add_ci(KnownCI(ci_id=data.id, name=data.name, ci_class=None, status="retired", registered_at=event.time,
                            retired_at=event.time))
        return
    known.name, known.status, known.retired_at = data.name, "retired", event.time


async def _keep_article(uow: UnitOfWork, event: CloudEvent, data: ArticlePublished | ArticleRetired, *,
                        published: bool) -> None:
    articles = uow.repo(ReadinessProjection)
    known = await articles.article(data.id)
    version = data.version if isinstance(data, ArticlePublished) else (known.version if known else 0)
    if known is None:
        known = KnownArticle(article_id=data.id, title=data.title, kind=data.kind, project_id=data.project_id,
                             version=version, published=published)
        articles.add_article(known)
    elif published and known.published and version < known.version:
        return  # an older version announced late: the newer one stands
    was_published = known.published
    known.title, known.kind, known.project_id, known.version, known.published = (
        data.title, data.kind, data.project_id, version, published)
    if published and not was_published:
        known.published_at, known.retired_at = event.time, None  # a new version of a published article keeps its date
    elif published and known.published_at is None:
        known.published_at = event.time
    elif not published:
        known.retired_at = event.time
    await articles.replace_links(data.id, [("ci", ref) for ref in link_refs(data.ci_ids)]
                                 + [("service", ref) for ref in link_refs(data.service_ids)])


async def on_article_published(uow: UnitOfWork, event: CloudEvent, data: ArticlePublished) -> None:
    """A version of an article was published: it documents its project, CIs and services from now on."""
    await _keep_article(uow, event, data, published=True)


async def on_article_retired(uow: UnitOfWork, event: CloudEvent, data: ArticleRetired) -> None:
    """An article was retired: it documents nothing any more."""
    await _keep_article(uow, event, data, published=False)


async def _keep_operations_booking(uow: UnitOfWork, event: CloudEvent, data: BookingCreated | BookingMoved) -> None:
    if data.source != OPERATIONS:
        return
    bookings = uow.repo(ReadinessProjection)
    known = await bookings.operations_booking(data.id)
    if known is None:
        bookings.add_operations_booking(OperationsBooking(
            booking_id=data.id, person_id=data.person_id, source_id=data.source_id, start=data.start, end=data.end,
            hours=data.hours, released=False, booked_at=event.time))
        return
    known.person_id, known.start, known.end, known.hours = data.person_id, data.start, data.end, data.hours


async def on_booking_created(uow: UnitOfWork, event: CloudEvent, data: BookingCreated) -> None:
    """Run work or on-call was booked (a re-sent creation leaves a release in place)."""
    await _keep_operations_booking(uow, event, data)


async def on_booking_moved(uow: UnitOfWork, event: CloudEvent, data: BookingMoved) -> None:
    """Run work or on-call moved to another window or person."""
    await _keep_operations_booking(uow, event, data)


async def on_booking_released(uow: UnitOfWork, event: CloudEvent, data: BookingReleased) -> None:
    """Run work or on-call was released: it no longer covers operations."""
    if data.source != OPERATIONS:
        return
    bookings = uow.repo(ReadinessProjection)
    known = await bookings.operations_booking(data.id)
    if known is not None:
        known.released = True


async def _change(uow: UnitOfWork, data: ChangeApproved | ChangeImplemented | ChangeCanceled) -> ProjectChange | None:
    """The change's row: moved to the project the event names; None when neither the event nor the row has one.

    Events recorded before approvals and cancellations carried `project_id` say nothing about the link, so a
    missing project never unlinks a change.
    """
    changes = uow.repo(ReadinessProjection)
    known = await changes.change(data.id)
    if data.project_id is None:
        return known
    if known is None:
        known = ProjectChange(change_id=data.id, project_id=data.project_id, state="approved")
        changes.add_change(known)
    known.project_id = data.project_id
    return known


async def on_change_approved(uow: UnitOfWork, event: CloudEvent, data: ChangeApproved) -> None:
    """A change linked to a project was authorised (or pre-authorised) and is scheduled."""
    change = await _change(uow, data)
    if change is not None:
        change.state, change.approved_at, change.canceled_at = "approved", event.time, None


async def on_change_implemented(uow: UnitOfWork, event: CloudEvent, data: ChangeImplemented) -> None:
    """A change linked to a project was implemented, with its outcome and when it ended."""
    change = await _change(uow, data)
    if change is not None:
        change.state, change.outcome, change.implemented_at = "implemented", data.outcome, data.actual_end


async def on_change_canceled(uow: UnitOfWork, event: CloudEvent, data: ChangeCanceled) -> None:
    """A change linked to a project was canceled: it takes nothing live."""
    change = await _change(uow, data)
    if change is not None:
        change.state, change.canceled_at = "canceled", event.time
