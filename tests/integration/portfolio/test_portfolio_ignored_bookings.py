"""Portfolio ignores the bookings of changes (most bookings): no inbox row and no transaction for them, through the
real broker on both databases, while a project's booking in the same stream is applied."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_shared.contracts.capacity import BookingCreated, WeekHours
from tandem_shared.uow import record_event

from tests.support import create_app, eventually, running

TIMEOUT = 25.0
START = datetime(2055, 3, 1, 9, tzinfo=UTC)


def _booking(source: str) -> BookingCreated:
    return BookingCreated(id=uuid.uuid4(), person_id=uuid.uuid4(), source=source, source_id=str(uuid.uuid4()),
                          kind="hard", start=START, end=START.replace(hour=17), hours=8,
                          weeks=[WeekHours(week="2055-W09", hours=8)])


def _ignored(app) -> float:  # noqa: ANN001
    """Portfolio's count of ignored capacity.booking.created.v1 events (its Prometheus counter)."""
    return sum(sample.value for family in app.state.runtime.consumer.metrics.collect() for sample in family.samples
               if sample.name == "tandem_consumer_events_total"
               and sample.labels["event_type"] == BookingCreated.event_type
               and sample.labels["outcome"] == "ignored")


async def test_a_changes_booking_is_ignored_and_a_projects_applied(databases, backend, broker):
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(capacity), running(portfolio):
        changes, project = [_booking("change") for _ in range(3)], _booking("project")
        async with capacity.state.runtime.sessionmaker() as session, session.begin():
            for data in [*changes, project]:
                await record_event(session, data, actor="rita")

        async def inbox() -> list[str]:
            async with portfolio.state.runtime.engine.connect() as conn:
                return list((await conn.execute(sa.text("SELECT event_type FROM inbox"))).scalars())

        assert await eventually(inbox, timeout=TIMEOUT) == [BookingCreated.event_type]  # the project's only

        async def all_ignored() -> bool:
            return _ignored(portfolio) == 3

        await eventually(all_ignored, timeout=TIMEOUT)
        async with portfolio.state.runtime.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT booking_id FROM capacity_project_bookings"))).scalars().all()
        assert [uuid.UUID(str(b)) for b in kept] == [project.id]
        assert await inbox() == [BookingCreated.event_type]
