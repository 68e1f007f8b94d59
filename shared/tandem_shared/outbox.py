"""The outbox relay: publishes the events units of work wrote with the business rows (`tandem_shared.uow`)."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError, ProducerClosed
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tandem_shared.db import utcnow
from tandem_shared.tables import outbox, relay_lease
from tandem_shared.tracing import TRACING_OFF, ServiceTracing

log = logging.getLogger(__name__)
PENDING_COUNT_CAP = 10_000  # readiness counts the backlog up to here: a long outage must not make the probe slow
STATS_INTERVAL = 5.0


def retry_delay(attempts: int, *, base: float = 0.2, cap: float = 10.0) -> float:
    """Seconds before a row that failed `attempts` times is sent again: doubling from `base`, at most `cap`."""
    return min(cap, base * 2.0 ** min(max(attempts, 1) - 1, 64))  # the exponent's bound keeps floats finite


def is_transient(exc: BaseException) -> bool:
    """Whether a send failed because the broker was away (retried, never parked) rather than refusing the record."""
    if isinstance(exc, (KafkaTimeoutError, ProducerClosed)):  # a batch that expired unsent; a producer being replaced
        return True
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    return isinstance(exc, (OSError, asyncio.CancelledError))


def _retrying(table: Any) -> tuple[sa.ColumnElement[bool], ...]:
    # The predicate of the partial index ix_outbox_retrying, spelt with a literal 0 so both databases match it.
    return table.c.published_at.is_(None), table.c.attempts > sa.literal_column("0")


class OutboxRelay:
    """Publishes pending outbox rows in sequence order while it holds the database's relay lease."""

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
        max_attempts: int = 10,
        retry_base: float = 0.2,
        retry_max: float = 10.0,
        lease_seconds: float = 5.0,
        tracing: ServiceTracing = TRACING_OFF,
    ) -> None:
        self.service = service
        self.tracing = tracing
        self.engine = engine
        self.read_engine = read_engine or engine
        self.producer_factory = producer_factory
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.retention = retention
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_max = retry_max
        # A relay renews its lease on its passes; one that polled less often than that would lose it in between.
        self.lease_seconds = max(lease_seconds, 3 * poll_interval)
        self.lease_name = f"outbox:{service}"
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.producer: AIOKafkaProducer | None = None
        self.last_error: str | None = None
        self.stats: dict[str, int] = {}
        # For the Prometheus collector, read at scrape time: plain attributes, nothing on the hot path but a sum.
        self.oldest_pending_at: datetime | None = None  # creation time of the oldest pending row, at the last count
        self.published_total = 0
        self.last_success: float | None = None  # wall-clock time of the last pass that raised nothing
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_cleanup = -math.inf
        self._last_stats = -math.inf
        self._held_until = 0.0  # monotonic time until which this relay holds the lease (0: it does not)
        self._next_claim = 0.0  # monotonic time of its next claim or renewal
        self._retrying: bool | None = None  # whether failed rows wait, so keys must be checked (None: look)
        columns = (outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.attempts,
                   # The payload as the text stored: a validated envelope's JSON, sent as it is, neither decoded by
                   # the driver nor encoded again (that cost the relay more than the send).
                   sa.cast(outbox.c.payload, sa.Text).label("payload"))
        self._pending = (sa.select(*columns).where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
                         .order_by(outbox.c.seq).limit(batch_size))
        now = sa.bindparam("now", type_=outbox.c.next_attempt_at.type)
        earlier = outbox.alias("earlier")
        held_back = sa.exists().where(
            earlier.c.key == outbox.c.key, earlier.c.seq < outbox.c.seq, *_retrying(earlier),
            sa.or_(earlier.c.parked_at.is_not(None), earlier.c.next_attempt_at > now))
        # Due rows whose key has no earlier row parked or waiting for its retry: other keys flow past a failed
        # row, the same key waits behind it (per-entity order).
        self._pending_due = self._pending.where(
            sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now), ~held_back)

    @property
    def leader(self) -> bool:
        """Whether this relay holds the lease (it alone publishes)."""
        return time.monotonic() < self._held_until

    def wake(self) -> None:
        """Ask for a publishing pass now (called right after a commit that wrote events)."""
        self._wake.set()

    def start(self) -> None:
        """Run the relay loop in the background."""
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Stop the loop, publish what is still pending if the broker answers, give the lease up, close the producer."""
        self._stopping = True
        self._wake.set()
        if self._task:
            await self._task
        try:
            await asyncio.wait_for(self._drain(), drain_timeout)
        except Exception as exc:  # noqa: BLE001 - rows stay pending and go out on the next start
            log.warning("%s relay: pending events kept for the next start (%s)", self.service, exc)
        try:
            await self.release_lease()
        except Exception as exc:  # noqa: BLE001 - the lease then expires on its own
            log.warning("%s relay: lease not released, it expires in %.0fs (%s)", self.service, self.lease_seconds, exc)
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    async def _drain(self) -> None:
        while await self.publish_pending() == self.batch_size:
            pass

    async def run(self) -> None:
        """Publish, then sleep until woken or the poll interval passes; back off while the broker is away."""
        backoff = 0.1
        while not self._stopping:
            try:
                published = await self.publish_pending()
                backoff = 0.1
                self.last_success = time.time()
            except Exception as exc:  # noqa: BLE001 - the relay must outlive broker and database faults
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("%s relay: publishing failed, retrying in %.1fs: %s", self.service, backoff, exc)
                await self._reset_producer()
                await self._housekeeping()
                await self._sleep(backoff, wakeable=False)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            await self._housekeeping()
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
        except TimeoutError:
            pass
        self._wake.clear()

    async def _housekeeping(self) -> None:
        """Now and then: count the backlog and parked rows for readiness; the publisher purges old published rows."""
        now = time.monotonic()
        try:
            if now - self._last_stats >= STATS_INTERVAL:
                self._last_stats = now
                self.stats = await outbox_stats(self.read_engine)
                self.oldest_pending_at = await oldest_pending(self.read_engine) if self.stats["pending"] else None
            if self.leader and now - self._last_cleanup >= 60:
                self._last_cleanup = now
                await purge_published(self.engine, self.retention)
        except Exception as exc:  # noqa: BLE001 - counts and cleanup wait for the next pass
            log.warning("%s relay: outbox housekeeping failed: %s", self.service, exc)

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
            except Exception as exc:  # noqa: BLE001 - a broken producer is replaced either way
                log.debug("%s relay: stopping the old producer failed: %s", self.service, exc)
            self.producer = None

    async def claim_lease(self) -> bool:
        """Take the lease if free or expired, or renew it if this relay holds it; True when this relay holds it."""
        started = time.monotonic()
        now = utcnow()
        async with self.engine.begin() as conn:
            held = await _claim(conn, self.lease_name, self.holder, now, now + timedelta(seconds=self.lease_seconds))
        if held and started >= self._held_until:
            # Newly the publisher: another relay may have recorded failures meanwhile, so look before the fast path.
            self._retrying = None
            log.info("%s relay %s publishes the outbox", self.service, self.holder)
        elif not held and self.leader:
            log.warning("%s relay %s lost the lease to another relay", self.service, self.holder)
        # Conservative: counted from before the statement, so this relay stops before the database says it may.
        self._held_until = started + self.lease_seconds if held else 0.0
        self._next_claim = started + self.lease_seconds / 4
        return held

    async def release_lease(self) -> None:
        """Give the lease up, so another relay takes over without waiting for it to expire."""
        self._held_until = self._next_claim = 0.0
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(relay_lease).where(relay_lease.c.name == self.lease_name,
                                                            relay_lease.c.holder == self.holder))

    async def _hold_lease(self) -> bool:
        # Claimed or renewed at most every quarter of the lease: most passes ask the database nothing about it.
        if time.monotonic() < self._next_claim:
            return self.leader
        return await self.claim_lease()

    async def publish_pending(self) -> int:
        """One pass, if this relay holds the lease: publish up to a batch of due rows in order; return how many."""
        if not await self._hold_lease():
            self.last_error = None
            return 0
        # No transaction stays open while talking to Kafka: SQLite has one writer, and PostgreSQL would hold a
        # connection. Reading by status (not "seq above the last seen") never skips a row committed late.
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(*await self._pending_query(conn))).all()
        if not rows:
            self.last_error = None
            return 0
        acknowledged, failed = await self._send(rows)
        if acknowledged:
            async with self.engine.begin() as conn:
                await self._mark(conn, acknowledged, len(acknowledged))
            self.published_total += len(acknowledged)
        self.last_error = None
        if failed:
            await self._record_failures(failed)
            row, exc = failed[0]
            self.last_error = f"outbox row {row.seq}: {type(exc).__name__}: {exc}"
            transient = next((exc for _, exc in failed if is_transient(exc)), None)
            if transient is not None:
                raise transient  # the broker is away: the loop backs off and replaces the producer
        return len(acknowledged)

    async def _pending_query(self, conn: AsyncConnection) -> tuple[sa.Select[Any], dict[str, Any]]:
        if self._retrying is not False:
            found = await conn.execute(sa.select(outbox.c.seq).where(*_retrying(outbox)).limit(1))
            self._retrying = found.first() is not None
        if not self._retrying:
            return self._pending, {}  # nothing failed: every pending row is due (the usual pass, one query)
        return self._pending_due, {"now": utcnow()}

    async def _send(self, rows: list[Any]) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        """Send rows in order; return the rows the broker acknowledged and, per key, the first row that failed."""
        producer = await self._producer()
        sent: list[tuple[Any, asyncio.Future[Any]]] = []
        spans: list[Any] = []  # the sends' producer spans, None each while tracing is off
        failures: list[tuple[Any, BaseException]] = []
        refused_keys: set[str] = set()
        for row in rows:
            if row.key in refused_keys:
                continue  # per-key order: the key's later rows wait behind its refused row
            span, headers = self.tracing.start_send(row.topic, row.key, row.payload)
            try:
                future = await producer.send(row.topic, value=row.payload.encode(), key=row.key.encode(),
                                             headers=headers)
            except Exception as exc:  # noqa: BLE001 - refused before sending (e.g. too large), or the broker is away
                self.tracing.end_send(span, exc)
                failures.append((row, exc))
                if is_transient(exc):
                    break  # the rest of the batch would wait out the same timeout
                refused_keys.add(row.key)
                continue
            sent.append((row, future))
            spans.append(span)
        results = await asyncio.gather(*(future for _, future in sent), return_exceptions=True)
        for span, result in zip(spans, results, strict=True):
            self.tracing.end_send(span, result)
        # A row acknowledged after an earlier row of its key failed (another produce request) is delivered: marked.
        acknowledged = [row for (row, _), result in zip(sent, results, strict=True)
                        if not isinstance(result, BaseException)]
        failures += [(row, result) for (row, _), result in zip(sent, results, strict=True)
                     if isinstance(result, BaseException)]
        first: dict[str, tuple[Any, BaseException]] = {}
        for row, error in sorted(failures, key=lambda failure: failure[0].seq):
            first.setdefault(row.key, (row, error))  # a key's later rows failed only for following it
        return acknowledged, list(first.values())

    async def _mark(self, conn: AsyncConnection, rows: list[Any], published: int) -> None:
        """Mark the first `published` rows published."""
        seqs = [r.seq for r in rows[:published]]
        await conn.execute(sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=utcnow()))

    async def _record_failures(self, failed: list[tuple[Any, BaseException]]) -> None:
        """Count a failure on each row, set when it is tried again, and park rows refused `max_attempts` times."""
        now = utcnow()
        changes = []
        for row, exc in failed:
            attempts = row.attempts + 1
            delay = retry_delay(attempts, base=self.retry_base, cap=self.retry_max)
            # Only refusals park a row: the broker being away is not the row's fault.
            park = attempts >= self.max_attempts and not is_transient(exc)
            changes.append({"b_seq": row.seq, "b_attempts": attempts, "b_error": f"{type(exc).__name__}: {exc}"[:2000],
                            "b_next": now + timedelta(seconds=delay), "b_parked": now if park else None})
            if park:
                log.error("%s relay: outbox row %s (key %s) parked after %d failures, last: %s; "
                          "`tandem outbox unpark %s --seq %s` once the cause is fixed",
                          self.service, row.seq, row.key, attempts, exc, self.service, row.seq)
            else:
                log.warning("%s relay: outbox row %s (key %s) failed (attempt %d), next try in %.1fs: %s",
                            self.service, row.seq, row.key, attempts, delay, exc)
        async with self.engine.begin() as conn:
            await conn.execute(_RECORD_FAILURE, changes)
        self._retrying = True
        if any(change["b_parked"] for change in changes):
            self._last_stats = -math.inf  # readiness shows the parked row at the next housekeeping


_RECORD_FAILURE = (
    sa.update(outbox)
    .where(outbox.c.seq == sa.bindparam("b_seq"))
    .values(attempts=sa.bindparam("b_attempts"), last_error=sa.bindparam("b_error"),
            next_attempt_at=sa.bindparam("b_next", type_=outbox.c.next_attempt_at.type),
            parked_at=sa.bindparam("b_parked", type_=outbox.c.parked_at.type))
)


async def _claim(conn: AsyncConnection, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """One statement: insert the lease, renew it for its holder, or take it over once expired; True if held."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(relay_lease)
    statement = insert.values(name=name, holder=holder, expires_at=until)
    statement = statement.on_conflict_do_update(
        index_elements=[relay_lease.c.name],
        set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
        where=sa.or_(relay_lease.c.holder == holder, relay_lease.c.expires_at < now),
    )
    return (await conn.execute(statement)).rowcount == 1


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
    """How many outbox rows wait for publication (parked rows wait for an operator instead)."""
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None)))).scalar_one()


async def outbox_stats(engine: AsyncEngine) -> dict[str, int]:
    """Rows waiting for publication (counted up to PENDING_COUNT_CAP) and parked rows, for readiness."""
    waiting = (sa.select(outbox.c.seq).where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
               .limit(PENDING_COUNT_CAP).subquery())
    parked = sa.select(sa.func.count()).select_from(outbox).where(*_retrying(outbox), outbox.c.parked_at.is_not(None))
    async with engine.connect() as conn:
        return {"pending": (await conn.execute(sa.select(sa.func.count()).select_from(waiting))).scalar_one(),
                "parked": (await conn.execute(parked)).scalar_one()}


async def oldest_pending(engine: AsyncEngine) -> datetime | None:
    """When the oldest row waiting for publication was written (one row read through ix_outbox_pending)."""
    query = (sa.select(outbox.c.created_at).where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
             .order_by(outbox.c.seq).limit(1))
    async with engine.connect() as conn:
        return (await conn.execute(query)).scalar()


async def list_parked(engine: AsyncEngine, *, limit: int = 100) -> list[dict[str, Any]]:
    """Parked rows, oldest first: events the broker refused `relay_max_attempts` times, no longer sent."""
    query = (
        sa.select(outbox.c.seq, outbox.c.event_id, outbox.c.event_type, outbox.c.topic, outbox.c.key,
                  outbox.c.attempts, outbox.c.last_error, outbox.c.created_at, outbox.c.parked_at)
        .where(*_retrying(outbox), outbox.c.parked_at.is_not(None))
        .order_by(outbox.c.seq)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in await conn.execute(query)]


async def unpark(engine: AsyncEngine, seqs: Collection[int] | None = None) -> int:
    """Put parked rows (these seqs, or every one) back to pending with fresh attempts; return how many."""
    statement = (
        sa.update(outbox)
        .where(outbox.c.parked_at.is_not(None), outbox.c.published_at.is_(None))
        .values(parked_at=None, attempts=0, next_attempt_at=None)  # last_error stays: what happened last time
    )
    if seqs is not None:
        statement = statement.where(outbox.c.seq.in_(list(seqs)))
    async with engine.begin() as conn:
        result = await conn.execute(statement)
    return result.rowcount or 0
