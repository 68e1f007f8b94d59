"""What the end-to-end tests share: waiting on the platform, reading answers and KPIs."""

from __future__ import annotations

import time

import httpx

from tests.support import auth

RM = auth("rita.manager", "resource_manager")


def wait(client: httpx.Client, probe, timeout: float = 30.0, interval: float = 0.05):  # noqa: ANN001
    """Call `probe(client)` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe(client)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: last {value!r}")
        time.sleep(interval)


def ok(response: httpx.Response, status: int = 200) -> dict:
    """The JSON body of a response that must have this status."""
    assert response.status_code == status, response.text
    return response.json()


def kpis(client: httpx.Client) -> dict[str, float]:
    """Every KPI's current value by key."""
    return {k["key"]: k["value"] for k in ok(client.get("/metrics/v1/kpis", headers=RM))["items"]}
