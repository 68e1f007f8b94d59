"""Portfolio ignores the bookings of changes (most bookings) and the approvals of changes that name no project (most
changes): no inbox row, no transaction, and no offset commit of their own, through the real broker on both databases,
while a project's booking or change in the same stream is applied."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from tandem_shared.contracts.capacity import BookingCreated, WeekHours
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.events import build_envelope
from tandem_shared.uow import record_event

from tests.integration.platform.test_delivery_faults import produce
from tests.support import create_app, eventually, running

TIMEOUT = 25.0
START = datetime(2055, 3, 1, 9, tzinfo=UTC)


def _booking(source: str) -> BookingCreated:
    return BookingCreated(id=uuid.uuid4(), person_id=uuid.uuid4(), source=source, source_id=str(uuid.uuid4()),
                          kind="hard", start=START, end=START.replace(hour=17), hours=8,
                          weeks=[WeekHours(week="2055-W09", hours=8)])


def _approval(project_id: uuid.UUID | None) -> ChangeApproved:
    return ChangeApproved(id=uuid.uuid4(), type="normal", approved_by="cab", pre_authorised=False, assignee_id=None,
                          effort_hours=4, planned_start=START, planned_end=START.replace(hour=13), state="scheduled",
                          project_id=project_id)


def _ignored(app, event_type: str = BookingCreated.event_type) -> float:  # noqa: ANN001
    """Portfolio's count of ignored events of a type (its Prometheus counter)."""
    return sum(sample.value for family in app.state.runtime.consumer.metrics.collect() for sample in family.samples
               if sample.name == "tandem_consumer_events_total"
               and sample.labels["event_type"] == event_type
               and sample.labels["outcome"] == "ignored")


async def _inbox(app) -> list[str]:  # noqa: ANN001
    async with app.state.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text("SELECT event_type FROM inbox"))).scalars())


async def _capacity_and_portfolio(databases, backend, broker):  # noqa: ANN001, ANN202
    """Capacity publishing only what a test records (no consumer), and portfolio consuming it."""
    capacity = create_app("capacity", database_url=await databases.fresh("capacity", backend),
                          bootstrap=broker.bootstrap, run_consumer=False)
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    return capacity, portfolio


async def test_a_changes_booking_is_ignored_and_a_projects_applied(databases, backend, broker):
    capacity, portfolio = await _capacity_and_portfolio(databases, backend, broker)
    async with running(capacity), running(portfolio):
        changes, project = [_booking("change") for _ in range(3)], _booking("project")
        async with capacity.state.runtime.sessionmaker() as session, session.begin():
            for data in [*changes, project]:
                await record_event(session, data, actor="rita")

        async def inbox() -> list[str]:
            return await _inbox(portfolio)

        assert await eventually(inbox, timeout=TIMEOUT) == [BookingCreated.event_type]  # the project's only

        async def all_ignored() -> bool:
            return _ignored(portfolio) == 3

        await eventually(all_ignored, timeout=TIMEOUT)
        async with portfolio.state.runtime.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT booking_id FROM capacity_project_bookings"))).scalars().all()
        assert [uuid.UUID(str(b)) for b in kept] == [project.id]
        assert await inbox() == [BookingCreated.event_type]


async def test_an_approval_that_names_no_project_is_ignored_and_one_recorded_before_the_field_is_applied(
        databases, backend, broker):
    portfolio = create_app("portfolio", database_url=await databases.fresh("portfolio", backend),
                           bootstrap=broker.bootstrap)
    async with running(portfolio):
        none, project = _approval(None), _approval(uuid.uuid4())
        # An approval recorded before ChangeApproved carried `project_id`: its absence says nothing, so it is looked
        # up (the change's row decides) like an approval that names its project.
        legacy = build_envelope(_approval(None))
        legacy.data.pop("project_id")
        await produce(broker.bootstrap, build_envelope(none), legacy, build_envelope(project))

        async def both_claimed() -> list[str] | None:
            rows = await _inbox(portfolio)
            return rows if len(rows) == 2 else None

        assert await eventually(both_claimed, timeout=TIMEOUT) == [ChangeApproved.event_type] * 2
        assert await eventually(lambda: _true(_ignored(portfolio, ChangeApproved.event_type) == 1), timeout=TIMEOUT)
        async with portfolio.state.runtime.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT change_id, project_id FROM project_changes"))).all()
        assert [(uuid.UUID(str(c)), uuid.UUID(str(p))) for c, p in kept] == [(project.id, project.project_id)]


async def test_batches_that_apply_nothing_commit_their_offsets_later_not_each(databases, backend, broker):
    capacity, portfolio = await _capacity_and_portfolio(databases, backend, broker)
    async with running(capacity), running(portfolio):
        consumer = portfolio.state.runtime.consumer
        commit, commits = consumer.commit_offset, []

        async def counted(offsets):  # noqa: ANN001, ANN202
            commits.append(offsets)
            await commit(offsets)

        consumer.commit_offset = counted
        for seen in range(1, 4):  # one batch each: the next is recorded once this one was ignored
            async with capacity.state.runtime.sessionmaker() as session, session.begin():
                await record_event(session, _booking("change"), actor="rita")
            await eventually(lambda seen=seen: _true(_ignored(portfolio) == seen), timeout=TIMEOUT)
        # Each committed alone, three batches would have made three requests; deferred, at most the interval's one
        # (and one more for whatever else portfolio applied meanwhile, e.g. capacity's first snapshot).
        assert len(commits) <= 2

        async def caught_up() -> bool:
            lags = consumer.lag()
            return any(tp.topic.endswith("capacity") for tp in lags) and not any(lags.values())

        assert await eventually(caught_up, timeout=TIMEOUT)  # committed within the interval all the same


async def _true(value: bool) -> bool:
    return value
