"""The outbox relay: publishes the events units of work wrote with the business rows (`tandem_shared.uow`)."""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tandem_shared.db import is_sqlite, utcnow
from tandem_shared.tables import outbox

log = logging.getLogger(__name__)


_SQLITE_RELAY_LOCKS: dict[str, asyncio.Lock] = {}


def _sqlite_relay_lock(url: str) -> asyncio.Lock:
    """The lock relays of one SQLite database take turns on."""
    return _SQLITE_RELAY_LOCKS.setdefault(url, asyncio.Lock())


class OutboxRelay:
    """Publishes pending outbox rows in sequence order; one publisher at a time per database."""

    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        producer_factory: Any,
        read_engine: AsyncEngine | None = None,
        poll_interval: float = 1.0,
        batch_size: int = 500,
        retention: timedelta = timedelta(days=7),
        max_backoff: float = 5.0,
    ) -> None:
        self.service = service
        self.engine = engine
        self.read_engine = read_engine or engine
        self.producer_factory = producer_factory
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.retention = retention
        self.max_backoff = max_backoff
        self.lock_key = zlib.crc32(f"tandem-outbox-relay:{service}".encode())
        self.producer: AIOKafkaProducer | None = None
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_cleanup = 0.0
        self._failure: tuple[int, str] | None = None

    def wake(self) -> None:
        """Ask for a publishing pass now (called right after a commit that wrote events)."""
        self._wake.set()

    def start(self) -> None:
        """Run the relay loop in the background."""
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Stop the loop, publish what is still pending if the broker answers, close the producer."""
        self._stopping = True
        self._wake.set()
        if self._task:
            await self._task
        try:
            await asyncio.wait_for(self._drain(), drain_timeout)
        except Exception as exc:  # noqa: BLE001 - rows stay pending and go out on the next start
            log.warning("%s relay: pending events kept for the next start (%s)", self.service, exc)
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    async def _drain(self) -> None:
        while await self.publish_pending() == self.batch_size:
            pass

    async def run(self) -> None:
        """Publish, then sleep until woken or the poll interval passes; back off on failure."""
        backoff = 0.1
        while not self._stopping:
            try:
                published = await self.publish_pending()
                self.last_error = None
                backoff = 0.1
                await self._cleanup_if_due()
            except Exception as exc:  # noqa: BLE001 - the relay must outlive broker and database faults
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("%s relay: publishing failed, retrying in %.1fs: %s", self.service, backoff, exc)
                await self._reset_producer()
                await self._sleep(backoff, wakeable=False)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if published < self.batch_size:
                await self._sleep(self.poll_interval, wakeable=True)

    async def _sleep(self, seconds: float, *, wakeable: bool) -> None:
        if self._stopping:
            return
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        self._wake.clear()

    async def _producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            producer = self.producer_factory()
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self.producer = producer
        return self.producer

    async def _reset_producer(self) -> None:
        if self.producer is not None:
            try:
                await self.producer.stop()
            except Exception:  # noqa: BLE001 - a broken producer is replaced either way
                pass
            self.producer = None

    async def publish_pending(self) -> int:
        """One pass: publish up to a batch of pending rows in order; return how many were published."""
        if is_sqlite(self.engine):
            # SQLite serialises writers, so keep no transaction open while talking to Kafka; relays sharing
            # the database file in this process take turns (SQLite serves one process).
            async with _sqlite_relay_lock(str(self.engine.url)):
                # Read without taking the single writer connection; only the marking writes.
                async with self.read_engine.connect() as conn:
                    rows = (await conn.execute(self._pending_query())).all()
                if not rows:
                    return 0
                published = await self._send(rows)
                async with self.engine.begin() as conn:
                    await self._mark(conn, rows, published)
                return published
        async with self.engine.connect() as conn, conn.begin():
            # Only one replica publishes at a time, so per-entity order holds across replicas.
            leader = (await conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(self.lock_key)))).scalar()
            if not leader:
                return 0
            rows = (await conn.execute(self._pending_query().with_for_update(skip_locked=True))).all()
            if not rows:
                return 0
            published = await self._send(rows)
            await self._mark(conn, rows, published)
            return published

    def _pending_query(self) -> sa.Select[Any]:
        return (
            # The payload as the text stored: a validated envelope's JSON (record_event), sent as it is, neither
            # decoded by the driver nor encoded again (that cost the relay more than the send).
            sa.select(outbox.c.seq, outbox.c.topic, outbox.c.key, sa.cast(outbox.c.payload, sa.Text).label("payload"))
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
        )

    async def _send(self, rows: list[Any]) -> int:
        """Send rows in order; return the length of the prefix the broker acknowledged."""
        producer = await self._producer()
        futures = []
        for row in rows:
            value = row.payload.encode()
            headers = [("content-type", b"application/cloudevents+json")]
            futures.append(await producer.send(row.topic, value=value, key=row.key.encode(), headers=headers))
        results = await asyncio.gather(*futures, return_exceptions=True)
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                self._failure = (rows[index].seq, f"{type(result).__name__}: {result}")
                return index
        self._failure = None
        return len(rows)

    async def _mark(self, conn: AsyncConnection, rows: list[Any], published: int) -> None:
        now = utcnow()
        if published:
            seqs = [r.seq for r in rows[:published]]
            await conn.execute(sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=now))
        if published < len(rows) and self._failure:
            seq, error = self._failure
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.seq == seq)
                .values(attempts=outbox.c.attempts + 1, last_error=error[:2000], next_attempt_at=now)
            )
            raise RuntimeError(f"broker refused outbox row {seq}: {error}")

    async def _cleanup_if_due(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_cleanup < 60:
            return
        self._last_cleanup = loop.time()
        await purge_published(self.engine, self.retention)


async def purge_published(engine: AsyncEngine, retention: timedelta) -> int:
    """Delete rows published longer ago than the retention; return how many."""
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < utcnow() - retention)
        )
    return result.rowcount or 0


async def republish(engine: AsyncEngine) -> int:
    """Mark every retained row pending again, so the relay re-sends the service's history in order."""
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.update(outbox).where(outbox.c.published_at.is_not(None)).values(published_at=None)
        )
    return result.rowcount or 0


async def pending_count(engine: AsyncEngine) -> int:
    """How many outbox rows wait for publication."""
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))).scalar_one()
