"""`tandem status --json` on real databases and the real broker: revision, outbox, inbox, dead letters and lag."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tandem_shared.db import make_engine
from tandem_shared.events import build_envelope
from tandem_shared.status import head_revision

from tests import support
from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce
from tests.support import create_app, eventually, poison_approval, running, topic


async def tandem_status(*args: str, **env: str) -> tuple[int, Any, str]:
    """Run `tandem status` as an operator would; its exit status, parsed JSON (with --json) and stderr."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    environment.update(TANDEM_ENVIRONMENT="test", TANDEM_KAFKA_TOPIC_PREFIX=support.topic_prefix, **env)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("tandem")), "status", *args, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, json.loads(out) if "--json" in args else out.decode(), err.decode()


async def test_status_reports_revision_outbox_inbox_dead_letters_and_lag(databases, backend, broker):
    url = await databases.fresh("capacity", backend)
    group = f"tandem-capacity-{uuid.uuid4().hex[:8]}"
    app = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, consumer_group=group,
                     consumer_max_attempts=1)
    async with running(app) as client:
        person = await make_person(client)
        good = build_envelope(approved(uuid.uuid4(), person))
        poison = poison_approval(person)  # data the contract refuses: dead-lettered
        await produce(broker.bootstrap, good, poison)
        assert await eventually(lambda: inbox_rows(app, poison.id), timeout=20) == ["dead_lettered"]
        assert await eventually(lambda: inbox_rows(app, good.id), timeout=20) == ["applied"]
        # Every message of the topic is applied and its offset committed before the app stops.
        await eventually(lambda: _caught_up(app), timeout=20)
        async with app.state.runtime.engine.begin() as conn:
            rows = (await conn.execute(sa.text("SELECT count(*) FROM outbox"))).scalar()
    # The app stopped: mark the outbox as an outage would leave it, one row parked and the others pending.
    engine = make_engine(url)  # the app's engines were disposed when it stopped
    async with engine.begin() as conn:
        await conn.execute(sa.text("UPDATE outbox SET published_at = NULL"))
        await conn.execute(sa.text("UPDATE outbox SET parked_at = created_at, attempts = 10, last_error = 'too big' "
                                   "WHERE seq = (SELECT min(seq) FROM outbox)"))
    await engine.dispose()
    env = {"TANDEM_CAPACITY_DATABASE_URL": url, "TANDEM_CAPACITY_CONSUMER_GROUP": group}

    code, [status], _ = await tandem_status("capacity", "--json", "--bootstrap", broker.bootstrap, **env)
    assert code == 0
    assert status["service"] == "capacity" and status["reachable"] and status["error"] is None
    assert status["revision"] == status["head"] == head_revision("capacity") and status["at_head"]
    assert status["outbox_pending"] == rows - 1 and status["outbox_parked"] == 1
    assert status["outbox_oldest_pending_age_seconds"] >= 0 and status["outbox_oldest_pending_at"]
    assert status["inbox_applied"] == 1 and status["dead_letters"] == 1
    assert status["consumer_group"] == group and status["broker_error"] is None
    assert any(key.startswith(topic("change") + "/") for key in status["lag"])  # per partition of each topic read
    assert status["consumer_lag"] == 0

    # An event nobody consumed yet (the service is stopped) is lag on its partition.
    await produce(broker.bootstrap, build_envelope(approved(uuid.uuid4(), person)))

    async def lagging() -> dict[str, Any] | None:
        # The development broker may report a partition's new end offset a moment after acknowledging the record.
        code, [status], _ = await tandem_status("capacity", "--json", "--bootstrap", broker.bootstrap, **env)
        assert code == 0
        return status if status["consumer_lag"] == 1 else None

    status = await eventually(lagging, timeout=30, interval=0.5)
    assert sum(status["lag"].values()) == 1

    # Without a broker the database figures stand and the lag is unknown; the table renders the same figures.
    code, [status], _ = await tandem_status("capacity", "--json", "--no-broker", **env)
    assert code == 0 and status["consumer_lag"] is None and status["dead_letters"] == 1
    code, table, _ = await tandem_status("capacity", "--no-broker", **env)
    assert code == 0 and "capacity" in table and f"{status['revision']} ✓" in table
    assert "tandem dlq replay" in table and "tandem outbox unpark" in table


async def test_status_fails_for_a_database_that_does_not_answer(tmp_path: Path):
    missing = tmp_path / "nothing-here" / "capacity.sqlite3"
    code, [status], _ = await tandem_status("capacity", "--json", "--no-broker",
                                            TANDEM_CAPACITY_DATABASE_URL=f"sqlite+aiosqlite:///{missing}")
    assert code == 1 and not status["reachable"] and "no database" in status["error"]
    assert not missing.parent.exists()  # asking created nothing
    wrong = support.PG_URL.rsplit("/", 1)[0] + f"/tandem_missing_{uuid.uuid4().hex[:8]}"
    code, [status], _ = await tandem_status("capacity", "--json", "--no-broker", TANDEM_CAPACITY_DATABASE_URL=wrong)
    assert code == 1 and not status["reachable"] and status["error"] and status["revision"] is None


async def _caught_up(app) -> bool:  # noqa: ANN001
    consumer = app.state.runtime.consumer
    lags = consumer.lag()
    return bool(lags) and all(lag == 0 for lag in lags.values()) and any(
        tp.topic == topic("change") for tp in lags)


async def test_republish_queues_the_retained_outbox_and_status_shows_it(databases, backend, broker):
    url = await databases.fresh("capacity", backend)
    app = create_app("capacity", database_url=url, bootstrap=broker.bootstrap)
    async with running(app) as client:
        await make_person(client)
        await make_person(client)

        async def published() -> int:
            """How many rows the outbox retains, once all are published (0 before)."""
            async with app.state.runtime.engine.connect() as conn:
                rows = (await conn.execute(sa.text("SELECT count(*), count(published_at) FROM outbox"))).one()
            return rows[0] if rows[0] == rows[1] else 0

        await eventually(published, timeout=20)
    engine = make_engine(url)  # counted once stopped: a background task may have written more meanwhile
    async with engine.connect() as conn:
        retained = (await conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"))).scalar()
    await engine.dispose()
    env = {"TANDEM_CAPACITY_DATABASE_URL": url}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("tandem")), "outbox", "republish", "capacity", "--json",
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}, "TANDEM_ENVIRONMENT": "test",
             **env}, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0 and json.loads(out) == {"capacity": retained}
    code, [status], _ = await tandem_status("capacity", "--json", "--no-broker", **env)
    assert code == 0 and status["outbox_pending"] == retained and status["outbox_parked"] == 0


async def test_status_of_a_service_whose_package_is_not_installed_still_reads_its_database(databases):
    """An image holds its own service only: the database still answers; head and lag are unknown, not an error."""
    from tandem_shared.settings import PlatformSettings, service_settings
    from tandem_shared.status import service_status

    url = await databases.fresh("capacity", "sqlite")
    engine = make_engine(url)
    async with engine.begin() as conn:  # the version table a service named "ghost" would have
        await conn.execute(sa.text("CREATE TABLE alembic_version_ghost AS SELECT * FROM alembic_version_capacity"))
    await engine.dispose()
    status = await service_status("ghost", url, service_settings("capacity"), PlatformSettings(), "127.0.0.1:9")
    assert status.reachable and status.error is None and status.revision == head_revision("capacity")
    assert status.head is None and not status.at_head and "not installed" in (status.note or "")
    assert status.consumer_group is None and status.consumer_lag is None and status.outbox_pending == 0
