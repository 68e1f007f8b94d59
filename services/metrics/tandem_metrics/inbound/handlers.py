"""Inbound signals (`metrics.signal.*.v1` on `<prefix>.signals.inbound`) applied through the signal APIs' ingest.

A consumer's batch is ingested as the API ingests a request's: the signals of a type are collected while the batch's
events are handled and taken in with one call per type just before the commit, so a batch of incidents links and
counts them together. Ingest is idempotent per (source_system, external_id): a signal sent again unchanged changes
nothing, changed it replaces the stored one. A signal the ingest rejects fails its transaction; the consumer then
applies the batch's events one by one and dead-letters that one with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tandem_shared.consumer import Handler
from tandem_shared.contracts.metrics import InboundCsat, InboundIncident, InboundOutage
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_metrics.signals.schemas import BatchResult
from tandem_metrics.signals.service import ingest_csat, ingest_incidents, ingest_outages

Ingest = Callable[..., Awaitable[BatchResult]]
INGEST: dict[str, Ingest] = {
    InboundIncident.event_type: ingest_incidents,
    InboundOutage.event_type: ingest_outages,
    InboundCsat.event_type: ingest_csat,
}
_PENDING = "metrics.inbound_signals"  # uow.cache: (event type, actor) → rows, in the order the events came


class SignalRejected(ValueError):
    """The ingest refused an inbound signal (a rule the event schema does not express); the reason says why."""


async def on_signal(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Collect the signal for the ingest that runs once per type before the batch commits."""
    pending: dict[tuple[str, str], list[dict[str, Any]]] = uow.cache.setdefault(_PENDING, {})
    # The sender's actor when it names one, else the source system: the audit trail of a changed signal says who.
    actor = event.actor or f"inbound:{getattr(data, 'source_system', 'unknown')}"
    pending.setdefault((event.type, actor), []).append(data.model_dump(mode="json"))
    uow.before_commit(_PENDING, _ingest_pending)


async def _ingest_pending(uow: UnitOfWork) -> None:
    pending: dict[tuple[str, str], list[dict[str, Any]]] = uow.cache.pop(_PENDING, {})
    for (event_type, actor), rows in pending.items():
        result = await INGEST[event_type](uow, rows, actor=actor)
        rejected = [r for r in result.results if r.status == "rejected"]
        if rejected:
            raise SignalRejected(_reasons(rows, rejected))


def _reasons(rows: Sequence[dict[str, Any]], rejected: Sequence[Any]) -> str:
    return "; ".join(
        f"{rows[r.index].get('source_system')}/{rows[r.index].get('external_id')}: "
        + ", ".join(f"{e.field}: {e.message}" for e in r.errors) for r in rejected)


HANDLERS: dict[str, Handler] = dict.fromkeys(INGEST, on_signal)
