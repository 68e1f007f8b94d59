"""The outbox relay against the real broker: order per entity, several replicas, retention and re-publication."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tandem_shared.broker import make_producer
from tandem_shared.contracts.change import ChangeRejected
from tandem_shared.events import CloudEvent
from tandem_shared.outbox import OutboxRelay, pending_count, purge_published, republish
from tandem_shared.tables import outbox
from tandem_shared.uow import record_event

from tests.support import create_app, read_topic, topic


def _relay(app, broker, name: str) -> OutboxRelay:  # noqa: ANN001
    return OutboxRelay(service="change", engine=app.state.runtime.engine, batch_size=7,
                       producer_factory=lambda: make_producer(broker.bootstrap))


async def _record(app, subject: uuid.UUID, count: int) -> list[uuid.UUID]:  # noqa: ANN001
    ids = []
    for n in range(count):
        async with app.state.runtime.sessionmaker() as session, session.begin():
            event = await record_event(session, ChangeRejected(id=subject, rejected_by="cab", reason=str(n),
                                                               from_state="assess", state="new"), actor="cab")
            ids.append(event.id)
    return ids


async def test_two_relays_on_one_database_publish_each_event_once_in_order(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with app.router.lifespan_context(app):
        subject = uuid.uuid4()
        ids = await _record(app, subject, 60)
        first, second = _relay(app, broker, "a"), _relay(app, broker, "b")
        try:
            # Both replicas race (on SQLite, in one process: one database file has one writer) pass after pass until
            # nothing is pending.
            while await pending_count(app.state.runtime.engine):
                await asyncio.gather(first.publish_pending(), second.publish_pending())
        finally:
            await first.stop()
            await second.stop()
        published = [CloudEvent.from_bytes(m.value).id for m in await read_topic(broker.bootstrap, topic("change"))]
        assert published == ids  # one key, one partition: exactly once each, in commit order


async def test_retention_purges_old_published_rows_and_republish_sends_history_again(databases, backend, broker):
    app = create_app("change", database_url=await databases.fresh("change", backend), bootstrap=broker.bootstrap,
                     workers=False)
    async with app.router.lifespan_context(app):
        engine = app.state.runtime.engine
        ids = await _record(app, uuid.uuid4(), 3)
        relay = _relay(app, broker, "a")
        try:
            assert await relay.publish_pending() == 3
            assert await pending_count(engine) == 0
            async with engine.begin() as conn:  # the first event was published long ago
                await conn.execute(sa.update(outbox).where(outbox.c.event_id == ids[0])
                                   .values(published_at=datetime.now(UTC) - timedelta(days=30)))
            assert await purge_published(engine, timedelta(days=7)) == 1
            assert await republish(engine) == 2
            assert await relay.publish_pending() == 2
        finally:
            await relay.stop()
        published = [CloudEvent.from_bytes(m.value).id for m in await read_topic(broker.bootstrap, topic("change"))]
        assert published == [*ids, *ids[1:]]
