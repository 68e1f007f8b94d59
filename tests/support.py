"""Helpers the tests share: databases built by migrations, running services, tokens, waiting."""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import mint_dev_token
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.events import CloudEvent, build_envelope
from tandem_shared.migrations import upgrade
from tandem_shared.settings import PlatformSettings, service_settings
from tandem_shared.uow import unit_of_work

PG_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("TANDEM_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]
T = TypeVar("T")


# Each test publishes under its own topic prefix (set by an autouse fixture), so no test sees another's events.
topic_prefix = "tandem"


def topic(service: str) -> str:
    """The current test's topic of a service."""
    return f"{topic_prefix}.{service}"


def platform(bootstrap: str | None) -> PlatformSettings:
    """Platform settings for tests: development auth, the test broker, this test's topics."""
    return PlatformSettings(environment="test", kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=topic_prefix)


def auth(sub: str, *roles: str) -> dict[str, str]:
    """Authorization header for a development token."""
    return {"Authorization": f"Bearer {mint_dev_token(platform(None), sub, list(roles) or ['viewer'])}"}


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class DatabaseFactory:
    """Fresh databases per test, cloned from a template each service's migrations built once."""

    # Templates live for the whole run: migrations run once per service and backend.
    templates: ClassVar[dict[tuple[str, str], str]] = {}
    template_databases: ClassVar[list[str]] = []

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._created: list[str] = []

    async def fresh(self, service: str, backend: str) -> str:
        """A new, migrated database for the service; returns its async URL."""
        key = (service, backend)
        if key not in self.templates:
            self.templates[key] = await self._template(service, backend)
        template = self.templates[key]
        if backend == "sqlite":
            path = self.workdir / f"{service}-{uuid.uuid4().hex[:10]}.sqlite3"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        name = f"tandem_t_{service}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(_pg_dsn(PG_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        self._created.append(name)
        return PG_URL.rsplit("/", 1)[0] + f"/{name}"

    async def _template(self, service: str, backend: str) -> str:
        if backend == "sqlite":
            path = self.workdir / f"template-{service}.sqlite3"
            await asyncio.to_thread(upgrade, service, f"sqlite+aiosqlite:///{path}")
            return str(path)
        name = f"tandem_tpl_{service}_{os.getpid()}"
        conn = await asyncpg.connect(_pg_dsn(PG_URL))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.template_databases.append(name)
        await asyncio.to_thread(upgrade, service, PG_URL.rsplit("/", 1)[0] + f"/{name}")
        return name

    async def drop_all(self) -> None:
        """Drop the PostgreSQL databases this factory made for its test."""
        await drop_databases(self._created)
        self._created.clear()


@asynccontextmanager
async def database_at(service: str, revision: str, backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of `service` migrated up to `revision` only (to test the migrations after it); dropped after."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.sqlite3'}"
        await asyncio.to_thread(upgrade, service, url, revision)
        yield url
        return
    name = f"tandem_t_{service}_at_{revision}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, service, url, revision)
    try:
        yield url
    finally:
        await drop_databases([name])


async def drop_databases(names: list[str]) -> None:
    """Drop PostgreSQL databases, connections and all."""
    if not names:
        return
    conn = await asyncpg.connect(_pg_dsn(PG_URL))
    try:
        for name in reversed(names):
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def create_app(service: str, *, database_url: str, bootstrap: str | None, workers: bool = True,
               **overrides: Any) -> FastAPI:
    """A service app on the given database and broker."""
    # A group per app: the development broker is slow to re-balance a group a member just left.
    overrides.setdefault("consumer_group", f"tandem-{service}-{uuid.uuid4().hex[:8]}")
    settings = service_settings(service).model_copy(update={"database_url": database_url, **overrides})
    module = importlib.import_module(f"tandem_{service}.main")
    return module.create_app(settings=settings, platform=platform(bootstrap), workers=workers)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (relay and consumer included) and give an in-process HTTP client."""
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://tandem.test") as client):
        yield client


async def walk_pages(client: httpx.AsyncClient, path: str, headers: dict[str, str], query: str = "",
                     limit: int = 2) -> list[str]:
    """Follow `next_cursor` through every page of a list; return the item ids in the order served."""
    seen: list[str] = []
    cursor = None
    while True:
        url = f"{path}?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=headers)).json()
        assert len(page["items"]) <= limit and page["limit"] == limit, page
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


async def eventually(probe: Callable[[], Awaitable[T]], *,
                     timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline: the failure names the last value
                     interval: float = 0.02) -> T:
    """Poll `probe` until it returns a truthy value (returned) or raise after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
            if last:
                return last
        except AssertionError as exc:
            last = exc
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
        await asyncio.sleep(interval)


async def read_topic(bootstrap: str, topic: str) -> list:
    """Every message on a topic, from the beginning, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # Read until the topic stays quiet (the development broker's end offsets lag behind batched records).
        messages, quiet = [], 0
        while quiet < 3:
            batches = await consumer.getmany(timeout_ms=200)
            quiet = 0 if batches else quiet + 1
            for batch in batches.values():
                messages.extend(batch)
        return messages
    finally:
        await consumer.stop()


class TcpProxy:
    """A loopback TCP proxy that can be cut and restored: the target becomes unreachable but keeps its state.

    The proxy owns its port from creation to `close()`, cut or not: a bound socket that never listens holds it
    (SO_REUSEPORT lets the listener share it), so connections are refused while cut, and no other process, and
    no client's outgoing connection, can take the port meanwhile. A client retrying a free loopback port in the
    ephemeral range can otherwise be given that very port as its source and connect to itself, and another
    test worker's broker can start there and answer for the target.
    """

    def __init__(self, target_port: int = 0) -> None:
        self.target_port = target_port  # may be set after creation, e.g. to a broker that advertises listen_port
        self._holder: socket.socket | None = socket.socket()
        self._holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self._holder.bind(("127.0.0.1", 0))
        self.listen_port: int = self._holder.getsockname()[1]
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._open = False

    async def start(self) -> None:
        """Accept connections and forward them to the target."""
        assert self._holder is not None, "the proxy was closed"
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.listen_port, reuse_port=True)
        self._open = True

    async def cut(self) -> None:
        """Refuse new connections and drop every open one; the port stays held."""
        self._open = False
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        """Cut, then give the port up."""
        await self.cut()
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        if not self._open:  # accepted just before a cut, connected just after it: drop it too
            client_writer.transport.abort()
            upstream_writer.transport.abort()
            return
        self._writers.update({client_writer, upstream_writer})

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.transport.abort()
                self._writers.discard(writer)

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


NEWER_CHANGE_TYPE = "expedited"  # a change type today's ChangeApproved contract does not know


def poison_approval(person_id: uuid.UUID | None = None, *, hours: float = 2, actor: str | None = None) -> CloudEvent:
    """The delivery tests' poison event: a change approval whose data capacity's contract refuses.

    Its change type is one the contract does not know (as a newer change service deployed before capacity might
    send), so the consumer dead-letters it at once, every time, whatever capacity's database holds; a capacity that
    knows the type books it (`person_id`, `hours` over 8 hours from 2055-01-04 08:00 UTC).
    """
    start = datetime(2055, 1, 4, 8, tzinfo=UTC)
    data = ChangeApproved(id=uuid.uuid4(), type="normal", approved_by="carol", pre_authorised=False,
                          assignee_id=person_id or uuid.uuid4(), effort_hours=hours, planned_start=start,
                          planned_end=start + timedelta(hours=8), state="scheduled")
    envelope = build_envelope(data, actor=actor)
    envelope.data["type"] = NEWER_CHANGE_TYPE
    return envelope


@asynccontextmanager
async def transaction(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """One unit of work on the app's database, committed as a request or a consumed event commits it."""
    async with unit_of_work(app.state.runtime.sessionmaker) as uow:
        yield uow.session


async def book_for_project(app: FastAPI, *, person_id: str, project_id: str, start: str, end: str,
                           hours: float) -> str:
    """A hard project booking in capacity, written as its demand handler writes one (the API books operations only)."""
    from tandem_capacity.bookings.service import book

    async with unit_of_work(app.state.runtime.sessionmaker) as uow:
        booking = await book(uow, actor="rita", person_id=uuid.UUID(person_id), source="project",
                             source_id=project_id, kind="hard", start=datetime.fromisoformat(start),
                             end=datetime.fromisoformat(end), hours=hours)
        return str(booking.id)


async def check_episodes_now(app: FastAPI) -> None:
    """Run capacity's pending episode checks, as its background task does shortly after each booking commit."""
    from tandem_capacity.episodes.checks import run_all_pending_checks

    await run_all_pending_checks(app.state.runtime.sessionmaker)
