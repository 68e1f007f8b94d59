"""The platform the end-to-end tests drive: `tandem up` in a subprocess, started once for the whole run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tandem_shared.broker import free_port
from tandem_shared.settings import SERVICES

from tests.e2e.helpers import wait


@pytest.fixture(scope="session")
def platform_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tandem up` in a subprocess, exactly as `make run` starts it, on a free port."""
    data = tmp_path_factory.mktemp("tandem-up")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data), TANDEM_ENVIRONMENT="development",
               # The flows plan in the 2050s, beyond the default horizon (tests/conftest.py sets the suite's).
               TANDEM_PLANNING_HORIZON_YEARS=os.environ["TANDEM_PLANNING_HORIZON_YEARS"])
    tandem = Path(sys.executable).with_name("tandem")
    log = open(data / "tandem.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(tandem), "up", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            def ready(c: httpx.Client) -> bool:
                try:
                    return all(c.get(f"/{s}/readyz").status_code == 200 for s in SERVICES)
                except httpx.TransportError:
                    assert process.poll() is None, (data / "tandem.log").read_text()
                    return False
            wait(client, ready, timeout=90)
            wait(client, lambda _c: (data / "seeded.json").exists(), timeout=60)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        log.close()
        output = (data / "tandem.log").read_text()
        assert process.returncode == 0 and "Tandem stopped cleanly" in output, output[-3000:]


