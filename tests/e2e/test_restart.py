"""Restarting the embedded default loses nothing, though the bundled broker keeps nothing across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tandem_shared.broker import free_port
from tandem_shared.settings import SERVICES

from tests.support import auth

pytestmark = pytest.mark.e2e
RM = auth("rita", "resource_manager")
REQUESTER = auth("sam", "requester")
CAB = auth("carol", "cab_member")


def _up(data: Path, port: int, *options: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data), TANDEM_ENVIRONMENT="development")
    log = open(data / f"tandem-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(Path(sys.executable).with_name("tandem")), "up", "--no-seed", "--port", str(port),
                             *options],
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def _until(probe, timeout: float = 60.0):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except httpx.TransportError:
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"not reached within {timeout}s"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0


def test_events_not_yet_applied_at_shutdown_are_applied_after_a_restart_and_nothing_twice(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first = _up(tmp_path, port)
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            _until(lambda: all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES))
            person = client.post("/capacity/v1/people", headers=RM, json={
                "name": "Rae Start", "team": "Ops", "skills": [], "weekly_hours": 40}).json()["id"]
            model = client.post("/change/v1/change-models", headers=auth("mo.manager", "change_manager"),
                                json={"name": "Restart a service"}).json()["id"]
            body = {"title": "Restart-proof change", "type": "standard", "model_id": model, "assignee_id": person,
                    "effort_hours": 5,
                    "planned_start": "2055-05-03T08:00:00+00:00", "planned_end": "2055-05-03T13:00:00+00:00"}
            change = _until(lambda: (r := client.post("/change/v1/changes", headers=REQUESTER, json=body)).status_code
                            == 201 and r.json())
            # Stop right after the commit: the approval may not have reached capacity or metrics yet.
            client.post(f"/change/v1/changes/{change['id']}/submit", headers=REQUESTER).raise_for_status()
    finally:
        _stop(first)

    # The restart uses the one-process mode: what was committed under one mode is applied under the other.
    second = _up(tmp_path, port, "--single-process")
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            _until(lambda: all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES))
            bookings = _until(lambda: client.get(f"/capacity/v1/people/{person}/bookings", headers=RM).json()["items"])
            assert [(b["source_id"], b["hours"]) for b in bookings] == [(change["id"], 5)]

            def kpis():
                values = {k["key"]: k["value"] for k in client.get("/metrics/v1/kpis", headers=RM).json()["items"]}
                return values if values["changes_approved"] == 1 and values["change_hours_booked"] == 5 else None

            values = _until(kpis)
            time.sleep(1)  # the whole re-published history has been read by now; nothing may count twice
            again = {k["key"]: k["value"] for k in client.get("/metrics/v1/kpis", headers=RM).json()["items"]}
            assert again == values and again["changes_created"] == 1
            assert len(client.get("/capacity/v1/people", headers=RM).json()["items"]) == 1
    finally:
        _stop(second)


def _service_processes(parent: int) -> dict[str, int]:
    """The `tandem serve` processes `tandem up` started, by service."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if b"serve" in args:
                    found[args[args.index(b"serve") + 1].decode()] = int(entry.name)
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    return found


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_each_service_runs_in_its_own_process_and_losing_one_stops_the_platform(tmp_path: Path) -> None:
    port = free_port()
    process = _up(tmp_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            _until(lambda: all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES))
        children = _service_processes(process.pid)
        assert sorted(children) == sorted(SERVICES)
        os.kill(children["capacity"], signal.SIGKILL)
        assert process.wait(60) != 0  # not a clean stop: a service was lost
        assert not any(_alive(pid) for pid in children.values())  # the other services were stopped too
        log = next(tmp_path.glob("tandem-*.log")).read_text()
        assert "the capacity service stopped unexpectedly" in log and "Tandem stopped after a service failed" in log
    finally:
        if process.poll() is None:
            process.kill()
