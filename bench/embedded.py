"""Start the embedded default (`tandem up --no-seed`) in a subprocess for a benchmark, and stop it."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tandem_shared.auth import mint_dev_token
from tandem_shared.broker import free_port
from tandem_shared.settings import SERVICES, PlatformSettings


def headers(sub: str, *roles: str) -> dict[str, str]:
    """A development bearer token header."""
    return {"Authorization": f"Bearer {mint_dev_token(PlatformSettings(), sub, list(roles))}"}


def machine() -> str:
    """One line describing where the benchmark ran."""
    return (f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()}")


def postgres_databases(server: str) -> dict[str, str]:
    """Fresh PostgreSQL databases, one per service, on `server` (postgresql://user@host:port)."""
    import asyncio
    import uuid

    import asyncpg

    suffix = uuid.uuid4().hex[:8]

    async def create() -> dict[str, str]:
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            for service in SERVICES:
                await conn.execute(f'CREATE DATABASE "bench_{service}_{suffix}"')
        finally:
            await conn.close()
        return {f"TANDEM_{s.upper()}_DATABASE_URL":
                f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/bench_{s}_{suffix}" for s in SERVICES}

    return asyncio.run(create())


def drop_databases(server: str, urls: dict[str, str]) -> None:
    """Drop what postgres_databases created."""
    import asyncio

    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            for url in urls.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@contextmanager
def embedded_platform(postgres: str | None = None, *options: str) -> Iterator[str]:
    """`tandem up [options]` on a free port with a fresh data folder (or fresh PostgreSQL databases); yields its URL."""
    data = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data), TANDEM_LOG_LEVEL="WARNING")
    databases = postgres_databases(postgres) if postgres else {}
    env.update(databases)
    tandem = Path(sys.executable).with_name("tandem")
    log = open(data / "tandem.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(tandem), "up", "--no-seed", "--port", str(port), *options], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        with httpx.Client(base_url=url) as client:
            while True:
                try:
                    if all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES):
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((data / "tandem.log").read_text()[-3000:])
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        log.close()
        if postgres:
            drop_databases(postgres, databases)
