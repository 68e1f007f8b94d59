"""Prometheus metrics at /<service>/internal/metrics after real requests and real consumed events."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from tandem_shared.broker import free_port
from tandem_shared.events import build_envelope
from tandem_shared.gateway import Gateway

from tests import support
from tests.integration.platform.test_delivery_faults import approved, inbox_rows, make_person, produce, scalar
from tests.support import auth, create_app, eventually, poison_approval, running, topic

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, service: str) -> Samples:
    """Every sample of a service's metrics, keyed by name and labels."""
    response = await client.get(f"/{service}/internal/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The sample with exactly these labels, or None."""
    return samples.get((name, frozenset(labels.items())))


def named(samples: Samples, name: str) -> list[dict[str, str]]:
    """The label sets of every sample of a name."""
    return [dict(labels) for sample_name, labels in samples if sample_name == name]


async def test_requests_outbox_and_consumed_events_are_measured(databases, backend, broker):
    app = create_app("capacity", database_url=await databases.fresh("capacity", backend), bootstrap=broker.bootstrap,
                     consumer_max_attempts=2)
    async with running(app) as client:
        person = await make_person(client)  # one real request, whose event the relay publishes
        assert (await client.get(f"/capacity/v1/people/{person}", headers=auth("vic"))).status_code == 200
        assert (await client.get("/capacity/v1/people/not-a-uuid", headers=auth("vic"))).status_code == 422
        good_event, poison_event = build_envelope(approved(uuid.uuid4(), person, hours=2)), poison_approval(person)
        await produce(broker.bootstrap, good_event)
        await eventually(lambda: scalar(app, "SELECT count(*) FROM bookings"), timeout=20)
        await produce(broker.bootstrap, poison_event)  # data the contract refuses: dead-lettered at once
        assert await eventually(lambda: inbox_rows(app, poison_event.id), timeout=20) == ["dead_lettered"]

        async def settled() -> Samples | None:
            samples = await scrape(client, "capacity")
            lags = [value(samples, "tandem_consumer_lag", **labels) for labels in named(samples, "tandem_consumer_lag")]
            # The person's event, the booking's and whatever else capacity publishes for it.
            done = ((value(samples, "tandem_outbox_published_total", service="capacity") or 0) >= 2
                    and value(samples, "tandem_consumer_dead_letters_total", service="capacity",
                              kind="deterministic") == 1
                    and lags and all(lag == 0 for lag in lags)
                    # Counted by the relay every 5 s: a count taken while the booking's event waited may stand a while.
                    and value(samples, "tandem_outbox_pending", service="capacity") == 0)
            return samples if done else None

        samples = await eventually(settled, timeout=20)

        # HTTP: by route template (never the raw path), method and status, with a duration histogram.
        created = {"service": "capacity", "method": "POST", "route": "/capacity/v1/people", "status": "201"}
        assert value(samples, "tandem_http_requests_total", **created) == 1
        assert value(samples, "tandem_http_request_duration_seconds_count", **created) == 1
        assert value(samples, "tandem_http_request_duration_seconds_bucket", **created, le="+Inf") == 1
        one = {"service": "capacity", "method": "GET", "route": "/capacity/v1/people/{person_id}"}
        assert value(samples, "tandem_http_requests_total", **one, status="200") == 1
        assert value(samples, "tandem_http_requests_total", **one, status="422") == 1
        routes = {labels["route"] for labels in named(samples, "tandem_http_requests_total")}
        assert not any(str(person) in route or "not-a-uuid" in route for route in routes), routes

        # Outbox: the events were published, nothing waits, nothing is parked; the relay publishes.
        assert value(samples, "tandem_outbox_pending", service="capacity") == 0
        assert value(samples, "tandem_outbox_parked", service="capacity") == 0
        assert value(samples, "tandem_outbox_oldest_pending_age_seconds", service="capacity") == 0
        assert value(samples, "tandem_relay_leader", service="capacity") == 1
        assert value(samples, "tandem_relay_last_success_timestamp_seconds", service="capacity") > 0

        # Consumer: one applied, one dead-lettered without a retry (every kind exported, at 0 until it happens);
        # lag per partition; apply time.
        approved_type = good_event.type
        assert value(samples, "tandem_consumer_events_total", service="capacity", event_type=approved_type,
                     outcome="applied") == 1
        assert value(samples, "tandem_consumer_events_total", service="capacity", event_type=approved_type,
                     outcome="dead_lettered") == 1
        assert [value(samples, "tandem_consumer_retries_total", service="capacity", kind=kind)
                for kind in ("transient", "deterministic")] == [0, 0]
        assert value(samples, "tandem_consumer_dead_letters_total", service="capacity", kind="undecodable") == 0
        lags = named(samples, "tandem_consumer_lag")  # per partition the two events landed on (keyed by change)
        assert lags and all(lag["topic"] == topic("change") for lag in lags)
        assert {lag["group"] for lag in lags} == {app.state.runtime.consumer.group_id}
        applied_in = sum(v for (name, labels), v in samples.items()
                         if name == "tandem_consumer_apply_duration_seconds_count")
        assert applied_in >= 1  # the good event's transaction (the poison never reached one)
        assert value(samples, "tandem_consumer_last_success_timestamp_seconds", service="capacity") > 0
        assert value(samples, "tandem_consumer_healthy", service="capacity") == 1

        # Database pools: the writer's size and its connections by state.
        size = value(samples, "tandem_db_pool_size", service="capacity", engine="write")
        pool = {state: value(samples, "tandem_db_pool_connections", service="capacity", engine="write", state=state)
                for state in ("in_use", "idle", "overflow")}
        # The relay and consumer use the writer now and then: a connection may be in use while the scrape reads.
        assert size >= 1 and None not in pool.values() and pool["in_use"] <= size and pool["in_use"] + pool["idle"] >= 1


async def test_each_app_has_its_own_registry_beside_the_metrics_services_api(databases):
    """The metrics service's API keeps /metrics/v1; its Prometheus path is /metrics/internal/metrics, as for others."""
    apps = {service: create_app(service, database_url=await databases.fresh(service, "sqlite"), bootstrap=None,
                                workers=False) for service in ("metrics", "knowledge")}
    gateway = Gateway(apps)
    async with (gateway.apps["metrics"].router.lifespan_context(apps["metrics"]),
                apps["knowledge"].router.lifespan_context(apps["knowledge"]),
                httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://tandem.test") as client):
        assert (await client.get("/knowledge/healthz")).status_code == 200
        assert (await client.get("/metrics/v1/kpis", headers=auth("vic"))).status_code == 200
        metrics, knowledge = await scrape(client, "metrics"), await scrape(client, "knowledge")
    assert value(metrics, "tandem_http_requests_total", service="metrics", method="GET", route="/metrics/v1/kpis",
                 status="200") == 1
    assert not named(metrics, "tandem_outbox_pending")  # no relay in this process: its figures come from the worker
    assert value(knowledge, "tandem_http_requests_total", service="knowledge", method="GET",
                 route="/knowledge/healthz", status="200") == 1
    assert {labels["service"] for labels in named(knowledge, "tandem_http_requests_total")} == {"knowledge"}
    assert "/metrics/internal/metrics" not in openapi_paths(apps["metrics"])


def openapi_paths(app) -> set[str]:  # noqa: ANN001
    """The paths of an app's OpenAPI document (the scrape path is for scrapers, not API clients)."""
    return set(app.openapi()["paths"])


async def test_a_worker_serves_its_relay_and_consumer_metrics_on_its_own_port(databases, backend, broker):
    """`tandem worker` has no HTTP server: --metrics-port serves what its relay and consumer do."""
    url = await databases.fresh("capacity", backend)
    web = create_app("capacity", database_url=url, bootstrap=broker.bootstrap, workers=False)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_ENVIRONMENT="test", TANDEM_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
               TANDEM_KAFKA_TOPIC_PREFIX=support.topic_prefix, TANDEM_CAPACITY_DATABASE_URL=url,
               TANDEM_CAPACITY_CONSUMER_GROUP=f"worker-{uuid.uuid4().hex[:8]}")
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("tandem")), "worker", "capacity", "--metrics-port", str(port),
        "--metrics-host", "127.0.0.1", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async with running(web) as client, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as scraper:
            person = await make_person(client)  # written by the web process, published by the worker's relay
            await produce(broker.bootstrap, build_envelope(approved(uuid.uuid4(), person, hours=1)))

            async def worked() -> Samples | None:
                try:
                    samples = await scrape(scraper, "capacity")
                except httpx.TransportError:
                    return None  # not listening yet
                applied = value(samples, "tandem_consumer_events_total", service="capacity",
                                event_type="change.request.approved.v1", outcome="applied")
                return samples if applied == 1 and value(samples, "tandem_relay_leader", service="capacity") else None

            samples = await eventually(worked, timeout=30)
            assert (value(samples, "tandem_outbox_published_total", service="capacity") or 0) >= 1
            assert not named(samples, "tandem_http_requests_total")  # no HTTP served there
    finally:
        worker.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(worker.wait(), 30) == 0


async def test_metrics_can_be_turned_off(databases, broker):
    # TANDEM_METRICS_ENABLED=false: no metrics route and no per-request counting; the API answers as before.
    from tandem_capacity.main import create_app as create_capacity
    from tandem_shared.settings import service_settings

    settings = service_settings("capacity").model_copy(update={
        "database_url": await databases.fresh("capacity", "sqlite"), "consumer_group": f"off-{uuid.uuid4().hex[:8]}"})
    app = create_capacity(settings=settings, platform=support.platform(broker.bootstrap).model_copy(
        update={"metrics_enabled": False}), workers=False)
    async with running(app) as client:
        assert (await client.get("/capacity/internal/metrics")).status_code == 404
        listed = await client.get("/capacity/v1/people", headers=auth("vera", "viewer"))
        assert listed.status_code == 200, listed.text
