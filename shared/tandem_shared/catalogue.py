"""The event catalogue, rendered from the registered contracts so it cannot drift from the code."""

from __future__ import annotations

import json
from typing import Any

import tandem_shared.contracts  # noqa: F401 - registers every event type
from tandem_shared.events import REGISTRY, CloudEvent

HEADER = """# Event catalogue

Generated from `shared/tandem_shared/contracts/` by `tandem events catalogue --output docs/events.md`;
a test fails when this file and the contracts disagree. The same contracts as a machine-readable AsyncAPI 3 document
(channels, messages, JSON Schemas): [asyncapi.json](asyncapi.json), written by `make catalogue` and served by each
service for its own events at `GET /<service>/asyncapi.json`.

Every event is a CloudEvents 1.0 structured-mode JSON message (`content-type: application/cloudevents+json`):

| attribute | meaning |
| --- | --- |
| `specversion` | `1.0` |
| `id` | UUID of the event; consumers deduplicate on (`source`, `id`) |
| `source` | `/tandem/<service>` |
| `type` | `<service>.<entity>.<past-tense verb>.v<N>`; a breaking change of `data` makes a new version |
| `subject` | id of the entity the event is about; also the Kafka message key |
| `time` | when it happened (ISO 8601, UTC) |
| `datacontenttype` | `application/json` |
| `correlationid` | the request or event that caused it (from `X-Correlation-ID`) |
| `traceparent`, `tracestate` | optional (null while tracing is off): the W3C trace context of the span that \
recorded the event (CloudEvents distributed-tracing extension); the record's Kafka headers of the same names carry \
the relay's send span |
| `actor` | who did it (token subject), when a person did |
| `data` | the type's payload, below |

Topics: one per producing service, `tandem.<service>`, 3 partitions, keyed by `subject` so the events of one entity
stay in order; types marked inbound are produced by systems outside Tandem, on a topic of their own. Delivery is at
least once (transactional outbox); consumers apply each event once (inbox). A consumer that cannot handle an event
after a few tries sends it to `tandem.<consumer>.dlq` with headers
`tandem-original-topic`, `tandem-original-partition`, `tandem-original-offset`, `tandem-error`, `tandem-error-type`,
`tandem-failure-kind` (`deterministic` or `undecodable`), `tandem-attempts`, `tandem-dead-lettered-at` and
`tandem-consumer`; an unreachable database or broker is waited out instead, never dead-lettered. `tandem dlq list`,
`show` and `replay` read them and apply them once the cause is fixed.
"""


def _type_of(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_of(s, defs) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}), defs)}"
    kind = schema.get("type", "any")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    return [
        f"| `{name}` | {_type_of(prop, defs)} | {'yes' if name in required else 'no'} |"
        for name, prop in schema.get("properties", {}).items()
    ]


def render_catalogue() -> str:
    """The whole catalogue as Markdown."""
    out = [HEADER]
    for service in sorted({spec.service for spec in REGISTRY.values()}):
        out.append(f"\n## {service} — topic `tandem.{service}`\n")
        for spec in sorted((s for s in REGISTRY.values() if s.service == service), key=lambda s: s.type):
            schema = spec.model.model_json_schema()
            defs = schema.get("$defs", {})
            out.append(f"\n### `{spec.type}`\n\n{spec.description}\n")
            inbound = f" (inbound: other systems produce it, {service} consumes it)" if spec.channel else ""
            out.append(f"- topic: `{spec.topic}`{inbound}\n- key and subject: `data.{spec.model.subject_field}`\n")
            out.append("\n| field | type | required |\n| --- | --- | --- |")
            out.extend(_fields(schema, defs))
            for name, sub in defs.items():
                out.append(f"\n`{name}`:\n\n| field | type | required |\n| --- | --- | --- |")
                out.extend(_fields(sub, defs))
            out.append("")
    envelope = CloudEvent.model_json_schema()
    out.append("\n## Envelope JSON Schema\n\n```json\n" + json.dumps(envelope, indent=2) + "\n```\n")
    return "\n".join(out)
