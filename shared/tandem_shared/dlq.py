"""Dead letters: list and show what a consumer dead-lettered, and replay it through its handler exactly once.

A dead letter is known in two places: the dead-letter topic (`<prefix>.<consumer>.dlq`) holds the original message
and headers saying why, and the consumer's inbox holds a `dead_lettered` row keyed by the event, which makes every
later copy of the event a duplicate. A replay claims that row with a conditional update (`dead_lettered` to
`applied`) in the same transaction as the handler's writes, so two replays, or a replay and the consumer, apply
the event once between them. A message that was not a CloudEvent has no event id and no inbox row: it is listed,
never replayed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem_shared.consumer import DEAD_LETTERED, Handler
from tandem_shared.db import utcnow
from tandem_shared.events import CloudEvent, correlation_id_var, parse_data
from tandem_shared.tables import inbox
from tandem_shared.uow import unit_of_work

log = logging.getLogger(__name__)
READ_TIMEOUT = 15.0  # seconds to read a dead-letter topic to its end at most
UNDECODABLE_STATUS = "undecodable"
REPLAY_FAILED = "replay: "  # how a failed replay's reason starts on the inbox row
NOT_IN_INBOX = "not_in_inbox"  # e.g. replayed long ago and purged from the inbox since


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message, from the dead-letter topic, the inbox, or both."""

    consumer: str
    event_id: uuid.UUID | None
    source: str | None
    event_type: str | None
    status: str  # dead_lettered (replayable), applied (replayed since), undecodable, not_in_inbox
    kind: str | None = None  # the tandem-failure-kind header: deterministic or undecodable
    attempts: int | None = None
    error_type: str | None = None
    error: str | None = None
    dead_lettered_at: str | None = None
    original_topic: str | None = None
    original_partition: int | None = None
    original_offset: int | None = None
    dlq_partition: int | None = None
    dlq_offset: int | None = None
    last_replay_error: str | None = None  # why the latest replay failed, if one did
    headers: dict[str, str] = field(default_factory=dict)
    value: bytes | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The event id, or the dead-letter topic position of a message that has none."""
        return str(self.event_id) if self.event_id else f"dlq@{self.dlq_partition}/{self.dlq_offset}"

    @property
    def replayable(self) -> bool:
        """Whether `replay` may apply it: its inbox row still says dead_lettered."""
        return self.status == DEAD_LETTERED

    def to_json(self, *, with_message: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; `with_message` adds the original message (decoded when it is JSON)."""
        body: dict[str, Any] = {
            "id": self.id, "event_id": str(self.event_id) if self.event_id else None, "source": self.source,
            "type": self.event_type, "status": self.status, "replayable": self.replayable, "kind": self.kind,
            "attempts": self.attempts, "error_type": self.error_type, "error": self.error,
            "dead_lettered_at": self.dead_lettered_at, "last_replay_error": self.last_replay_error,
            "original": {"topic": self.original_topic, "partition": self.original_partition,
                         "offset": self.original_offset},
            "dlq": None if self.dlq_offset is None else {"partition": self.dlq_partition, "offset": self.dlq_offset},
        }
        if with_message:
            body["headers"] = self.headers
            body["message"] = _decoded(self.value)
        return body


@dataclass(frozen=True)
class ReplayOutcome:
    """What a replay did with one dead letter: applied, skipped, failed or not_replayable, and why."""

    letter: DeadLetter
    outcome: str
    detail: str = ""


async def read_dead_letter_topic(
        bootstrap: str, topic: str, *, timeout: float = READ_TIMEOUT,  # noqa: ASYNC109 - returns what came by then
) -> list[Any]:
    """Every record of the topic, from the beginning to its end, without joining a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                                client_id="tandem-dlq")
    await consumer.start()
    try:
        await consumer.topics()  # metadata for every topic: the dead-letter topic may be new to this client
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
            # The end offsets may lag behind the last records on the development broker: stop only once the
            # positions reached them and a fetch came back empty.
            if not batches and all([await consumer.position(tp) >= ends[tp] for tp in partitions]):
                break
        return records
    finally:
        await consumer.stop()


def _headers(record: Any) -> dict[str, str]:
    return {key: value.decode(errors="replace") for key, value in (record.headers or ())}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _decoded(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value.decode(errors="replace")


def _from_record(consumer: str, record: Any) -> DeadLetter:
    headers = _headers(record)
    try:
        event: CloudEvent | None = CloudEvent.from_bytes(record.value)
    except Exception:  # noqa: BLE001 - an undecodable dead letter is listed as such
        event = None
    return DeadLetter(
        consumer=consumer, event_id=event.id if event else None, source=event.source if event else None,
        event_type=event.type if event else None, status=NOT_IN_INBOX if event else UNDECODABLE_STATUS,
        kind=headers.get("tandem-failure-kind"), attempts=_int(headers.get("tandem-attempts")),
        error_type=headers.get("tandem-error-type"), error=headers.get("tandem-error"),
        dead_lettered_at=headers.get("tandem-dead-lettered-at"),
        original_topic=headers.get("tandem-original-topic"),
        original_partition=_int(headers.get("tandem-original-partition")),
        original_offset=_int(headers.get("tandem-original-offset")),
        dlq_partition=record.partition, dlq_offset=record.offset, headers=headers, value=record.value,
    )


async def _inbox_rows(maker: async_sessionmaker[AsyncSession], consumer: str,
                      event_ids: Iterable[uuid.UUID]) -> dict[tuple[str, uuid.UUID], Any]:
    """This consumer's dead-lettered inbox rows, and its rows of the given events whatever their status."""
    columns = (inbox.c.source, inbox.c.event_id, inbox.c.event_type, inbox.c.status, inbox.c.topic,
               inbox.c.partition, inbox.c.offset, inbox.c.error, inbox.c.received_at)
    rows: dict[tuple[str, uuid.UUID], Any] = {}
    async with maker() as session:
        query = sa.select(*columns).where(inbox.c.consumer == consumer, inbox.c.status == DEAD_LETTERED)
        for row in await session.execute(query):
            rows[(row.source, row.event_id)] = row
        ids = list(dict.fromkeys(event_ids))
        for start in range(0, len(ids), 500):
            query = sa.select(*columns).where(inbox.c.consumer == consumer,
                                              inbox.c.event_id.in_(ids[start:start + 500]))
            for row in await session.execute(query):
                rows[(row.source, row.event_id)] = row
    return rows


async def list_dead_letters(maker: async_sessionmaker[AsyncSession], consumer: str, *, bootstrap: str | None,
                            topic: str) -> list[DeadLetter]:
    """The consumer's dead letters: the dead-letter topic's records merged with its inbox, oldest first.

    An event dead-lettered more than once (e.g. by two replicas) is listed once, with its latest record. An inbox
    row whose record the topic no longer holds (a restarted development broker, an expired retention) is listed
    from the inbox alone. Without a broker only the inbox is read.
    """
    records = await read_dead_letter_topic(bootstrap, topic) if bootstrap else []
    letters: list[DeadLetter] = []
    latest: dict[tuple[str, uuid.UUID], DeadLetter] = {}
    for record in records:
        letter = _from_record(consumer, record)
        if letter.event_id is None:
            letters.append(letter)
        else:
            assert letter.source is not None
            key = (letter.source, letter.event_id)
            if key not in latest or (letter.dead_lettered_at or "") >= (latest[key].dead_lettered_at or ""):
                latest[key] = letter
    rows = await _inbox_rows(maker, consumer, [key[1] for key in latest])
    for key, row in rows.items():
        replay_error = row.error[len(REPLAY_FAILED):] if (row.error or "").startswith(REPLAY_FAILED) else None
        known = latest.get(key)
        if known is None:
            latest[key] = DeadLetter(
                consumer=consumer, event_id=row.event_id, source=row.source, event_type=row.event_type,
                status=row.status, error=None if replay_error else row.error,
                dead_lettered_at=row.received_at.isoformat(), original_topic=row.topic,
                original_partition=row.partition, original_offset=row.offset, last_replay_error=replay_error)
        else:
            latest[key] = replace(known, status=row.status, error=known.error or row.error,
                                  last_replay_error=replay_error)
    letters.extend(latest.values())
    return sorted(letters, key=lambda letter: letter.dead_lettered_at or "")


def find(letters: Iterable[DeadLetter], ids: Iterable[str]) -> tuple[list[DeadLetter], list[str]]:
    """The letters with these ids (an event id, or `dlq@P/O` of an undecodable message), and the ids not found."""
    by_id = {letter.id: letter for letter in letters}
    found, missing = [], []
    for wanted in ids:
        key = wanted.strip()
        try:
            key = str(uuid.UUID(key))
        except ValueError:
            pass
        if key in by_id:
            found.append(by_id[key])
        else:
            missing.append(wanted)
    return found, missing


async def _original_message(bootstrap: str | None, letter: DeadLetter) -> bytes | None:
    """The message at the letter's original position, if it is still there and is the same event."""
    if not bootstrap or letter.original_topic is None or letter.original_offset is None:
        return None
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="tandem-dlq")
    await consumer.start()
    try:
        tp = TopicPartition(letter.original_topic, letter.original_partition or 0)
        consumer.assign([tp])
        consumer.seek(tp, letter.original_offset)
        batches = await consumer.getmany(tp, timeout_ms=2000, max_records=1)
        for record in batches.get(tp, []):
            if str(letter.event_id).encode() in record.value:
                return bytes(record.value)
        return None
    finally:
        await consumer.stop()


async def replay(maker: async_sessionmaker[AsyncSession], handlers: Mapping[str, Handler],
                 letters: Iterable[DeadLetter], *, bootstrap: str | None = None) -> list[ReplayOutcome]:
    """Apply dead-lettered events through their handlers, each once, in the order they first arrived.

    Each runs in its own unit of work that first flips its inbox row from dead_lettered to applied; a row that no
    longer says dead_lettered (replayed already, or by a concurrent replay) is skipped. A handler that fails again
    rolls everything back, and the row keeps dead_lettered with the new error.
    """
    ordered = sorted(letters, key=lambda letter: (letter.original_topic or "", letter.original_partition or 0,
                                                  letter.original_offset or 0))
    return [await _replay_one(maker, handlers, letter, bootstrap) for letter in ordered]


async def _replay_one(maker: async_sessionmaker[AsyncSession], handlers: Mapping[str, Handler], letter: DeadLetter,
                      bootstrap: str | None) -> ReplayOutcome:
    if letter.event_id is None:
        return ReplayOutcome(letter, "not_replayable", "undecodable message: it has no event id to apply once")
    if letter.status != DEAD_LETTERED:
        return ReplayOutcome(letter, "skipped", f"not dead-lettered in the inbox (status {letter.status})")
    value = letter.value or await _original_message(bootstrap, letter)
    if value is None:
        return ReplayOutcome(letter, "not_replayable",
                             "the message is neither on the dead-letter topic nor at its original offset any more")
    try:
        event = CloudEvent.from_bytes(value)
        handler = handlers.get(event.type)
        data = parse_data(event) if handler is not None else None
    except Exception as exc:  # noqa: BLE001 - reported, the row stays dead-lettered
        await _note_failure(maker, letter, f"{REPLAY_FAILED}invalid event data: {exc}")
        return ReplayOutcome(letter, "failed", f"{type(exc).__name__}: {exc}")
    if handler is None or data is None:
        return ReplayOutcome(letter, "not_replayable", f"the consumer has no handler for {event.type}")
    token = correlation_id_var.set(event.correlationid)
    try:
        async with unit_of_work(maker) as uow:
            claimed = cast(CursorResult[Any], await uow.session.execute(
                sa.update(inbox)
                .where(inbox.c.consumer == letter.consumer, inbox.c.source == event.source,
                       inbox.c.event_id == event.id, inbox.c.status == DEAD_LETTERED)
                .values(status="applied", received_at=utcnow())
            ))
            if claimed.rowcount != 1:
                return ReplayOutcome(letter, "skipped", "no longer dead-lettered (replayed already)")
            await handler(uow, event, data)
    except Exception as exc:  # noqa: BLE001 - the cause is not fixed yet: reported, the row stays dead-lettered
        error = f"{type(exc).__name__}: {exc}"
        log.warning("%s: replay of %s failed: %s", letter.consumer, event.id, error)
        await _note_failure(maker, letter, f"{REPLAY_FAILED}{error}")
        return ReplayOutcome(letter, "failed", error)
    finally:
        correlation_id_var.reset(token)
    log.info("%s: replayed dead letter %s (%s)", letter.consumer, event.id, event.type)
    return ReplayOutcome(letter, "applied")


async def _note_failure(maker: async_sessionmaker[AsyncSession], letter: DeadLetter, error: str) -> None:
    """Keep the latest reason on the dead-lettered inbox row (what `show` prints next to the original error)."""
    try:
        async with maker() as session, session.begin():
            await session.execute(
                sa.update(inbox)
                .where(inbox.c.consumer == letter.consumer, inbox.c.source == letter.source,
                       inbox.c.event_id == letter.event_id, inbox.c.status == DEAD_LETTERED)
                .values(error=error[:4000])
            )
    except Exception as exc:  # noqa: BLE001 - the replay's outcome is reported anyway
        log.warning("%s: could not record the replay failure of %s: %s", letter.consumer, letter.event_id, exc)


def describe(letter: DeadLetter) -> str:
    """Several lines about one dead letter, for `tandem dlq show`."""
    lines = [
        f"id:               {letter.id}",
        f"type:             {letter.event_type or '-'}",
        f"source:           {letter.source or '-'}",
        f"status:           {letter.status}" + ("  (replayable)" if letter.replayable else ""),
        f"failure kind:     {letter.kind or '-'}",
        f"attempts:         {letter.attempts if letter.attempts is not None else '-'}",
        f"error type:       {letter.error_type or '-'}",
        f"error:            {letter.error or '-'}",
        f"dead-lettered at: {letter.dead_lettered_at or '-'}",
        f"last replay:      {'failed: ' + letter.last_replay_error if letter.last_replay_error else '-'}",
        f"original:         {letter.original_topic}[{letter.original_partition}]@{letter.original_offset}",
        "dead-letter topic: " + (f"partition {letter.dlq_partition}, offset {letter.dlq_offset}"
                                 if letter.dlq_offset is not None else "not on it (listed from the inbox)"),
    ]
    if letter.headers:
        lines.append("headers:")
        lines.extend(f"  {key}: {value}" for key, value in letter.headers.items())
    if letter.value is not None:
        message = _decoded(letter.value)
        lines.append("message:")
        lines.append(json.dumps(message, indent=2, default=str) if not isinstance(message, str) else message)
    return "\n".join(lines)


def table(letters: list[DeadLetter]) -> str:
    """One line per dead letter, for `tandem dlq list`."""
    if not letters:
        return "no dead letters"
    rows = [("ID", "STATUS", "KIND", "ATTEMPTS", "ERROR TYPE", "DEAD-LETTERED AT", "TYPE", "ERROR")]
    for letter in letters:
        rows.append((letter.id, letter.status, letter.kind or "-",
                     str(letter.attempts) if letter.attempts is not None else "-", letter.error_type or "-",
                     _short_time(letter.dead_lettered_at), letter.event_type or "-", (letter.error or "-")[:80]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
                     for row in rows)


def _short_time(value: str | None) -> str:
    if not value:
        return "-"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value
