"""The consumer purges inbox rows older than the retention, keeps young rows and dead letters."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from tandem_shared import consumer as consumer_module
from tandem_shared.contracts.change import ChangeCanceled
from tandem_shared.db import utcnow
from tandem_shared.events import CloudEvent, build_envelope
from tandem_shared.tables import inbox

from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce, scalar
from tests.support import create_app, eventually, poison_approval, running

RETENTION_HOURS = 200


async def age(app, events: list[CloudEvent], hours: float) -> None:
    """Make the events' inbox rows look received `hours` ago."""
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(sa.update(inbox).where(inbox.c.event_id.in_([e.id for e in events]))
                           .values(received_at=utcnow() - timedelta(hours=hours)))


async def test_old_inbox_rows_are_purged_young_ones_and_dead_letters_kept(databases, backend, broker, monkeypatch):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=1, inbox_retention_hours=RETENTION_HOURS)
    async with running(app) as client:
        person = await make_person(client)
        old = [build_envelope(approved(uuid.uuid4(), person, hours=1)) for _ in range(3)]
        young = [build_envelope(approved(uuid.uuid4(), person, hours=1)) for _ in range(2)]
        resent_change = uuid.uuid4()
        resent = build_envelope(approved(resent_change, person, hours=1))
        poison = poison_approval(person)  # data the contract refuses: dead-lettered
        await produce(broker.bootstrap, *old, *young, resent, poison)
        await eventually(lambda: _equals(scalar(app, "SELECT count(*) FROM inbox"), 7), timeout=20)
        assert await inbox_rows(app, poison.id) == ["dead_lettered"]

        await age(app, [*old, resent], RETENTION_HOURS + 1)
        await age(app, young, RETENTION_HOURS - 1)
        await age(app, [poison], RETENTION_HOURS * 10)  # dead letters stay until replayed, however old

        # A producer re-publishes one old event: the inbox recognises it, and its retention starts again. The cancel
        # shares its key, so once the cancel is applied the copy was read.
        cancel = build_envelope(ChangeCanceled(id=resent_change, type="normal", canceled_by="sam", reason=None,
                                               from_state="scheduled", was_approved=True))
        await produce(broker.bootstrap, resent, cancel)
        assert await eventually(lambda: inbox_rows(app, cancel.id), timeout=20) == ["applied"]
        assert await scalar(app, "SELECT count(*) FROM bookings") == 6

        monkeypatch.setattr(consumer_module, "PURGE_INTERVAL", 0.05)  # the consumer's loop purges now
        await eventually(lambda: _equals(scalar(app, "SELECT count(*) FROM inbox"), 5), timeout=20)
        for event in old:
            assert await inbox_rows(app, event.id) == []
        for event in [*young, resent, cancel]:
            assert await inbox_rows(app, event.id) == ["applied"]
        assert await inbox_rows(app, poison.id) == ["dead_lettered"]
        assert await scalar(app, "SELECT count(*) FROM bookings") == 6  # purging forgets, it undoes nothing


async def test_the_purge_works_in_chunks_and_only_on_its_own_consumer(databases, backend):
    app = create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=None, workers=False)
    async with running(app):
        maker = app.state.runtime.sessionmaker
        long_ago = utcnow() - timedelta(days=30)
        rows = [{"consumer": consumer, "source": "/tandem/change", "event_id": uuid.uuid4(),
                 "event_type": "change.request.approved.v1", "status": status, "topic": "tandem.change",
                 "partition": 0, "offset": n, "error": None, "received_at": long_ago}
                for n, (consumer, status) in enumerate(
                    [("metrics", "applied")] * 25 + [("metrics", "dead_lettered")] * 2 + [("other", "applied")] * 3)]
        async with maker() as session, session.begin():
            await session.execute(sa.insert(inbox), rows)
        purged = await consumer_module.purge_inbox(maker, "metrics", timedelta(days=7), chunk=10)
        assert purged == 25
        assert await scalar(app, "SELECT count(*) FROM inbox WHERE consumer = 'metrics'") == 2
        assert await scalar(app, "SELECT count(*) FROM inbox WHERE consumer = 'other'") == 3
        assert await consumer_module.purge_inbox(maker, "metrics", timedelta(days=7), chunk=10) == 0


async def _equals(value, expected: int) -> bool:
    return await value == expected
