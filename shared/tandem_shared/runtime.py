"""What a running service holds: its engine and sessions, its outbox relay and its event consumer."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from tandem_shared.broker import ensure_topics, make_producer
from tandem_shared.consumer import EventConsumer, Handler
from tandem_shared.db import is_sqlite, make_engine
from tandem_shared.events import REGISTRY, TOPIC_PREFIX_KEY, dead_letter_topic_of, topic_of
from tandem_shared.logs import service_var
from tandem_shared.outbox import OutboxRelay
from tandem_shared.settings import PlatformSettings, ServiceSettings, check_retention, database_url
from tandem_shared.tracing import TRACING_OFF, ServiceTracing
from tandem_shared.uow import OUTBOX_SIGNAL, install_session_hooks

log = logging.getLogger(__name__)
BackgroundTask = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]  # an async def: run as a task


def freeze_startup_heap() -> None:
    """Leave what exists once the process's first service has started out of every later garbage collection.

    A full collection walks every tracked object: with the modules, the ORM's mappers and the compiled statements of a
    started service that is ~150,000 objects and ~100 ms, and a busy consumer triggers one every few thousand events
    (about 50 µs an event, a fifth of what applying one costs: docs/benchmarks.md). Those objects live as long as the
    process, so `gc.freeze` moves them to the permanent generation; what is allocated later is collected as before.
    Once per process, after a collection, so no garbage is frozen with them.
    """
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()


class ServiceRuntime:
    """Engine, sessions, relay and consumer of one service; started and stopped by its lifespan."""

    def __init__(self, service: str, *, handlers: dict[str, Handler], settings: ServiceSettings,
                 platform: PlatformSettings, background: Sequence[BackgroundTask] = (),
                 tracing: ServiceTracing = TRACING_OFF) -> None:
        check_retention(service, settings, platform)  # before anything is opened: a settings error, nothing else
        self.service = service
        self.tracing = tracing
        self.background = list(background)
        self._commit_waiters: dict[str, Callable[[], None]] = {}
        self._background_tasks: list[asyncio.Task[None]] = []
        self.settings = settings
        self.platform = platform
        self.handlers = handlers
        self.database_url = database_url(service, settings, platform)
        self.engine = make_engine(self.database_url, pool_size=settings.db_pool_size)
        self.bootstrap = platform.kafka_bootstrap_servers
        self.relay: OutboxRelay | None = None
        self.consumer: EventConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        # Reads get their own engine on SQLite so they never queue behind (or hold up) writers.
        self.read_engine = make_engine(self.database_url, pool_size=settings.db_pool_size, read_only=True) \
            if is_sqlite(self.database_url) else self.engine
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.topic_prefix = platform.kafka_topic_prefix
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._session_class(),
            info={TOPIC_PREFIX_KEY: self.topic_prefix},
        )

    def _session_class(self) -> type[Session]:
        runtime = self

        class ServiceSession(Session):
            """A session that writes its unit's buffered rows before reads and delivers its signals after commit."""

        def _wake(signal: str) -> None:
            wake = runtime._commit_waiters.get(signal)
            if wake is not None:
                wake()

        install_session_hooks(ServiceSession, _wake)
        return ServiceSession

    def wake_after_commit(self, signal: str, wake: Callable[[], None]) -> None:
        """Call `wake()` right after any commit whose unit of work raised this signal (`UnitOfWork.signal`)."""
        self._commit_waiters[signal] = wake

    @property
    def consumed_topics(self) -> list[str]:
        """Topics of the event types this service handles (their producers' topics, or an inbound topic)."""
        return sorted({REGISTRY[t].topic_under(self.topic_prefix) for t in self.handlers})

    def _require_bootstrap(self) -> str:
        if not self.bootstrap:
            raise RuntimeError("TANDEM_KAFKA_BOOTSTRAP_SERVERS is not set (tandem up/serve start a broker)")
        return self.bootstrap

    async def _producer(self) -> AIOKafkaProducer:
        if self._dlq_producer is None:
            producer = make_producer(self._require_bootstrap())
            await producer.start()
            self._dlq_producer = producer
        return self._dlq_producer

    async def start(self, *, workers: bool | None = None) -> None:
        """Start the relay and the consumer (unless workers run in a separate process)."""
        if not (self.settings.run_workers if workers is None else workers):
            return
        # Tasks copy the context they are created in: every line the relay, consumer and background tasks log
        # names this service, also when several services share a process.
        token = service_var.set(self.service)
        try:
            await self._start_workers()
        finally:
            service_var.reset(token)

    async def _start_workers(self) -> None:
        bootstrap = self._require_bootstrap()
        dead_letters = dead_letter_topic_of(self.service, self.topic_prefix)
        topics = [topic_of(self.service, self.topic_prefix), *self.consumed_topics, dead_letters]
        try:
            await ensure_topics(bootstrap, topics, replication_factor=self.platform.kafka_replication_factor)
        except Exception as exc:  # noqa: BLE001 - the broker may come later; the relay retries
            log.warning("%s: could not create topics yet: %s", self.service, exc)
        self.relay = OutboxRelay(
            service=self.service,
            engine=self.engine,
            read_engine=self.read_engine,
            producer_factory=lambda: make_producer(bootstrap),
            poll_interval=self.settings.relay_poll_interval,
            batch_size=self.settings.relay_batch_size,
            retention=timedelta(hours=self.settings.outbox_retention_hours),
            max_attempts=self.settings.relay_max_attempts,
            retry_max=self.settings.relay_retry_max_seconds,
            lease_seconds=self.settings.relay_lease_seconds,
            tracing=self.tracing,
        )
        self.relay.start()
        self.wake_after_commit(OUTBOX_SIGNAL, self.relay.wake)
        if self.handlers and self.settings.run_consumer:
            self.consumer = EventConsumer(
                name=self.service,
                group_id=self.settings.consumer_group or f"tandem-{self.service}",
                topics=self.consumed_topics,
                handlers=self.handlers,
                sessionmaker=self.sessionmaker,
                bootstrap=bootstrap,
                producer=self._producer,
                max_attempts=self.settings.consumer_max_attempts,
                fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
                dead_letter_topic=dead_letters,
                inbox_retention=timedelta(hours=self.settings.inbox_retention_hours),
                tracing=self.tracing,
            )
            self.consumer.start()
        self._background_tasks = [asyncio.create_task(task(self), name=f"{self.service}-{task.__name__}")
                                  for task in self.background]
        freeze_startup_heap()

    async def stop(self) -> None:
        """Stop background tasks and consuming first, then publish what is pending, then close the database."""
        for task in self._background_tasks:
            task.cancel()
        for task in self._background_tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # a task that died already logged why; shutdown goes on
                log.exception("%s: background task %s failed", self.service, task.get_name())
        self._background_tasks = []
        if self.consumer is not None:
            await self.consumer.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self._dlq_producer is not None:
            await self._dlq_producer.stop()
        await self.tracing.flush()  # the relay's last sends included
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    def status(self) -> dict[str, Any]:
        """Worker state for the readiness probe."""
        return {
            # Counted by the relay every few seconds (pending up to 10 000), so the probe itself runs no query.
            "relay": None if self.relay is None else {
                "last_error": self.relay.last_error, "leader": self.relay.leader, **self.relay.stats,
            },
            # state "retrying": a transient failure (e.g. the database is unreachable) holds the batch in hand.
            "consumer": None if self.consumer is None else self.consumer.status(),
        }
