"""The relay's bytes (the stored outbox payload's text) are the envelope's own JSON, and parse back the same (in two
passes, or in one with `EnvelopeParser`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from tandem_shared.contracts.capacity import BookingCreated, WeekHours
from tandem_shared.contracts.change import ChangeApproved
from tandem_shared.contracts.knowledge import ArticleCreated
from tandem_shared.events import CloudEvent, EnvelopeParser, build_envelope, parse_data


def _envelope() -> CloudEvent:
    return build_envelope(BookingCreated(
        id=uuid.uuid4(), person_id=uuid.uuid4(), source="change", source_id="c-1", kind="hard",
        start=datetime(2027, 1, 4, 9, 30, tzinfo=UTC), end=datetime(2027, 1, 6, 17, tzinfo=UTC), hours=7.35,
        weeks=[WeekHours(week="2027-W01", hours=7.35)]), actor="rita")


def test_stored_payload_sent_with_orjson_is_the_envelope_json() -> None:
    envelope = _envelope()
    stored = json.loads(json.dumps(envelope.model_dump(mode="json")))  # what the outbox's JSON column gives back
    sent = orjson.dumps(stored)
    assert json.loads(sent) == json.loads(envelope.to_bytes())
    decoded = CloudEvent.from_bytes(sent)
    assert decoded == envelope and parse_data(decoded) == parse_data(envelope)


@pytest.mark.parametrize("raw", [b"not json", b"{}", b'{"id": "x", "source": "/a", "type": "t", "subject": "s"}'])
def test_malformed_envelopes_are_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        CloudEvent.from_bytes(raw)


def test_stored_payload_text_sent_as_is_is_the_envelope_json() -> None:
    envelope = _envelope()
    sent = json.dumps(envelope.model_dump(mode="json")).encode()  # the JSON column's text, as the relay sends it
    decoded = CloudEvent.from_bytes(sent)
    assert decoded == envelope and parse_data(decoded) == parse_data(envelope)


def test_the_one_pass_parser_gives_what_the_two_passes_give_and_the_same_errors() -> None:
    envelope = _envelope()
    parser = EnvelopeParser([BookingCreated.event_type, ChangeApproved.event_type])
    parsed = parser.parse(envelope.to_bytes())
    assert parsed.id == envelope.id and parsed.time == envelope.time and parsed.actor == "rita"
    assert parser.data_of(parsed) == parse_data(envelope)
    # A registered type the parser was not built for: parsed in two passes, data as before.
    other = build_envelope(ArticleCreated(id=uuid.uuid4(), title="Runbook", kind="runbook", status="draft",
                                          author="kim", project_id=None, change_id=None))
    assert parser.data_of(parser.parse(other.to_bytes())) == parse_data(other)
    # Data that does not validate: the envelope parses, its data raises (as parse_data does).
    broken = envelope.model_copy(update={"data": {**envelope.data, "hours": "many"}})
    event = parser.parse(broken.to_bytes())
    with pytest.raises(ValueError):
        parser.data_of(event)
    for raw in (b"not json", b"{}"):
        with pytest.raises(ValueError):
            parser.parse(raw)
