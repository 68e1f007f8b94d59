"""`tandem up`'s supervisor: each service in its own process, restarted when it dies, and the bundled broker too."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tandem_shared.broker import DevelopmentBroker, die_with_parent, ensure_topics, free_port

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Seconds before restart number n of a component: doubling from `first`, at most `cap`.

    A component that then runs for `stable_after` seconds starts again from `first` the next time it dies.
    """

    first: float = 1.0
    cap: float = 30.0
    stable_after: float = 60.0

    def delay(self, failures: int) -> float:
        return min(self.cap, self.first * 2.0 ** min(max(failures, 1) - 1, 32))

    @classmethod
    def from_environment(cls) -> Backoff:
        """TANDEM_RESTART_DELAY_SECONDS (first delay, default 1) and TANDEM_RESTART_DELAY_MAX_SECONDS (30)."""
        return cls(first=float(os.environ.get("TANDEM_RESTART_DELAY_SECONDS", cls.first)),
                   cap=float(os.environ.get("TANDEM_RESTART_DELAY_MAX_SECONDS", cls.cap)))


@dataclass
class Incidents:
    """What happened to one component while the platform ran."""

    crashes: int = 0
    restarts: int = 0
    last_exit: str = ""
    republished: int = 0  # the broker: retained events queued again after its restarts

    def describe(self, name: str) -> str:
        times = "once" if self.crashes == 1 else f"{self.crashes} times"
        if self.restarts == 0:
            restarted = "not restarted before the stop"
        elif self.restarts == self.crashes:
            restarted = "restarted" if self.crashes == 1 else "restarted each time"
        else:
            restarted = "restarted once" if self.restarts == 1 else f"restarted {self.restarts} times"
        line = f"{name} stopped unexpectedly {times} (last: {self.last_exit}) and was {restarted}"
        if self.republished:
            line += f", {self.republished} retained events re-published"
        return line


def describe_exit(code: int) -> str:
    """`exit code 3`, or `killed by SIGKILL`."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class ServiceProcesses:
    """`tandem serve <service>` per service on loopback ports: started, probed, restarted and stopped together."""

    def __init__(self, services: list[str], backoff: Backoff | None = None) -> None:
        self.ports = {service: free_port() for service in services}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.backoff = backoff or Backoff()
        self.incidents = {service: Incidents() for service in services}
        self._failures = dict.fromkeys(services, 0)  # since the service last ran for `stable_after`
        self._started_at: dict[str, float] = {}
        self._restart_at: dict[str, float] = {}
        self._stopping = False
        self._lock = threading.Lock()

    @property
    def upstreams(self) -> dict[str, str]:
        """Where each service answers."""
        return {service: f"http://127.0.0.1:{port}" for service, port in self.ports.items()}

    def start(self) -> ServiceProcesses:
        """Spawn every service; each migrates nothing (done before) and uses the broker already running."""
        for service in self.ports:
            self._spawn(service)
        return self

    def _spawn(self, service: str) -> None:
        tandem = Path(sys.executable).with_name("tandem")
        # A session of its own: a Ctrl-C in the terminal reaches only this process, which then asks each
        # service once to stop (a second SIGINT would make uvicorn skip the graceful shutdown). The same port as
        # before: the front door's upstreams do not change when a service is restarted.
        self.processes[service] = subprocess.Popen(
            [str(tandem), "serve", service, "--host", "127.0.0.1", "--port", str(self.ports[service]), "--no-migrate",
             "--quiet"],
            env=os.environ.copy(), start_new_session=True, preexec_fn=die_with_parent)
        self._started_at[service] = time.monotonic()

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

    def supervise(self) -> None:
        """Notice services that died and restart each after its back-off; called often (from a watch thread)."""
        with self._lock:
            if self._stopping:
                return
            now = time.monotonic()
            for service, process in self.processes.items():
                code = process.poll()
                if code is None:
                    if now - self._started_at[service] >= self.backoff.stable_after:
                        self._failures[service] = 0
                    continue
                if service not in self._restart_at:
                    self._failures[service] += 1
                    incidents = self.incidents[service]
                    incidents.crashes += 1
                    incidents.last_exit = describe_exit(code)
                    delay = self.backoff.delay(self._failures[service])
                    self._restart_at[service] = now + delay
                    log.error("the %s service stopped unexpectedly (%s); restarting it in %.0f s (the front door "
                              "answers 503 for it meanwhile)", service, incidents.last_exit, delay)
                elif now >= self._restart_at[service]:
                    del self._restart_at[service]
                    self._spawn(service)
                    self.incidents[service].restarts += 1
                    log.warning("the %s service restarted (restart %d)", service, self.incidents[service].restarts)

    def restart_all(self, reason: str, timeout: float = 30.0) -> None:
        """Stop every running service gracefully and start it again at once (not counted as a crash)."""
        with self._lock:
            if self._stopping:
                return
            running = [s for s, p in self.processes.items() if p.poll() is None and s not in self._restart_at]
            log.warning("restarting %s: %s", ", ".join(running), reason)
            for service in running:
                self.processes[service].send_signal(signal.SIGINT)
            deadline = time.monotonic() + timeout
            for service in running:
                process = self.processes[service]
                try:
                    process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                self._spawn(service)

    def stop(self, timeout: float = 30.0) -> list[str]:
        """Ask each service to shut down gracefully (drain, commit), wait, kill stragglers; what did not stop well."""
        with self._lock:
            self._stopping = True
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        problems: list[str] = []
        deadline = time.monotonic() + timeout
        for service, process in self.processes.items():
            if service in self._restart_at:
                continue  # dead already and not restarted yet: reported as a crash
            try:
                code = process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("%s did not stop within %.0fs; killed", service, timeout)
                process.kill()
                process.wait()
                problems.append(f"{service} did not stop within {timeout:.0f} s and was killed")
                continue
            if code == -signal.SIGINT:
                # Still starting when asked to stop: nothing was in hand (the inbox and the outbox make an abrupt
                # stop safe anyway).
                log.info("%s stopped while starting", service)
            elif code != 0:
                log.error("%s exited with code %s", service, code)
                problems.append(f"{service} did not stop cleanly ({describe_exit(code)}; see its lines above)")
        return problems


class BrokerWatch:
    """Restarts the bundled broker when it dies, recreates the topics and has every outbox publish its history again.

    The development broker keeps nothing across restarts: events published before it died are gone from it, topics
    and consumer groups too. Consumers dedupe by their inbox, so re-sending each outbox's retained rows (what
    `tandem up` does at start) loses nothing and applies nothing twice; rows written during the outage were pending
    anyway, and the relays send them once the broker answers.
    """

    def __init__(self, broker: DevelopmentBroker, services: list[str], backoff: Backoff | None = None) -> None:
        self.broker = broker
        self.services = services
        self.backoff = backoff or Backoff()
        self.incidents = Incidents()
        self._failures = 0
        self._down_since: float | None = None
        self._restart_at = 0.0
        self._up_since = time.monotonic()
        self._stopping = False
        self.down_at_stop = False
        self.came_back = False  # restarted since the supervisor last looked
        self._lock = threading.Lock()

    def supervise(self) -> None:
        """Notice the broker died, restart it after its back-off; called often (from a watch thread)."""
        with self._lock:
            if self._stopping:
                return
            now = time.monotonic()
            process = self.broker.process
            code = process.poll() if process is not None else None
            if code is None and self._down_since is None:
                if now - self._up_since >= self.backoff.stable_after:
                    self._failures = 0
                return
            if self._down_since is None:
                self._down_since = now
                self._failures += 1
                self.incidents.crashes += 1
                self.incidents.last_exit = describe_exit(code if code is not None else 0)
                delay = self.backoff.delay(self._failures)
                self._restart_at = now + delay
                log.error("the bundled broker stopped (%s): events wait in the outboxes; restarting it in %.0f s "
                          "(the services' broker errors are summarised once a minute meanwhile)",
                          self.incidents.last_exit, delay)
                return
            if now < self._restart_at:
                return
            self._restart(now)

    def _restart(self, now: float) -> None:
        try:
            self.broker.start()
            queued = asyncio.run(_recreate_and_republish(self.broker.bootstrap, self.services))
        except Exception as exc:  # noqa: BLE001 - tried again after a longer pause
            self._failures += 1
            delay = self.backoff.delay(self._failures)
            self._restart_at = time.monotonic() + delay
            log.error("restarting the bundled broker failed (%s: %s); next try in %.0f s", type(exc).__name__, exc,
                      delay)
            return
        down_for = time.monotonic() - (self._down_since or now)
        self._down_since = None
        self._up_since = time.monotonic()
        self.incidents.restarts += 1
        self.incidents.republished += queued
        self.came_back = True
        log.warning("the bundled broker is back on %s after %.0f s: topics recreated, %d retained events queued for "
                    "re-publication (consumers skip what they had applied)", self.broker.bootstrap, down_for, queued)

    @property
    def down(self) -> bool:
        """The broker has died and is not back (yet)."""
        process = self.broker.process
        return self._down_since is not None or process is None or process.poll() is not None

    def stop(self) -> None:
        """Restart nothing from now on (the platform is stopping); remember whether the broker was down then."""
        with self._lock:
            self._stopping = True
            self.down_at_stop = self.down


def service_topics(services: list[str]) -> list[str]:
    """Every topic the services publish to, consume from or dead-letter to."""
    from tandem_shared.events import REGISTRY, dead_letter_topic_of, topic_of
    from tandem_shared.settings import platform_settings

    prefix = platform_settings().kafka_topic_prefix
    topics: set[str] = set()
    for service in services:
        handlers = importlib.import_module(f"tandem_{service}.main").SPEC.handlers
        topics.update({topic_of(service, prefix), dead_letter_topic_of(service, prefix)})
        topics.update(REGISTRY[event_type].topic_under(prefix) for event_type in handlers)
    return sorted(topics)


async def _recreate_and_republish(bootstrap: str, services: list[str]) -> int:
    """Create every topic on a fresh broker, then queue each outbox's retained rows again; how many were queued."""
    from tandem_shared.db import make_engine
    from tandem_shared.outbox import republish
    from tandem_shared.settings import database_url, platform_settings, service_settings

    await ensure_topics(bootstrap, service_topics(services),
                        replication_factor=platform_settings().kafka_replication_factor)
    queued = 0
    for service in services:
        engine = make_engine(database_url(service, service_settings(service), platform_settings()))
        try:
            queued += await republish(engine)
        finally:
            await engine.dispose()
    return queued


class Supervisor:
    """The service processes (if any) and the bundled broker (if any), watched together."""

    def __init__(self, processes: ServiceProcesses | None, broker: BrokerWatch | None) -> None:
        self.processes = processes
        self.broker = broker
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        """Watch from a thread of its own, which lives until `close()`.

        Processes are started with PR_SET_PDEATHSIG, which fires when the *thread* that started them ends: those
        this thread restarts must not outlive it, nor it them, so it is closed only after everything stopped.
        """
        self._thread = threading.Thread(target=self._run, name="tandem-supervisor", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._closed.wait(0.1):
            self.supervise()

    def close(self) -> None:
        """Stop watching (once the services and the broker have stopped)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(30)

    def supervise(self) -> None:
        """One look at everything; restarts what is due. Never raises: the watch must go on."""
        try:
            if self.broker is not None:
                self.broker.supervise()
                if self.broker.came_back:
                    self.broker.came_back = False
                    self._after_broker_restart()
            if self.processes is not None:
                self.processes.supervise()
        except Exception:
            log.exception("supervising the platform failed; trying again")

    def _after_broker_restart(self) -> None:
        # The services' Kafka clients reconnect on their own, but often before the topics were recreated: the broker
        # then creates each topic they ask for with its own default partition count (4, where Tandem creates 3), and
        # a consumer's cached metadata keeps the old count for up to 5 minutes (metadata.max.age.ms), so it is not
        # assigned the new partition and misses what is published there. Fresh clients see the topics as they are.
        if self.processes is not None:
            self.processes.restart_all("their Kafka clients must see the restarted broker's topics afresh")
        else:
            log.warning("the services run in this process and are not restarted: a consumer may take up to 5 minutes "
                        "to see a topic the broker recreated with another partition count")

    def incidents(self) -> list[str]:
        """What stopped unexpectedly during the run, in words."""
        lines = []
        if self.broker is not None and self.broker.incidents.crashes:
            lines.append(self.broker.incidents.describe("the bundled broker"))
        if self.processes is not None:
            lines += [incidents.describe(f"the {service} service")
                      for service, incidents in self.processes.incidents.items() if incidents.crashes]
        return lines
