"""Every metric the Grafana dashboard queries is exported by a running service after real traffic."""

from __future__ import annotations

import uuid

from tandem_shared.events import build_envelope

from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce
from tests.integration.platform.test_prometheus_metrics import scrape
from tests.support import auth, create_app, eventually, poison_approval, running
from tests.unit.test_grafana_dashboard import dashboard_metrics


async def test_every_dashboard_metric_is_exported(databases, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", "sqlite"), bootstrap=broker.bootstrap,
                     consumer_max_attempts=2)
    async with running(app) as client:
        person = await make_person(client)
        assert (await client.get(f"/capacity/v1/people/{person}", headers=auth("vic"))).status_code == 200
        poison = poison_approval(person)  # data the contract refuses: dead-lettered
        await produce(broker.bootstrap, build_envelope(approved(uuid.uuid4(), person, hours=2)), poison)
        assert await eventually(lambda: inbox_rows(app, poison.id), timeout=20) == ["dead_lettered"]

        async def complete() -> bool:
            exported = {name for name, _ in await scrape(client, "capacity")}
            assert not dashboard_metrics() - exported, f"not exported: {sorted(dashboard_metrics() - exported)}"
            return True

        # The relay's figures are counted every few seconds: wait for them (a failure names what is missing).
        assert await eventually(complete, timeout=20)
