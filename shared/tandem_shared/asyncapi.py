"""The AsyncAPI 3 document of Tandem's events, generated from the registered contracts, and its route.

Channels are topics, messages are event types: each a CloudEvents 1.0 structured-mode envelope whose `data` is the
type's pydantic model as JSON Schema, keyed by the entity id. `python -m tandem_shared.asyncapi --output
docs/asyncapi.json` (run by `make catalogue`) writes the platform's document; each service serves its own view (what
it publishes and what it consumes) at `GET /<service>/asyncapi.json`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic.json_schema import models_json_schema

import tandem_shared.contracts  # noqa: F401 - registers every event type
from tandem_shared.broker import PARTITIONS
from tandem_shared.events import DEFAULT_TOPIC_PREFIX, REGISTRY, CloudEvent, EventSpec, dead_letter_topic_of
from tandem_shared.settings import SERVICES

ASYNCAPI_VERSION = "3.0.0"
CONTENT_TYPE = "application/cloudevents+json"
KAFKA_BINDING_VERSION = "0.5.0"
ENVELOPE = "CloudEventEnvelope"
REF = "#/components/schemas/{model}"
DESCRIPTION = """Domain events of Tandem's five services on Kafka, generated from `shared/tandem_shared/contracts/`.
The readable catalogue is docs/events.md.

Every message is a CloudEvents 1.0 event in structured mode: the Kafka record's value is the JSON envelope
(`specversion`, `id`, `source` = `/tandem/<service>`, `type` = the message name, `subject` = the entity id, `time`,
`datacontenttype`, `correlationid`, `traceparent`, `tracestate`, `actor`, `data`), its `content-type` header is
`application/cloudevents+json` and its key is the `subject`, so the events of one entity stay ordered in one
partition. With tracing on, `traceparent`/`tracestate` in the envelope are the W3C context where the event was
recorded, and the headers of the same names the relay's send span. Delivery is at least once (transactional
outbox); consumers deduplicate on (`source`, `id`). A consumer that cannot apply an event after a few tries sends it
to its dead-letter topic `<prefix>.<consumer>.dlq`."""


def _message_key(spec: EventSpec) -> str:
    return spec.type


def _channel_key(topic: str) -> str:
    return topic


def _schemas(specs: list[EventSpec]) -> tuple[dict[str, str], dict[str, Any]]:
    """Every data model's JSON Schema under components/schemas (shared sub-models once), and each type's ref."""
    models = [(spec.model, "validation") for spec in specs]
    refs, top = models_json_schema(models, ref_template=REF)  # type: ignore[arg-type]
    by_type = {spec.type: refs[(spec.model, "validation")]["$ref"] for spec in specs}
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    envelope = CloudEvent.model_json_schema()
    envelope["description"] = "CloudEvents 1.0 structured-mode envelope: the Kafka record's value."
    envelope["properties"]["data"]["description"] = "The type's data (see each message)."
    schemas[ENVELOPE] = envelope
    return by_type, dict(sorted(schemas.items()))


def _message(spec: EventSpec, data_ref: str) -> dict[str, Any]:
    subject = spec.model.subject_field
    summary = spec.description.splitlines()[0] if spec.description else spec.type
    return {
        "name": spec.type,
        "title": spec.type,
        "summary": summary,
        "description": spec.description or spec.type,
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "description": "Kafka record headers (the CloudEvents attributes travel in the structured-mode value).",
            "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE},
                           # Optional: present while tracing is on (the relay's send span, W3C trace context).
                           "traceparent": {"type": "string", "description": "W3C traceparent of the send."},
                           "tracestate": {"type": "string", "description": "W3C tracestate of the send."}},
        },
        "payload": {
            "allOf": [
                {"$ref": REF.format(model=ENVELOPE)},
                {
                    "type": "object",
                    "required": ["type", "source", "subject", "data"],
                    "properties": {
                        "type": {"type": "string", "const": spec.type},
                        "source": {"type": "string", "const": f"/tandem/{spec.service}"},
                        "subject": {"type": "string", "description": f"`data.{subject}`, also the record key."},
                        "data": {"$ref": data_ref},
                    },
                },
            ]
        },
        "correlationId": {"description": "The request or event that caused this one.",
                          "location": "$message.payload#/correlationid"},
        "bindings": {"kafka": {"key": {"type": "string", "description": f"The entity id: `data.{subject}`."},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }


DEAD_LETTER = "tandem.dead_letter"
_HEADER = {"type": "string"}


def _dead_letter_message() -> dict[str, Any]:
    """What a consumer sends to its dead-letter topic: the original record, and headers saying where and why."""
    return {
        "name": DEAD_LETTER,
        "title": "Dead letter",
        "summary": "A message a consumer could not apply, as it was received, with where it came from and why.",
        "description": "Written by a consumer after `TANDEM_<SVC>_CONSUMER_MAX_ATTEMPTS` deterministic failures, or "
                       "at once for a message it cannot decode; read and applied again by `tandem dlq list`, `show` "
                       "and `replay` once the cause is fixed. Transient failures are never dead-lettered.",
        "headers": {
            "type": "object",
            "required": ["tandem-original-topic", "tandem-original-partition", "tandem-original-offset",
                         "tandem-error", "tandem-failure-kind", "tandem-consumer"],
            "properties": {
                "tandem-original-topic": {**_HEADER, "description": "The topic the message was read from."},
                "tandem-original-partition": {**_HEADER, "pattern": "^[0-9]+$"},
                "tandem-original-offset": {**_HEADER, "pattern": "^[0-9]+$"},
                "tandem-error": {**_HEADER, "description": "The last error (at most 4,000 characters)."},
                "tandem-error-type": {**_HEADER, "description": "The exception's class name."},
                "tandem-failure-kind": {**_HEADER, "enum": ["deterministic", "undecodable"]},
                "tandem-attempts": {**_HEADER, "pattern": "^[0-9]+$"},
                "tandem-dead-lettered-at": {**_HEADER, "format": "date-time"},
                "tandem-consumer": {**_HEADER, "description": "The consumer that gave up on it."},
            },
        },
        "payload": {"description": "The original record's value, unchanged: usually a CloudEvents envelope of one "
                                   "of the types above, or the bytes that could not be decoded."},
        "bindings": {"kafka": {"key": {"type": "string", "description": "The original record's key."},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def build_document(service: str | None = None, consumes: Iterable[str] = (), *,
                   prefix: str = DEFAULT_TOPIC_PREFIX, version: str = "0.1.0") -> dict[str, Any]:
    """The AsyncAPI 3 document of the whole platform, or of one service: what it publishes and what it consumes.

    For the platform every producer has a send operation and every service the receive operation of the inbound
    types it takes in; a service's own view adds a receive operation per topic it consumes from (`consumes` names
    the event types of its handlers; types this registry does not know are left out). Every consumer (each service,
    or the one) sends what it cannot apply to its dead-letter channel.
    """
    if service is not None and service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    consumed = {name for name in consumes if name in REGISTRY}
    specs = sorted((s for s in REGISTRY.values()
                    if service is None or s.service == service or s.type in consumed), key=lambda s: s.type)
    data_refs, schemas = _schemas(specs)

    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    sent: dict[str, list[EventSpec]] = {}  # operation id -> types
    received: dict[str, list[EventSpec]] = {}
    for spec in specs:
        topic = spec.topic_under(prefix)
        channel = channels.setdefault(_channel_key(topic), {
            "address": topic,
            "title": topic,
            "description": (f"Types other systems send in; {spec.service} consumes them." if spec.channel else
                            f"Every event {spec.service} publishes, keyed by entity id."),
            "messages": {},
            "bindings": {"kafka": {"topic": topic, "partitions": PARTITIONS, "bindingVersion": KAFKA_BINDING_VERSION}},
        })
        channel["messages"][_message_key(spec)] = {"$ref": f"#/components/messages/{_message_key(spec)}"}
        messages[_message_key(spec)] = _message(spec, data_refs[spec.type])
        if spec.channel:  # inbound: other systems send, the owning service receives
            received.setdefault(f"{spec.service}.receive.{topic}", []).append(spec)
        elif service is None or spec.service == service:
            sent.setdefault(f"{spec.service}.send.{topic}", []).append(spec)
        if service is not None and spec.type in consumed and spec.service != service:
            received.setdefault(f"{service}.receive.{topic}", []).append(spec)

    dead_letters: dict[str, Any] = {}
    for consumer in (SERVICES if service is None else (service,)):
        topic = dead_letter_topic_of(consumer, prefix)
        channels[_channel_key(topic)] = {
            "address": topic,
            "title": topic,
            "description": f"Messages the {consumer} consumer could not apply.",
            "messages": {DEAD_LETTER: {"$ref": f"#/components/messages/{DEAD_LETTER}"}},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        channel_ref = f"#/channels/{_escape(_channel_key(topic))}"
        dead_letters[f"{consumer}.dead_letter.{topic}"] = {
            "action": "send",
            "title": f"{consumer} dead-letters to {topic}",
            "summary": f"The {consumer} service's consumer gives up on a message; `tandem dlq replay {consumer}` "
                       "applies it later.",
            "channel": {"$ref": channel_ref},
            "messages": [{"$ref": f"{channel_ref}/messages/{DEAD_LETTER}"}],
        }
    messages[DEAD_LETTER] = _dead_letter_message()

    operations: dict[str, Any] = {}
    for action, grouped in (("send", sent), ("receive", received)):
        for operation_id, types in sorted(grouped.items()):
            owner, _, topic = operation_id.split(".", 2)
            channel_ref = f"#/channels/{_escape(_channel_key(topic))}"
            operations[operation_id] = {
                "action": action,
                "title": f"{owner} {'publishes to' if action == 'send' else 'consumes from'} {topic}",
                "summary": (f"The {owner} service's relay publishes these from its outbox." if action == "send" else
                            f"The {owner} service's consumer (group `tandem-{owner}`) applies these once each; "
                            f"failures go to `{dead_letter_topic_of(owner, prefix)}`."),
                "channel": {"$ref": channel_ref},
                "messages": [{"$ref": f"{channel_ref}/messages/{_message_key(s)}"} for s in types],
            }

    title = f"Tandem {service} events" if service else "Tandem events"
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": version, "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The Kafka cluster every service shares (TANDEM_KAFKA_BOOTSTRAP_SERVERS).",
                "variables": {"bootstrap": {"default": "kafka:9092", "description": "A bootstrap server host:port."}},
            }
        },
        "channels": dict(sorted(channels.items())),
        "operations": {**operations, **dict(sorted(dead_letters.items()))},
        "components": {"schemas": schemas, "messages": dict(sorted(messages.items()))},
    }


def _escape(key: str) -> str:
    """A key as a JSON Pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")


def render(document: dict[str, Any]) -> str:
    """The document as stable, readable JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def asyncapi_router(service: str, consumes: Iterable[str]) -> APIRouter:
    """GET /<service>/asyncapi.json: the service's events, next to its OpenAPI document."""
    router = APIRouter()
    handled = sorted(consumes)

    @router.get(f"/{service}/asyncapi.json", tags=["events"], summary="AsyncAPI 3 document of this service's events",
                description="What this service publishes (send) and consumes (receive) on Kafka, with each event "
                            "type's JSON Schema; the platform's whole document is docs/asyncapi.json.")
    async def asyncapi(request: Request) -> JSONResponse:
        runtime = getattr(request.app.state, "runtime", None)
        prefix = runtime.platform.kafka_topic_prefix if runtime is not None else DEFAULT_TOPIC_PREFIX
        return JSONResponse(build_document(service, handled, prefix=prefix, version=request.app.version))

    return router


def main(argv: list[str] | None = None) -> None:
    """Write the platform's AsyncAPI document (docs/asyncapi.json), or one service's, or print it."""
    parser = argparse.ArgumentParser(prog="python -m tandem_shared.asyncapi", description=main.__doc__)
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--service", choices=SERVICES, help="the document the service serves (needs its package)")
    args = parser.parse_args(argv)
    if args.service:
        # Found by name like the gateway's apps: the shared library never imports a service.
        handlers = importlib.import_module(f"tandem_{args.service}.handlers").HANDLERS
        text = render(build_document(args.service, handlers))
    else:
        text = render(build_document())
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
