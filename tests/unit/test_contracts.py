"""Event contracts: naming, envelope round trip, and a catalogue that matches the code."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tandem_shared.catalogue import render_catalogue
from tandem_shared.contracts.change import ChangeCanceled
from tandem_shared.events import REGISTRY, CloudEvent, EventData, build_envelope, event_type, parse_data
from tandem_shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def test_every_type_is_versioned_and_published_on_its_services_topic() -> None:
    assert REGISTRY, "no contracts registered"
    for name, spec in REGISTRY.items():
        assert re.fullmatch(r"[a-z]+\.[a-z_]+\.[a-z_]+\.v\d+", name), name
        # Inbound types (sent in by other systems) travel on their own topic, never on a producing service's.
        expected = spec.channel if spec.channel is not None else name.split(".")[0]
        assert spec.channel not in SERVICES and spec.topic == f"tandem.{expected}" == spec.topic_under("tandem")


def test_envelope_round_trip_keeps_type_subject_and_data() -> None:
    data = ChangeCanceled(id=uuid.uuid4(), type="normal", canceled_by="sam", reason="window lost",
                          from_state="scheduled", was_approved=True)
    envelope = build_envelope(data, actor="sam")
    decoded = CloudEvent.from_bytes(envelope.to_bytes())
    assert decoded.type == "change.request.canceled.v1" and decoded.source == "/tandem/change"
    assert decoded.subject == str(data.id) and decoded.specversion == "1.0" and decoded.actor == "sam"
    assert parse_data(decoded) == data


def test_a_malformed_type_name_is_refused() -> None:
    with pytest.raises(ValueError, match=r"<service>\.<entity>\.<verb>\.v<N>"):
        @event_type("change.approved")
        class Bad(EventData):
            id: uuid.UUID


def test_unknown_types_parse_to_none() -> None:
    envelope = CloudEvent(source="/elsewhere", type="other.thing.happened.v1", subject="x", data={},
                          time=datetime.now(UTC))
    assert parse_data(envelope) is None


def test_docs_event_catalogue_is_the_generated_one() -> None:
    written = (ROOT / "docs" / "events.md").read_text()
    assert written == render_catalogue(), "docs/events.md is stale: run `make catalogue`"
