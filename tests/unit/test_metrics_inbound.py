"""Inbound signal contracts: the same rows as the signal APIs, on their own topic, which metrics consumes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tandem_metrics.main import SPEC
from tandem_metrics.signals.schemas import CsatSignal, IncidentSignal, OutageSignal
from tandem_shared.contracts.metrics import INBOUND_TOPIC, InboundCsat, InboundIncident, InboundOutage
from tandem_shared.events import REGISTRY
from tandem_shared.runtime import ServiceRuntime
from tandem_shared.settings import PlatformSettings, service_settings


@pytest.mark.parametrize(("contract", "row"), [
    (InboundIncident, IncidentSignal), (InboundOutage, OutageSignal), (InboundCsat, CsatSignal)])
def test_an_inbound_signal_has_the_fields_of_an_api_row(contract, row) -> None:
    assert set(contract.model_fields) == set(row.model_fields)
    spec = REGISTRY[contract.event_type]
    assert spec.channel == INBOUND_TOPIC and spec.service == "metrics"
    assert spec.topic_under("acme") == "acme.signals.inbound" and contract.subject_field == "external_id"


def test_metrics_consumes_the_inbound_topic_beside_the_producers_topics() -> None:
    runtime = ServiceRuntime("metrics", handlers=SPEC.handlers, settings=service_settings("metrics"),
                             platform=PlatformSettings(environment="test", kafka_topic_prefix="acme"))
    assert "acme.signals.inbound" in runtime.consumed_topics and "acme.metrics" not in runtime.consumed_topics


@pytest.mark.parametrize(("data", "field"), [
    ({"priority": "P9"}, "priority"),
    ({"service_id": None, "ci_id": None}, "service_id or ci_id"),
    ({"opened_at": "2027-02-03T09:30:00"}, "timezone"),
    ({"resolved_at": "2027-02-01T00:00:00Z"}, "resolved_at"),
])
def test_bad_incidents_fail_the_schema(data, field) -> None:
    row = {"external_id": "INC1", "source_system": "servicenow", "service_id": "svc", "priority": "P2",
           "opened_at": "2027-02-03T09:30:00Z", **data}
    with pytest.raises(ValidationError, match=field):
        InboundIncident.model_validate(row)
