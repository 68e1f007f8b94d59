"""The CloudEvents 1.0 envelope, the registry of typed event data, topics and correlation ids."""

from __future__ import annotations

import builtins
import contextvars
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from tandem_shared.db import new_id, utcnow
from tandem_shared.tracing import current_context

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


DEFAULT_TOPIC_PREFIX = "tandem"
TOPIC_PREFIX_KEY = "tandem_topic_prefix"  # in Session.info: where record_event finds the prefix


def topic_of(service: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """The topic a service publishes its events to."""
    return f"{prefix}.{service}"


def dead_letter_topic_of(consumer: str, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """The dead-letter topic of one consumer."""
    return f"{prefix}.{consumer}.dlq"


class EventData(BaseModel):
    """Base of every event's data; subclasses declare `event_type` and the entity key field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    subject_field: ClassVar[str] = "id"

    def subject(self) -> str:
        """The entity id the event is about (the Kafka key and CloudEvents subject)."""
        return str(getattr(self, self.subject_field))


TRACEPARENT = ("W3C `traceparent` of the span the event was recorded under (CloudEvents distributed-tracing "
               "extension); null while tracing is off.")


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 structured-mode envelope Tandem publishes."""

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=new_id)
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: str = "application/json"
    correlationid: str | None = None
    # CloudEvents' distributed-tracing extension: the W3C context of the span the event was recorded under.
    traceparent: str | None = Field(default=None, description=TRACEPARENT)
    tracestate: str | None = Field(default=None, description="W3C `tracestate` that goes with `traceparent`.")
    actor: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        """Serialise as JSON."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse and validate a JSON envelope (pydantic parses the bytes itself: no intermediate dict)."""
        return cls.model_validate_json(raw)


@dataclass(frozen=True)
class EventSpec:
    """One registered event type: its data model, producer and topic."""

    type: str
    model: builtins.type[EventData]  # `type` here is the field above
    service: str
    description: str
    # The topic's name under the prefix when it is not the service's own: a type other systems send in (e.g.
    # `signals.inbound`), which its service consumes rather than publishes.
    channel: str | None = None

    def topic_under(self, prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
        """The topic events of this type travel on, under a topic prefix."""
        return topic_of(self.channel or self.service, prefix)

    @property
    def topic(self) -> str:
        """The topic under the default prefix."""
        return self.topic_under()


REGISTRY: dict[str, EventSpec] = {}
E = TypeVar("E", bound=type[EventData])


def event_type(name: str, *, topic: str | None = None) -> Callable[[E], E]:
    """Register an EventData class under its versioned type `<service>.<entity>.<verb>.v<N>`.

    Its topic is its service's (`<prefix>.<service>`) unless `topic` names another under the prefix: an inbound
    type that other systems produce and the service consumes.
    """

    def _register(cls: E) -> E:
        parts = name.split(".")
        if len(parts) != 4 or not parts[3].startswith("v") or not parts[3][1:].isdigit():
            raise ValueError(f"event type {name!r} is not <service>.<entity>.<verb>.v<N>")
        if name in REGISTRY:
            raise ValueError(f"event type {name!r} registered twice")
        cls.event_type = name
        REGISTRY[name] = EventSpec(name, cls, parts[0], (cls.__doc__ or "").strip(), topic)
        return cls

    return _register


def build_envelope(data: EventData, *, actor: str | None = None) -> CloudEvent:
    """Wrap event data in an envelope with a new id, the current time and correlation id."""
    spec = REGISTRY[data.event_type]
    trace_context = current_context()  # traceparent and tracestate while a span records (tracing on), else empty
    return CloudEvent(
        source=f"/tandem/{spec.service}",
        type=spec.type,
        subject=data.subject(),
        correlationid=correlation_id_var.get() or str(new_id()),
        actor=actor,
        data=data.model_dump(mode="json"),
        traceparent=trace_context.get("traceparent"),
        tracestate=trace_context.get("tracestate"),
    )


def parse_data(event: CloudEvent) -> EventData | None:
    """The typed data of an envelope, or None for a type this registry does not know."""
    spec = REGISTRY.get(event.type)
    return spec.model.model_validate(event.data) if spec else None


class EnvelopeParser:
    """Parses envelopes of some registered types together with their data, in one pass over the bytes.

    `CloudEvent.from_bytes` then `parse_data` is two passes: the data is first built as a dict, then that dict is
    validated into its model (about half of the parsing time of a consumed event). Here each type has an envelope
    model whose `data` field is the type's model, and one union tagged on `type` picks it, so pydantic reads the
    bytes once. Such an envelope's `data` is that model, not a dict: take it from `data_of`; to pass an envelope on
    unchanged, use the original bytes. Bytes the union refuses (another type, invalid data, not an envelope) are
    parsed as before, so the same errors are raised, at the same step.
    """

    def __init__(self, types: Iterable[str]) -> None:
        models = [create_model(f"Envelope_{name.replace('.', '_')}", __base__=CloudEvent,
                               type=(Literal[name], ...), data=(REGISTRY[name].model, ...))  # type: ignore[arg-type]
                  for name in sorted(set(types)) if name in REGISTRY]
        self._typed: set[type[CloudEvent]] = set(models)
        self._adapter: TypeAdapter[CloudEvent] | None = None
        if len(models) == 1:
            self._adapter = TypeAdapter(models[0])
        elif models:
            union: Any = Annotated[Union[tuple(models)], Field(discriminator="type")]  # noqa: UP007 - built at runtime
            self._adapter = TypeAdapter(union)

    def parse(self, raw: bytes) -> CloudEvent:
        """The envelope (raises as `CloudEvent.from_bytes` for bytes that are not one)."""
        if self._adapter is not None:
            try:
                return self._adapter.validate_json(raw)
            except ValidationError:
                pass
        return CloudEvent.from_bytes(raw)

    def data_of(self, event: CloudEvent) -> EventData | None:
        """The envelope's typed data, as `parse_data` gives it (and raises for data that does not validate)."""
        if type(event) in self._typed:
            return cast(EventData, event.data)
        return parse_data(event)
