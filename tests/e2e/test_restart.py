"""Restarting the embedded default loses nothing, though the bundled broker keeps nothing across restarts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
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


def _up(data: Path, port: int, *options: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data), TANDEM_ENVIRONMENT="development", **extra)
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
            start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
            body = {"title": "Restart-proof change", "type": "standard", "model_id": model, "assignee_id": person,
                    "effort_hours": 5,  # within the planning horizon (TANDEM_PLANNING_HORIZON_YEARS)
                    "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=5)).isoformat()}
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


def _children(parent: int, marker: bytes) -> dict[int, list[bytes]]:
    """The processes `parent` started whose command line holds `marker`, with their arguments."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if marker in args:
                    found[int(entry.name)] = args
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    return found


def _broker_pid(parent: int) -> int:
    [pid] = [pid for pid, args in _children(parent, b"broker").items() if b"tansu" in args[0]]
    return pid


def _log(data: Path) -> str:
    return next(data.glob("tandem-*.log")).read_text()


def _interrupt(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(90)


def test_a_service_process_that_dies_is_restarted_and_answers_again(tmp_path: Path) -> None:
    port = free_port()
    process = _up(tmp_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            _until(lambda: all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES))
            children = _service_processes(process.pid)
            assert sorted(children) == sorted(SERVICES)
            os.kill(children["capacity"], signal.SIGKILL)

            restarted = _until(lambda: (pid := _service_processes(process.pid).get("capacity")) != children["capacity"]
                               and pid)
            _until(lambda: client.get("/capacity/readyz").status_code == 200)
            created = client.post("/capacity/v1/people", headers=RM, json={
                "name": "Rae Again", "team": "Ops", "skills": [], "weekly_hours": 40})
            assert created.status_code == 201, created.text
            others = _service_processes(process.pid)
            assert others["capacity"] == restarted
            assert all(others[s] == children[s] for s in SERVICES if s != "capacity")  # nobody else was touched
        assert _interrupt(process) == 0
        log = _log(tmp_path)
        assert "the capacity service stopped unexpectedly (killed by SIGKILL); restarting it" in log
        # The stop tells what happened, and does not call the run clean.
        assert ("Tandem stopped: consumers committed, outboxes drained; during the run the capacity service stopped "
                "unexpectedly once (last: killed by SIGKILL) and was restarted") in log
        assert "Tandem stopped cleanly" not in log
    finally:
        if process.poll() is None:
            process.kill()


def test_the_bundled_broker_is_restarted_and_an_event_written_while_it_was_down_is_delivered(tmp_path: Path) -> None:
    port = free_port()
    # The first restart waits 5 s, so that the write below certainly happens while the broker is down.
    process = _up(tmp_path, port, env={"TANDEM_RESTART_DELAY_SECONDS": "5"})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            _until(lambda: all(client.get(f"/{s}/readyz").status_code == 200 for s in SERVICES))
            model = client.post("/change/v1/change-models", headers=auth("mo.manager", "change_manager"),
                                json={"name": "Broker outage"}).json()["id"]
            broker = _broker_pid(process.pid)
            bootstrap = (tmp_path / "broker.address").read_text().strip()
            os.kill(broker, signal.SIGKILL)
            _until(lambda: not _alive(broker))
            person = client.post("/capacity/v1/people", headers=RM, json={
                "name": "Dee Outage", "team": "Ops", "skills": [], "weekly_hours": 40})
            assert person.status_code == 201  # writes go on: the event waits in capacity's outbox
            host, _, broker_port = bootstrap.rpartition(":")
            with pytest.raises(OSError):
                socket.create_connection((host, int(broker_port)), timeout=1).close()  # still down after the write

            # Back, topics recreated, retained events queued again, then every service restarted with fresh clients.
            _until(lambda: "their Kafka clients must see the restarted broker's topics afresh" in _log(tmp_path),
                   timeout=120)
            # Known to change only through capacity.person.created.v1, published after the broker came back.
            start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
            body = {"title": "After the outage", "type": "standard", "model_id": model,
                    "assignee_id": person.json()["id"], "effort_hours": 2,
                    "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=2)).isoformat()}
            _until(lambda: client.post("/change/v1/changes", headers=REQUESTER, json=body).status_code == 201,
                   timeout=120)
            assert _broker_pid(process.pid) != broker
        outage = _log(tmp_path)
        assert outage.count("the bundled broker stopped (killed by SIGKILL)") == 1
        assert "the bundled broker is back on" in outage and "topics recreated" in outage
        # Hundreds of client errors a second before; now the first of each kind per process, then a summary.
        assert sum("aiokafka" in line for line in outage.splitlines()) < 100

        # Down again, and stopped before it is back: the stop says so, and is not called clean.
        os.kill(_broker_pid(process.pid), signal.SIGKILL)
        _until(lambda: "the bundled broker stopped (killed by SIGKILL)" in _log(tmp_path).split("is back on")[-1])
        assert _interrupt(process) == 1
        log = _log(tmp_path)
        assert "Tandem stopped, not cleanly: " in log and "the bundled broker was down at the stop" in log
        assert "during the run the bundled broker stopped unexpectedly 2 times (last: killed by SIGKILL)" in log
        assert "Tandem stopped cleanly" not in log and "consumers committed" not in log
        assert "Traceback" not in log.split("the bundled broker stopped")[-1]
    finally:
        if process.poll() is None:
            process.kill()
