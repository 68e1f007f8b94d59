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
    return f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"


@contextmanager
def embedded_platform() -> Iterator[str]:
    """`tandem up` on a free port with a fresh data folder; yields its base URL."""
    data = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data), TANDEM_LOG_LEVEL="WARNING")
    tandem = Path(sys.executable).with_name("tandem")
    log = open(data / "tandem.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(tandem), "up", "--no-seed", "--port", str(port)], env=env, stdout=log,
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
