"""The AsyncAPI document: generated from the contracts, committed, and served by every service."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from tandem_shared.asyncapi import DEAD_LETTER, build_document, main, render
from tandem_shared.events import REGISTRY
from tandem_shared.gateway import load_service_app
from tandem_shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def test_committed_document_is_the_generated_one() -> None:
    written = (ROOT / "docs" / "asyncapi.json").read_text()
    assert written == render(build_document()), "docs/asyncapi.json is stale: run `make catalogue`"


def test_every_event_type_is_a_message_on_its_topic_with_its_data_schema() -> None:
    document = build_document()
    assert document["asyncapi"].startswith("3.")
    for name, spec in REGISTRY.items():
        message = document["components"]["messages"][name]
        assert message["name"] == name and message["contentType"] == "application/cloudevents+json"
        assert name in document["channels"][spec.topic]["messages"]
        envelope, specific = message["payload"]["allOf"]
        assert envelope == {"$ref": "#/components/schemas/CloudEventEnvelope"}
        assert specific["properties"]["type"]["const"] == name
        data = document["components"]["schemas"][specific["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
        assert set(data["properties"]) == set(spec.model.model_fields)
        assert spec.model.subject_field in message["bindings"]["kafka"]["key"]["description"]


def operation_types(document: dict[str, Any], action: str) -> set[str]:
    """The event types of a document's operations of one action (dead letters aside)."""
    return {ref["$ref"].rsplit("/", 1)[1] for op in document["operations"].values() if op["action"] == action
            for ref in op["messages"]} - {DEAD_LETTER}


def test_every_consumer_dead_letters_to_its_own_topic() -> None:
    platform = build_document()
    for service in SERVICES:
        for document in (platform, build_document(service)):
            topic = f"tandem.{service}.dlq"
            assert document["channels"][topic]["messages"] == {
                DEAD_LETTER: {"$ref": f"#/components/messages/{DEAD_LETTER}"}}
            operation = document["operations"][f"{service}.dead_letter.{topic}"]
            assert operation["action"] == "send" and operation["channel"] == {"$ref": f"#/channels/{topic}"}
    headers = platform["components"]["messages"][DEAD_LETTER]["headers"]
    # The headers the consumer writes (tandem_shared.consumer) and `tandem dlq` reads.
    assert set(headers["properties"]) == {
        "tandem-original-topic", "tandem-original-partition", "tandem-original-offset", "tandem-error",
        "tandem-error-type", "tandem-failure-kind", "tandem-attempts", "tandem-dead-lettered-at", "tandem-consumer"}
    assert headers["properties"]["tandem-failure-kind"]["enum"] == ["deterministic", "undecodable"]
    assert [t for t in build_document("change")["channels"] if t.endswith(".dlq")] == ["tandem.change.dlq"]


def test_the_platform_document_sends_every_published_type() -> None:
    document = build_document()
    assert operation_types(document, "send") == {n for n, s in REGISTRY.items() if s.channel is None}
    assert operation_types(document, "receive") == {n for n, s in REGISTRY.items() if s.channel is not None}


def test_a_topic_prefix_renames_the_channels() -> None:
    document = build_document("change", ["capacity.booking.created.v1"], prefix="staging")
    assert set(document["channels"]) == {"staging.change", "staging.capacity", "staging.change.dlq"}


def test_cli_writes_the_document(tmp_path: Path) -> None:
    main(["--output", str(tmp_path / "asyncapi.json")])
    assert (tmp_path / "asyncapi.json").read_text() == render(build_document())


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_serves_what_it_publishes_and_consumes(service: str) -> None:
    app = load_service_app(service, workers=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/{service}/asyncapi.json")
        openapi = (await client.get(f"/{service}/openapi.json")).json()
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == f"Tandem {service} events"
    published = {n for n, s in REGISTRY.items() if s.service == service and s.channel is None}
    assert operation_types(document, "send") == published
    handlers = importlib.import_module(f"tandem_{service}.handlers").HANDLERS
    # What it takes in from other services' topics and from other systems (inbound types).
    assert operation_types(document, "receive") == {
        n for n in handlers if n in REGISTRY and (REGISTRY[n].service != service or REGISTRY[n].channel)}
    assert f"/{service}/asyncapi.json" in openapi["paths"]
