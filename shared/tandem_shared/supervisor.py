"""Each service of the embedded default in its own process, so that the services use every core."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tandem_shared.broker import die_with_parent, free_port

log = logging.getLogger(__name__)


class ServiceProcesses:
    """`tandem serve <service>` per service on loopback ports: started, probed and stopped together."""

    def __init__(self, services: list[str]) -> None:
        self.ports = {service: free_port() for service in services}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def upstreams(self) -> dict[str, str]:
        """Where each service answers."""
        return {service: f"http://127.0.0.1:{port}" for service, port in self.ports.items()}

    def start(self) -> ServiceProcesses:
        """Spawn every service; each migrates nothing (done before) and uses the broker already running."""
        tandem = Path(sys.executable).with_name("tandem")
        for service, port in self.ports.items():
            # A session of its own: a Ctrl-C in the terminal reaches only this process, which then asks each
            # service once to stop (a second SIGINT would make uvicorn skip the graceful shutdown).
            self.processes[service] = subprocess.Popen(
                [str(tandem), "serve", service, "--host", "127.0.0.1", "--port", str(port), "--no-migrate",
                 "--quiet"],
                env=os.environ.copy(), start_new_session=True, preexec_fn=die_with_parent)
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Return when every service answers its readiness probe; raise if one exits or time runs out."""
        deadline = time.monotonic() + timeout
        waiting = dict(self.upstreams)
        with httpx.Client(timeout=2.0) as client:
            while waiting:
                for service, url in list(waiting.items()):
                    if self.processes[service].poll() is not None:
                        code = self.processes[service].returncode
                        raise RuntimeError(f"the {service} service exited with code {code}")
                    try:
                        if client.get(f"{url}/{service}/readyz").status_code == 200:
                            del waiting[service]
                    except httpx.TransportError:
                        pass
                if waiting and time.monotonic() > deadline:
                    raise RuntimeError(f"not ready within {timeout:.0f}s: {', '.join(waiting)}")
                time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask each service to shut down gracefully (drain, commit), wait, kill stragglers; True if all were clean."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        clean = True
        deadline = time.monotonic() + timeout
        for service, process in self.processes.items():
            try:
                code = process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("%s did not stop within %.0fs; killed", service, timeout)
                process.kill()
                code = process.wait()
            if code == -signal.SIGINT:
                # Still starting when asked to stop: nothing was in hand (the inbox and the outbox make an abrupt
                # stop safe anyway).
                log.info("%s stopped while starting", service)
            elif code != 0:
                log.error("%s exited with code %s", service, code)
                clean = False
        return clean

    def exited(self) -> str | None:
        """The first service whose process has exited, if any."""
        return next((service for service, process in self.processes.items() if process.poll() is not None), None)
