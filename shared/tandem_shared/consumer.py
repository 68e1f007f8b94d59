"""The idempotent consumer: inbox row and handler writes in one transaction, offsets committed after."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from prometheus_client import Counter, Histogram
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem_shared.broker import ensure_topics
from tandem_shared.db import utcnow
from tandem_shared.events import CloudEvent, EventData, correlation_id_var, dead_letter_topic_of, parse_data
from tandem_shared.failures import DETERMINISTIC, TRANSIENT, UNDECODABLE, classify
from tandem_shared.logs import actor_var
from tandem_shared.tables import inbox
from tandem_shared.tracing import TRACING_OFF, ServiceTracing
from tandem_shared.uow import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")
COMMIT_TIMEOUT = 5.0
# Offsets of batches that applied nothing (every event ignored: most of what portfolio and knowledge read) are
# committed with the next batch that applies something, or after this many seconds: re-reading them after a crash or
# a rebalance only ignores them again, and a commit request per such batch cost the broker and the consumer more than
# the events did.
IGNORED_COMMIT_INTERVAL = 1.0
MAX_BATCH = 500  # messages applied in one transaction at most
RETRY_FIRST = 0.1  # seconds before the first retry of a transient failure; doubled each time up to RETRY_MAX
RETRY_MAX = 5.0
PURGE_INTERVAL = 60.0  # seconds between inbox purges at most
PURGE_CHUNK = 5_000  # inbox rows deleted per transaction: short write locks on SQLite
PURGE_MAX_ROWS = 100_000  # per purge, so a first purge of a large inbox does not hold up consumption for long
DEAD_LETTERED = "dead_lettered"
# A handler applies one event in the consumer's unit of work. It may carry `prefetch(uow, items: list[EventData])`,
# called once per batch before its events, to load in one query what each would look up, and `wants(data) -> bool`:
# False for an event of its type the service has nothing to do with (e.g. portfolio and a change's booking), which is
# then ignored like a type nobody handles: no inbox row, and no transaction for a batch of only such events.
Handler = Callable[[UnitOfWork, CloudEvent, EventData], Awaitable[None]]


def _cancelling() -> bool:
    """The running task has been asked to cancel (so a CancelledError it sees is its own)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _wanted(handler: Handler, data: EventData) -> bool:
    """The handler wants this event (see Handler)."""
    wants = getattr(handler, "wants", None)
    return wants is None or bool(wants(data))


APPLY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ConsumerMetrics:
    """A consumer's counters, in no registry: the service's collector yields them (tandem_shared.prometheus).

    Counted once per fetched batch or failure, never per statement: a few microseconds a batch.
    """

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self.events = Counter("tandem_consumer_events", "Consumed events by type and outcome (applied, duplicate, "
                              "ignored, dead_lettered).", ["service", "event_type", "outcome"], registry=None)
        self.retries = Counter("tandem_consumer_retries", "Failures retried: transient (the batch held and retried "
                               "whole) or deterministic (one event's attempt, before it is dead-lettered).",
                               ["service", "kind"], registry=None)
        self.dead_letters = Counter("tandem_consumer_dead_letters", "Messages sent to the dead-letter topic, by "
                                    "failure kind.", ["service", "kind"], registry=None)
        # Every kind exported from the start at 0: a dashboard shows 0 rather than no data, and increase() over the
        # first retry or dead letter sees it (a series that appears at 1 has no earlier sample to rise from).
        for kind in (TRANSIENT, DETERMINISTIC):
            self.retries.labels(consumer, kind)
        for kind in (DETERMINISTIC, UNDECODABLE):
            self.dead_letters.labels(consumer, kind)
        self.apply_seconds = Histogram("tandem_consumer_apply_duration_seconds", "Time to apply one transaction: a "
                                       "fetched batch, or one message on the one-by-one path.", ["service", "path"],
                                       registry=None, buckets=APPLY_BUCKETS)

    def count(self, event_type: str, outcome: str, amount: int = 1) -> None:
        """Count events of one type with one outcome."""
        self.events.labels(self.consumer, event_type, outcome).inc(amount)

    def applied_in(self, path: str, started: float) -> None:
        """Observe how long a transaction took since `started` (time.perf_counter())."""
        self.apply_seconds.labels(self.consumer, path).observe(time.perf_counter() - started)

    def collect(self) -> list[Any]:
        """The metric families, for a collector."""
        return [*self.events.collect(), *self.retries.collect(), *self.dead_letters.collect(),
                *self.apply_seconds.collect()]


_CLAIMS: dict[str, Any] = {}


def _claim_statement(dialect: str) -> Any:
    """The batch claim, built once per dialect (building it costs more than running it for one event)."""
    if dialect not in _CLAIMS:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        _CLAIMS[dialect] = insert(inbox).on_conflict_do_nothing(
            index_elements=[inbox.c.consumer, inbox.c.source, inbox.c.event_id],
        ).returning(inbox.c.source, inbox.c.event_id)
    return _CLAIMS[dialect]


@dataclass(frozen=True)
class Delivery:
    """Where a message came from: what the inbox and the dead-letter topic record."""

    topic: str
    partition: int
    offset: int
    value: bytes
    key: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()  # the record's Kafka headers (the relay's `traceparent`)


class _Stopping(BaseException):
    """The consumer stops while holding a batch that fails transiently: abandoned, its offsets uncommitted.

    A BaseException, so no handler's or attempt loop's `except Exception` mistakes it for the event's failure.
    """


class _RebalanceListener(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka ships no types
    """Handling is sequential inside the poll loop, so nothing is in flight when partitions move."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        log.info("%s: partitions revoked %s", self.consumer.name, sorted(map(str, revoked)))
        await self.consumer.commit_ignored()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("%s: partitions assigned %s", self.consumer.name, sorted(map(str, assigned)))


class EventConsumer:
    """Consumes topics for one service: applies each event once, holds what fails transiently, dead-letters the rest.

    `state` is starting, consuming, retrying (a transient failure: the batch in hand is retried with back-off and
    nothing after it is committed), reconnecting (the broker failed) or stopped.
    """

    def __init__(
        self,
        *,
        name: str,
        group_id: str,
        topics: list[str],
        handlers: dict[str, Handler],
        sessionmaker: async_sessionmaker[AsyncSession],
        bootstrap: str,
        producer: Any,
        max_attempts: int = 3,
        fetch_max_wait_ms: int = 10,
        dead_letter_topic: str | None = None,
        inbox_retention: timedelta | None = None,
        tracing: ServiceTracing = TRACING_OFF,
    ) -> None:
        self.name = name
        self.tracing = tracing
        self.group_id = group_id
        self.topics = topics
        self.handlers = handlers
        self.sessionmaker = sessionmaker
        self.bootstrap = bootstrap
        self.producer = producer
        self.max_attempts = max_attempts
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.dead_letter_topic = dead_letter_topic or dead_letter_topic_of(name)
        self.inbox_retention = inbox_retention
        self.last_poll: float | None = None
        self.last_error: str | None = None
        self.last_success: float | None = None  # wall-clock time of the last fetch applied and committed
        self.committed: dict[TopicPartition, int] = {}  # the next offset to apply, per partition, as last committed
        self.metrics = ConsumerMetrics(name)
        self.state = "starting"
        self.retries = 0  # consecutive transient failures of the work in hand
        self._retried_at: float | None = None
        self._last_purge = time.monotonic()  # the first purge waits an interval: start-up catches up first
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy = False
        self._ignored: dict[TopicPartition, int] = {}  # offsets after batches that applied nothing, not yet committed
        self._ignored_since = 0.0

    def start(self) -> None:
        """Run the poll loop in the background."""
        self._task = asyncio.create_task(self.run(), name=f"consumer-{self.name}")

    async def stop(self) -> None:
        """Finish the batch in hand and commit its offsets, or stop waiting on the broker; leave the group.

        A batch held by a transient failure is abandoned uncommitted: it is read again after the restart.
        """
        self._stopping = True
        self._stop_requested.set()
        if self._task is None:
            return
        if not self._busy:
            # Nothing in hand: a join or fetch in progress can be abandoned without losing anything.
            self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        await self.commit_ignored()
        await self._disconnect()
        self.state = "stopped"

    def healthy(self, max_silence: float = 30.0) -> bool:
        """True when the loop polled, or retried a transient failure, recently (a stuck consumer did neither)."""
        if self.last_poll is None:
            return False
        alive = max(self.last_poll, self._retried_at or 0.0)
        return time.monotonic() - alive < max_silence

    def status(self) -> dict[str, Any]:
        """What the readiness probe shows of the consumer."""
        return {"healthy": self.healthy(), "state": self.state, "retries": self.retries,
                "last_error": self.last_error}

    def lag(self) -> dict[TopicPartition, int]:
        """Per assigned partition: messages on the broker not yet applied and committed here (no request is made).

        The end offset is the one the broker sent with the last fetch; a partition appears once this consumer has
        committed on it since it was assigned.
        """
        consumer = self._consumer
        if consumer is None:
            return {}
        lags = {}
        for tp in consumer.assignment():
            try:
                end, done = consumer.highwater(tp), self.committed.get(tp)
            except AssertionError:  # revoked since assignment() was read (a scrape from another thread)
                continue
            if end is not None and done is not None:
                lags[tp] = max(end - done, 0)
        return lags

    async def run(self) -> None:
        """Poll and handle until stopped; reconnect with back-off when the broker fails."""
        backoff = 0.2
        while not self._stopping:
            try:
                await self._connect()
                backoff = 0.2
                while not self._stopping:
                    await self.poll_once()
                    await self._purge_if_due()
            except _Stopping:
                break
            except Exception as exc:  # broker or database down: reconnect with back-off, never die
                self.last_error = f"{type(exc).__name__}: {exc}"
                self.state = "reconnecting"
                log.warning("%s: consumer loop failed, reconnecting in %.1fs: %s", self.name, backoff, self.last_error,
                            exc_info=not isinstance(exc, KafkaError))
                await self._disconnect()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        await self._disconnect()

    async def _connect(self) -> None:
        if self._consumer is not None:
            return
        # A broker that lost its topics (the development broker keeps nothing across restarts) gets them back.
        await ensure_topics(self.bootstrap, [*self.topics, self.dead_letter_topic])
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            client_id=f"tandem-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            max_poll_records=500,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        try:
            await consumer.start()
            consumer.subscribe(self.topics, listener=_RebalanceListener(self))
        except Exception:
            await consumer.stop()
            raise
        self._consumer = consumer

    async def _disconnect(self) -> None:
        self._ignored.clear()  # the next connection's partitions may differ: it reads these again, and ignores them
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                await consumer.stop()
            except asyncio.CancelledError:
                # aiokafka's fetcher, closing, cancels its fetches and awaits each: one waiting out its retry back-off
                # after a broker error re-raises that cancellation here. Only a cancellation of this task is ours to
                # pass on; the fetch's would end the poll loop for good during a broker outage.
                if _cancelling():
                    raise
                log.warning("%s: the consumer closed with a fetch cancelled in its retry back-off", self.name)
            except Exception as exc:  # noqa: BLE001 - leaving a dead group cannot fail the shutdown
                log.debug("%s: leaving the group failed: %s", self.name, exc)

    async def poll_once(self, timeout_ms: int = 200) -> int:
        """Fetch a batch, apply it (in one transaction when it can), then commit the offsets (a batch that applied
        nothing: later, see IGNORED_COMMIT_INTERVAL); return the count."""
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=MAX_BATCH)
        self.last_poll = time.monotonic()
        self.state = "consuming"
        # Take what the fetcher already holds too: a broker answering with small record batches would
        # otherwise make many small transactions out of a backlog.
        count = sum(map(len, batches.values()))
        while batches and count < MAX_BATCH:
            more = await self._consumer.getmany(timeout_ms=0, max_records=MAX_BATCH - count)
            if not more:
                break
            for tp, messages in more.items():
                batches.setdefault(tp, []).extend(messages)
            count += sum(map(len, more.values()))
        deliveries = [Delivery(tp.topic, tp.partition, m.offset, m.value, m.key, m.headers)
                      for tp, messages in batches.items() for m in messages]
        self._busy = True
        try:
            applied = False
            if deliveries:
                # A transient failure holds the whole batch (and so every later message) until it applies: the
                # offsets below are committed only after that.
                applied = await self._until_not_transient(lambda: self._apply_fetched(deliveries))
            offsets = {tp: messages[-1].offset + 1 for tp, messages in batches.items() if messages}
            if applied:
                await self._commit({**self._take_ignored(), **offsets})
            elif offsets:
                if not self._ignored:
                    self._ignored_since = time.monotonic()
                self._ignored.update(offsets)
            if self._ignored and time.monotonic() - self._ignored_since >= IGNORED_COMMIT_INTERVAL:
                await self._commit(self._take_ignored())
        finally:
            self._busy = False
        self.last_success = time.time()
        return len(deliveries)

    async def _apply_fetched(self, deliveries: list[Delivery]) -> bool:
        """Apply the batch; True when any message was more than ignored (applied, a duplicate, dead-lettered)."""
        # A single message takes the batch path too: buffered rows and prefetches make it the cheaper one.
        outcomes = await self.handle_batch(deliveries)
        if outcomes is None:
            outcomes = [await self.handle(delivery) for delivery in deliveries]
        return any(outcome != "ignored" for outcome in outcomes)

    async def _until_not_transient(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` again after each transient failure, waiting with back-off; other errors propagate."""
        failures = 0
        while True:
            try:
                result = await work()
            except Exception as exc:
                if classify(exc) != TRANSIENT:
                    raise
                failures += 1
                await self._hold(exc, failures)
                continue
            if failures:
                log.info("%s: recovered after %d transient failure(s)", self.name, failures)
                self.state, self.retries = "consuming", 0
            return result

    async def _hold(self, exc: BaseException, failures: int) -> None:
        """Wait before retrying after a transient failure (0.1 s doubling up to 5 s); raise _Stopping on stop."""
        self.state, self.retries = "retrying", failures
        self.last_error = f"{type(exc).__name__}: {exc}"
        self.metrics.retries.labels(self.name, TRANSIENT).inc()
        self._retried_at = time.monotonic()
        delay = min(RETRY_FIRST * 2 ** (failures - 1), RETRY_MAX)
        log.warning("%s: transient failure %d, retrying in %.1fs: %s", self.name, failures, delay, self.last_error,
                    exc_info=failures == 1)
        try:
            await asyncio.wait_for(self._stop_requested.wait(), delay)
        except TimeoutError:
            pass
        if self._stopping:
            raise _Stopping

    async def handle_batch(self, deliveries: list[Delivery]) -> list[str] | None:
        """Apply a fetched batch in one transaction; None (nothing written) when any message fails.

        One multi-row insert claims the batch's inbox rows; audit and outbox rows (and whatever else handlers
        write with `insert_row`) are collected and written with one multi-row insert per table before the commit.
        A handler with a `prefetch(uow, items)` attribute gets every event of its type in the batch first, to
        load in one query what each would look up.
        On None the caller applies each message alone, so a poison event is retried and dead-lettered by itself
        while the others are applied (in partition order, as before). A transient failure (the database is
        unreachable, a deadlock) is raised instead: the caller retries the whole batch.
        """
        parsed: list[tuple[CloudEvent, Handler | None, EventData | None]] = []
        for delivery in deliveries:
            try:
                event = CloudEvent.from_bytes(delivery.value)
                handler = self.handlers.get(event.type)
                # Data of a type no handler wants is never validated (metrics and knowledge skip most events).
                parsed.append((event, handler, parse_data(event) if handler is not None else None))
            except Exception:  # noqa: BLE001 - a malformed message is dead-lettered on the one-by-one path
                return None
        handled = [(d, e, data) for d, (e, handler, data) in zip(deliveries, parsed, strict=True)
                   if handler is not None and data is not None and _wanted(handler, data)]
        if not handled:
            for event, _, _ in parsed:
                self.metrics.count(event.type, "ignored")
            return ["ignored"] * len(parsed)  # no inbox row for what nobody handles: no transaction either
        outcomes: list[str] = []
        started = time.perf_counter()
        try:
            async with unit_of_work(self.sessionmaker, buffered=True) as uow:
                claimed = await self._claim_many(uow, [(d, e) for d, e, _ in handled])
                prefetch: dict[str, list[EventData]] = {}
                for _, event, event_data in handled:
                    if (event.source, event.id) in claimed and hasattr(self.handlers[event.type], "prefetch"):
                        prefetch.setdefault(event.type, []).append(event_data)
                for event_type, items in prefetch.items():
                    await self.handlers[event_type].prefetch(uow, items)  # type: ignore[attr-defined]
                for delivery, (event, handler, data) in zip(deliveries, parsed, strict=True):
                    if handler is None or data is None or not _wanted(handler, data):
                        outcomes.append("ignored")
                        continue
                    if (event.source, event.id) not in claimed:
                        outcomes.append("duplicate")
                        continue
                    claimed.discard((event.source, event.id))  # the same event twice in one batch is applied once
                    token, actor = correlation_id_var.set(event.correlationid), actor_var.set(event.actor)
                    try:
                        with self.tracing.applying(self.group_id, event, delivery.topic, delivery.headers):
                            await handler(uow, event, data)
                    finally:
                        actor_var.reset(actor)
                        correlation_id_var.reset(token)
                    outcomes.append("applied")
        except Exception as exc:  # rolled back whole; retried message by message
            if classify(exc) == TRANSIENT:
                raise
            log.info("%s: batch of %d rolled back (%s: %s); applying its messages one by one",
                     self.name, len(deliveries), type(exc).__name__, exc)
            return None
        self.metrics.applied_in("batch", started)
        counts: dict[tuple[str, str], int] = {}
        for (event, _, _), outcome in zip(parsed, outcomes, strict=True):
            counts[event.type, outcome] = counts.get((event.type, outcome), 0) + 1
        for (event_type, outcome), amount in counts.items():
            self.metrics.count(event_type, outcome, amount)
        return outcomes

    async def _claim_many(self, uow: UnitOfWork,
                          items: list[tuple[Delivery, CloudEvent]]) -> set[tuple[str, uuid.UUID]]:
        """Insert the inbox rows of a batch in one statement; return the keys it inserted (the rest were claimed).

        ON CONFLICT DO NOTHING on the primary key: no lookup whose plan depends on table statistics, and a member
        racing on one of these events makes this wait on its key, then skip it.
        """
        rows: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
        for delivery, event in items:
            rows.setdefault((event.source, event.id), self._inbox_row(delivery, event, "applied"))
        connection = await uow.connection()
        result = await connection.execute(_claim_statement(connection.dialect.name), list(rows.values()))
        claimed = {(source, event_id) for source, event_id in result.all()}
        if len(claimed) < len(rows):
            await connection.execute(self._touch_statement([key[1] for key in rows if key not in claimed]))
        return claimed

    def _touch_statement(self, event_ids: list[uuid.UUID]) -> sa.Update:
        """Restart the retention clock of events seen again (rare: only redeliveries and re-publications).

        A producer that re-publishes its retained outbox restarts that outbox row's retention, so the inbox keeps
        an event for its retention after the last copy arrived, not the first.
        """
        return (sa.update(inbox).where(inbox.c.consumer == self.name, inbox.c.event_id.in_(event_ids))
                .values(received_at=utcnow()))

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        if offsets:
            await self.commit_offset(offsets)
            self.committed.update(offsets)

    def _take_ignored(self) -> dict[TopicPartition, int]:
        """The ignored batches' offsets on partitions still assigned (committing another's raises); none kept."""
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in self._ignored.items() if tp in assigned}
        self._ignored.clear()
        return offsets

    async def commit_ignored(self) -> None:
        """Commit the offsets of ignored batches now (a rebalance, a stop); failing only means reading them again.

        Bounded by IGNORED_COMMIT_INTERVAL: a stop during a broker outage does not wait out COMMIT_TIMEOUT for them.
        """
        if not self._ignored or self._consumer is None:
            return
        offsets = self._take_ignored()
        try:
            await asyncio.wait_for(self._commit(offsets), IGNORED_COMMIT_INTERVAL)
        except (KafkaError, TimeoutError) as exc:
            log.debug("%s: commit of ignored offsets %s failed: %s", self.name, offsets, exc)

    async def commit_offset(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit after the database transaction, every partition in one request; a stale commit is harmless."""
        assert self._consumer is not None
        try:
            # aiokafka retries a commit for as long as the broker answers with a retriable error (a restarted
            # broker that lost the topic does so forever): bound it and reconnect instead.
            await asyncio.wait_for(self._consumer.commit(offsets), COMMIT_TIMEOUT)
        except CommitFailedError as exc:
            log.info("%s: commit of %s refused after a rebalance (%s); the inbox skips re-reads",
                     self.name, offsets, exc)
        except TimeoutError as exc:
            raise KafkaError(f"offset commit of {offsets} did not complete in {COMMIT_TIMEOUT}s") from exc

    async def handle(self, delivery: Delivery) -> str:
        """Apply one message once: returns applied, duplicate, ignored or dead_lettered.

        Transient failures are retried until they pass and never count as attempts; a deterministic failure is
        retried up to `max_attempts`, then dead-lettered. A message that is not a CloudEvent, or whose data does
        not validate, is dead-lettered at once: retrying cannot change it.
        """
        try:
            event = CloudEvent.from_bytes(delivery.value)
        except Exception as exc:  # noqa: BLE001 - a malformed message is dead-lettered, never fatal
            await self._dead_letter(delivery, None, exc, kind=UNDECODABLE, attempts=0,
                                    error=f"undecodable message: {exc}")
            self.metrics.count(UNDECODABLE, DEAD_LETTERED)
            return DEAD_LETTERED
        outcome = await self._handle_event(delivery, event)
        self.metrics.count(event.type, outcome)
        return outcome

    async def _handle_event(self, delivery: Delivery, event: CloudEvent) -> str:
        handler = self.handlers.get(event.type)
        if handler is None:
            return "ignored"
        # Set before validating: the line saying bad data was dead-lettered names the event's correlation and actor.
        token, actor = correlation_id_var.set(event.correlationid), actor_var.set(event.actor)
        try:
            try:
                data = parse_data(event)
            except Exception as exc:  # noqa: BLE001 - replayable once the consumer accepts the data
                await self._dead_letter(delivery, event, exc, kind=DETERMINISTIC, attempts=0,
                                        error=f"invalid event data: {exc}")
                return DEAD_LETTERED
            if data is None or not _wanted(handler, data):
                return "ignored"
            failure: Exception | None = None
            for attempt in range(1, self.max_attempts + 1):
                try:
                    return await self._until_not_transient(lambda: self._apply(delivery, event, data, handler))
                except Exception as exc:  # noqa: BLE001 - deterministic: retried, then dead-lettered
                    failure = exc
                    log.warning("%s: %s %s failed (attempt %d/%d): %s: %s", self.name, event.type, event.id,
                                attempt, self.max_attempts, type(exc).__name__, exc)
                    if attempt < self.max_attempts:
                        self.metrics.retries.labels(self.name, DETERMINISTIC).inc()
                        await asyncio.sleep(0.05 * 2**attempt)
            assert failure is not None
            await self._dead_letter(delivery, event, failure, kind=DETERMINISTIC, attempts=self.max_attempts)
            return DEAD_LETTERED
        finally:
            actor_var.reset(actor)
            correlation_id_var.reset(token)

    async def _apply(self, delivery: Delivery, event: CloudEvent, data: EventData, handler: Handler) -> str:
        started = time.perf_counter()
        async with unit_of_work(self.sessionmaker) as uow:
            if not await self._claim(uow.session, delivery, event, "applied"):
                await uow.session.execute(self._touch_statement([event.id]))
                return "duplicate"
            with self.tracing.applying(self.group_id, event, delivery.topic, delivery.headers):
                await handler(uow, event, data)
        self.metrics.applied_in("message", started)
        return "applied"

    async def _claim(self, session: AsyncSession, delivery: Delivery, event: CloudEvent, status: str,
                     error: str | None = None) -> bool:
        """Insert the inbox row unless it exists; False means another delivery already claimed the event.

        One statement does check and insert; on PostgreSQL a racing member waits on the key, then finds it.
        """
        assert session.bind is not None
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        result = cast(CursorResult[Any], await session.execute(
            insert(inbox).values(**self._inbox_row(delivery, event, status, error))
            .on_conflict_do_nothing(index_elements=[inbox.c.consumer, inbox.c.source, inbox.c.event_id])
        ))
        return result.rowcount == 1

    def _inbox_row(self, delivery: Delivery, event: CloudEvent, status: str,
                   error: str | None = None) -> dict[str, Any]:
        return {
            "consumer": self.name, "source": event.source, "event_id": event.id, "event_type": event.type,
            "status": status, "topic": delivery.topic, "partition": delivery.partition,
            "offset": delivery.offset, "error": error, "received_at": utcnow(),
        }

    async def _dead_letter(self, delivery: Delivery, event: CloudEvent | None, exc: BaseException, *, kind: str,
                           attempts: int, error: str | None = None) -> None:
        """Send the original message with its origin and why it failed to the dead-letter topic; mark its inbox row.

        Both steps wait out transient failures: an unreachable broker or database must not lose the dead letter.
        """
        error = (error or f"{type(exc).__name__}: {exc}")[:4000]
        headers = [
            ("tandem-original-topic", delivery.topic.encode()),
            ("tandem-original-partition", str(delivery.partition).encode()),
            ("tandem-original-offset", str(delivery.offset).encode()),
            ("tandem-error", error.encode()),
            ("tandem-error-type", type(exc).__name__.encode()),
            ("tandem-failure-kind", kind.encode()),
            ("tandem-attempts", str(attempts).encode()),
            ("tandem-dead-lettered-at", utcnow().isoformat().encode()),
            ("tandem-consumer", self.name.encode()),
        ]

        async def send() -> None:
            producer = await self.producer()
            await producer.send_and_wait(self.dead_letter_topic, value=delivery.value, key=delivery.key,
                                         headers=headers)

        await self._until_not_transient(send)
        self.last_error = error
        self.metrics.dead_letters.labels(self.name, kind).inc()
        log.error("%s: dead-lettered %s@%d/%d (%s after %d attempt(s)): %s", self.name, delivery.topic,
                  delivery.partition, delivery.offset, kind, attempts, error)
        if event is not None:
            async def mark() -> None:
                async with unit_of_work(self.sessionmaker) as uow:
                    await self._claim(uow.session, delivery, event, DEAD_LETTERED, error)

            await self._until_not_transient(mark)

    async def _purge_if_due(self) -> None:
        """Purge old inbox rows at most once per PURGE_INTERVAL; a failure waits for the next interval."""
        if self.inbox_retention is None or time.monotonic() - self._last_purge < PURGE_INTERVAL:
            return
        self._last_purge = time.monotonic()
        try:
            await self.purge_inbox()
        except Exception as exc:  # noqa: BLE001 - the inbox only grows a little longer
            log.warning("%s: inbox purge failed, trying again in %.0fs: %s: %s", self.name, PURGE_INTERVAL,
                        type(exc).__name__, exc)

    async def purge_inbox(self) -> int:
        """Delete this consumer's inbox rows older than the retention, except dead letters; return how many."""
        assert self.inbox_retention is not None
        return await purge_inbox(self.sessionmaker, self.name, self.inbox_retention)


async def purge_inbox(maker: async_sessionmaker[AsyncSession], consumer: str, retention: timedelta, *,
                      chunk: int = PURGE_CHUNK, max_rows: int = PURGE_MAX_ROWS) -> int:
    """Delete a consumer's applied inbox rows received longer ago than `retention`, in short transactions.

    Dead-lettered rows stay until replayed (`tandem dlq replay` makes them applied). The retention must cover the
    longest a producer may re-send an event (`TANDEM_MAX_OUTBOX_RETENTION_HOURS`), which the settings enforce.
    """
    cutoff = utcnow() - retention
    keys = (sa.select(inbox.c.source, inbox.c.event_id)
            .where(inbox.c.consumer == consumer, inbox.c.status != DEAD_LETTERED, inbox.c.received_at < cutoff)
            .limit(chunk))
    statement = sa.delete(inbox).where(inbox.c.consumer == consumer,
                                       sa.tuple_(inbox.c.source, inbox.c.event_id).in_(keys))
    purged = 0
    while purged < max_rows:
        async with maker() as session, session.begin():
            deleted = cast(CursorResult[Any], await session.execute(statement)).rowcount or 0
        purged += deleted
        if deleted < chunk:
            break
        await asyncio.sleep(0)  # let the consumer's and requests' writes in between chunks
    if purged:
        log.info("%s: purged %d inbox rows received before %s", consumer, purged, cutoff.isoformat())
    return purged
