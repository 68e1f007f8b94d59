"""`tandem status`: each service's database revision, outbox, inbox and dead letters, and its consumer group's lag.

Read from the service's own database by its configured URL (as `tandem outbox parked` and `tandem dlq list` do) and,
when a broker is known, from the broker's committed offsets of the service's consumer group: nothing is started.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem_shared.db import is_sqlite, make_engine, utcnow
from tandem_shared.events import REGISTRY
from tandem_shared.migrations import version_table
from tandem_shared.outbox import PENDING_COUNT_CAP, oldest_pending, outbox_stats
from tandem_shared.settings import PlatformSettings, ServiceSettings
from tandem_shared.tables import inbox

BROKER_TIMEOUT = 5.0  # seconds for the lag of one service: a broker that does not answer leaves it unknown


@dataclass
class ServiceStatus:
    """What an operator asks first about a service, from its database and, when reachable, the broker."""

    service: str
    database: str  # the URL with its password hidden
    reachable: bool = False
    error: str | None = None
    revision: str | None = None
    head: str | None = None
    outbox_pending: int | None = None  # counted up to PENDING_COUNT_CAP
    outbox_oldest_pending_at: datetime | None = None
    outbox_parked: int | None = None
    inbox_applied: int | None = None
    dead_letters: int | None = None
    consumer_group: str | None = None
    consumer_lag: int | None = None  # summed over the partitions; None when the broker was not asked or answered
    lag: dict[str, int] = field(default_factory=dict)  # "topic/partition" -> messages not yet committed
    broker_error: str | None = None
    note: str | None = None

    @property
    def at_head(self) -> bool:
        """Whether the database is migrated to the newest revision the installed service ships."""
        return self.revision is not None and self.revision == self.head

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601)."""
        data = asdict(self)
        data["at_head"] = self.at_head
        data["outbox_pending_capped"] = self.outbox_pending is not None and self.outbox_pending >= PENDING_COUNT_CAP
        oldest = self.outbox_oldest_pending_at
        data["outbox_oldest_pending_at"] = oldest.isoformat() if oldest else None
        data["outbox_oldest_pending_age_seconds"] = round((utcnow() - oldest).total_seconds(), 3) if oldest else None
        return data


def head_revision(service: str) -> str | None:
    """The newest migration the installed service package ships."""
    from alembic.script import ScriptDirectory

    from tandem_shared.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    return script.get_current_head()


def consumed_topics(service: str, prefix: str) -> list[str]:
    """The topics the service's consumer subscribes to (those of the event types it has handlers for)."""
    spec = importlib.import_module(f"tandem_{service}.main").SPEC
    return sorted({REGISTRY[event_type].topic_under(prefix) for event_type in spec.handlers})


async def _database(status: ServiceStatus, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        status.revision = (await conn.execute(sa.text(
            f"SELECT version_num FROM {version_table(status.service)}"))).scalar()
        rows = await conn.execute(sa.select(inbox.c.status, sa.func.count()).where(inbox.c.consumer == status.service)
                                  .group_by(inbox.c.status))
        counts: dict[str, int] = {row[0]: row[1] for row in rows}
    status.inbox_applied = counts.get("applied", 0)
    status.dead_letters = counts.get("dead_lettered", 0)
    stats = await outbox_stats(engine)
    status.outbox_pending, status.outbox_parked = stats["pending"], stats["parked"]
    status.outbox_oldest_pending_at = await oldest_pending(engine) if status.outbox_pending else None


async def _lag(status: ServiceStatus, bootstrap: str, topics: list[str]) -> None:
    """The group's committed offsets against the partitions' end offsets (the group is asked, never joined)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    assert status.consumer_group is not None
    # A consumer of the group that never subscribes: it fetches the group's offsets without joining it, so the
    # running members are not rebalanced.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=status.consumer_group,
                                enable_auto_commit=False, request_timeout_ms=int(BROKER_TIMEOUT * 1000))
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata: the partitions of every topic
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            status.consumer_lag = 0
            return
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            done = await consumer.committed(tp)
            # A partition the group never committed on is behind by all it holds (the group starts at the earliest).
            status.lag[f"{tp.topic}/{tp.partition}"] = max(ends[tp] - (done or 0), 0)
    finally:
        await consumer.stop()
    status.consumer_lag = sum(status.lag.values())


def _hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def service_status(service: str, url: str, settings: ServiceSettings, platform: PlatformSettings,
                         bootstrap: str | None) -> ServiceStatus:
    """One service's status; an unreachable database or broker is reported in it, never raised."""
    status = ServiceStatus(service=service, database=_hidden(url))
    try:
        status.head = head_revision(service)
        topics = consumed_topics(service, platform.kafka_topic_prefix)
    except ImportError:  # an image holds its own service only: its database still answers, head and lag stay unknown
        topics = []
        status.note = f"tandem_{service} is not installed here: head revision and consumer lag unknown"
    if topics:
        status.consumer_group = settings.consumer_group or f"tandem-{service}"
    if is_sqlite(url) and not await asyncio.to_thread(Path(make_url(url).database or "").exists):
        status.error = "no database yet (run `tandem migrate` or `tandem up`)"  # and do not create an empty file
    else:
        engine = make_engine(url, pool_size=1, read_only=is_sqlite(url))
        try:
            await _database(status, engine)
            status.reachable = True
        except Exception as exc:  # noqa: BLE001 - reported per service; the others are still shown
            status.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        finally:
            await engine.dispose()
    if bootstrap and topics:
        try:
            await asyncio.wait_for(_lag(status, bootstrap, topics), BROKER_TIMEOUT * 2)
        except Exception as exc:  # noqa: BLE001 - the lag stays unknown; the database figures stand
            status.broker_error = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
    return status
