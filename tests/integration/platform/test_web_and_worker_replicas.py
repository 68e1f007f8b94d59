"""The Kubernetes layout: web replicas with TANDEM_<SVC>_RUN_WORKERS=false, a worker replica on the same database."""

from __future__ import annotations

import importlib
import uuid

from tandem_shared.events import build_envelope
from tandem_shared.settings import service_settings

from tests.integration.platform.test_delivery_faults import approved, make_person, produce, scalar
from tests.support import create_app, eventually, platform, running

UNPUBLISHED = "SELECT count(*) FROM outbox WHERE published_at IS NULL"


async def test_web_replica_leaves_relay_and_consumer_to_the_worker(databases, backend, broker, monkeypatch):
    url = await databases.fresh("capacity", backend)
    # As the web Deployment sets it: the app factory then starts neither the relay nor the consumer.
    monkeypatch.setenv("TANDEM_CAPACITY_RUN_WORKERS", "false")
    settings = service_settings("capacity").model_copy(update={"database_url": url})
    assert settings.run_workers is False
    factory = importlib.import_module("tandem_capacity.main").create_app
    web = factory(settings=settings, platform=platform(broker.bootstrap))  # no `workers`: the setting decides
    async with running(web) as client:
        runtime = web.state.runtime
        assert runtime.relay is None and runtime.consumer is None
        ready = await client.get("/capacity/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
        person = await make_person(client)  # its event waits in the outbox: no relay in this replica
        assert await scalar(web, UNPUBLISHED) >= 1
        await produce(broker.bootstrap, build_envelope(approved(uuid.uuid4(), person, hours=2)))

        # The worker Deployment: the same image and database with workers on publishes and consumes.
        worker = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, relay_poll_interval=0.05)
        async with running(worker):
            assert await eventually(lambda: _published(web), timeout=20)
            assert await eventually(lambda: scalar(web, "SELECT count(*) FROM bookings"), timeout=20) == 1


async def _published(app) -> bool:  # noqa: ANN001
    return await scalar(app, UNPUBLISHED) == 0
