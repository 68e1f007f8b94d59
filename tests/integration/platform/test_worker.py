"""`tandem worker`: a service's relay and consumer in a process of their own, beside web replicas without workers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from tandem_shared.events import CloudEvent, build_envelope

from tests import support
from tests.integration.platform.test_delivery_faults import approved, make_person, produce, scalar
from tests.support import create_app, eventually, read_topic, running, topic


async def test_a_worker_process_applies_events_publishes_the_outbox_and_stops_cleanly(databases, backend, broker,
                                                                                      tmp_path: Path):
    url = await databases.fresh("capacity", backend)
    web = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, workers=False)
    async with running(web) as client:
        person = await make_person(client)  # its event waits in the outbox: this web process publishes nothing
        env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        env.update(TANDEM_ENVIRONMENT="test", TANDEM_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
                   TANDEM_KAFKA_TOPIC_PREFIX=support.topic_prefix, TANDEM_CAPACITY_DATABASE_URL=url,
                   TANDEM_CAPACITY_CONSUMER_GROUP=f"worker-{uuid.uuid4().hex[:8]}", TANDEM_LOG_LEVEL="INFO",
                   TANDEM_PLANNING_HORIZON_YEARS=os.environ["TANDEM_PLANNING_HORIZON_YEARS"])  # it plans in 2055
        log = tmp_path / "worker.log"
        with open(log, "wb") as out:  # noqa: ASYNC230 - a local file, opened once, the worker's output
            worker = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).with_name("tandem")), "worker", "capacity",
                env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                change = uuid.uuid4()
                await produce(broker.bootstrap, build_envelope(approved(change, person, hours=6)))
                await eventually(lambda: scalar(web, "SELECT count(*) FROM bookings WHERE source_id = :c",
                                                c=str(change)), timeout=30)

                async def published() -> list[str]:
                    return [CloudEvent.from_bytes(m.value).type for m in await read_topic(broker.bootstrap,
                                                                                          topic("capacity"))]
                types = await eventually(lambda: _with_booking(published()), timeout=20)
                assert {"capacity.person.created.v1", "capacity.booking.created.v1"} <= set(types)
            finally:
                worker.send_signal(signal.SIGINT)
                code = await asyncio.wait_for(worker.wait(), 30)
        assert code == 0, log.read_text()[-3000:]
        assert await scalar(web, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def _with_booking(types) -> list[str] | None:  # noqa: ANN001
    found = await types
    return found if "capacity.booking.created.v1" in found else None
