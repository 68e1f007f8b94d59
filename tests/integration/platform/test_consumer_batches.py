"""The consumer applies a fetched batch in one transaction; a poison event sends the batch one by one."""

from __future__ import annotations

import uuid

from tandem_shared.events import build_envelope

from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce, scalar
from tests.support import create_app, eventually, poison_approval, running


async def test_a_batch_applies_at_once_and_a_poison_event_is_dead_lettered_alone(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=2)
    async with running(app) as client:
        person = await make_person(client)
        consumer = app.state.runtime.consumer
        outcomes: list = []
        original = consumer.handle_batch

        batches: list = []  # (the batch's messages, its outcome)

        async def spy(deliveries):  # noqa: ANN001
            outcomes.append(await original(deliveries))
            batches.append((deliveries, outcomes[-1]))
            return outcomes[-1]

        consumer.handle_batch = spy
        twice = build_envelope(approved(uuid.uuid4(), person, hours=1))
        good = [build_envelope(approved(uuid.uuid4(), person, hours=1)) for _ in range(20)]
        await produce(broker.bootstrap, twice, *good, twice)
        await eventually(lambda: scalar(app, "SELECT count(*) FROM bookings WHERE hours = 1"), timeout=20)
        await eventually(lambda: _equals(scalar(app, "SELECT count(*) FROM inbox"), 21), timeout=20)
        assert await scalar(app, "SELECT count(*) FROM bookings") == 21
        applied = [o for o in outcomes if o is not None]
        assert applied and sum(o.count("applied") for o in applied) == 21
        assert await inbox_rows(app, twice.id) == ["applied"]

        # A poison event (data the contract refuses) among good ones: the batch is not applied, then each message is
        # applied alone, the poison one dead-lettered, the others booked once.
        outcomes.clear()
        poison = poison_approval(person)
        more = [build_envelope(approved(uuid.uuid4(), person, hours=3)) for _ in range(10)]
        await produce(broker.bootstrap, *more[:5], poison, *more[5:])
        assert await eventually(lambda: inbox_rows(app, poison.id), timeout=20) == ["dead_lettered"]
        await eventually(lambda: _equals(scalar(app, "SELECT count(*) FROM bookings WHERE hours = 3"), 10),
                         timeout=20)
        # No batch that held the poison event was applied (the broker may also hand it over alone,
        # which takes the one-by-one path without a batch).
        with_poison = [outcome for deliveries, outcome in batches
                       if any(str(poison.id).encode() in d.value for d in deliveries)]
        assert all(outcome is None for outcome in with_poison)
        assert await scalar(app, "SELECT count(*) FROM bookings") == 31


async def _equals(value, expected: int) -> bool:  # noqa: ANN001
    return await value == expected
