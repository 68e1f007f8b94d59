"""Where a rebuild reads the retained events: the topics from the beginning, or the producers' outboxes."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from tandem_shared.db import make_engine
from tandem_shared.tables import outbox

FETCH_TIMEOUT_MS = 100
# Fetches after the end offsets were reached: the development broker sometimes reports an end offset short of its
# last batch, which these pick up. Bounded, so a topic written to without pause is still read to an end.
EXTRA_FETCHES = 2
STALLED_FETCHES = 100  # empty fetches in a row, short of the end offsets, before giving up (10 s)
OUTBOX_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Message:
    """One retained message: where it is (an outbox row has partition -1 and its seq as offset) and its bytes."""

    topic: str
    partition: int
    offset: int
    value: bytes


class EventSource(Protocol):
    """Retained messages in batches: everything at first, then what came since (`more`)."""

    async def total(self) -> int:
        """How many messages are retained (for the progress bar; a close estimate is enough)."""

    def read(self) -> AsyncIterator[list[Message]]:
        """Every retained message from the beginning, in batches, to the current end."""

    def more(self, after: dict[tuple[str, int], int] | None = None) -> AsyncIterator[list[Message]]:
        """What arrived since the last read, to the end; `after` (topic, partition) → offset reads at least past it."""

    async def close(self) -> None:
        """Release connections."""


class TopicSource:
    """Every retained message of the topics, read from the beginning without a consumer group (nothing committed).

    Reads each partition to its end offset when the read starts (or past an offset given), then fetches twice more,
    and gives the records out in the order they were published across partitions (`_Merge`).
    """

    def __init__(self, bootstrap: str, topics: Sequence[str], *, max_records: int = 5_000) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.max_records = max_records
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def _start(self) -> AIOKafkaConsumer:
        if self._consumer is not None:
            return self._consumer
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
            max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024,
            fetch_max_wait_ms=FETCH_TIMEOUT_MS, client_id="tandem-metrics-rebuild",
        )
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()  # topics the client has not seen yet
            partitions = [TopicPartition(topic, p) for topic in self.topics
                          for p in sorted(consumer.partitions_for_topic(topic) or ())]
            consumer.assign(partitions)
            if partitions:
                await consumer.seek_to_beginning(*partitions)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer, self._partitions = consumer, partitions
        return consumer

    async def total(self) -> int:
        consumer = await self._start()
        if not self._partitions:
            return 0
        ends = await consumer.end_offsets(self._partitions)
        begins = await consumer.beginning_offsets(self._partitions)
        return sum(ends[tp] - begins[tp] for tp in self._partitions)

    async def read(self) -> AsyncIterator[list[Message]]:
        async for batch in self.more():
            yield batch

    async def more(self, after: dict[tuple[str, int], int] | None = None) -> AsyncIterator[list[Message]]:
        consumer = await self._start()
        if not self._partitions:
            return
        ends = await consumer.end_offsets(self._partitions)
        for (topic, partition), offset in (after or {}).items():
            tp = TopicPartition(topic, partition)
            if tp in ends:
                ends[tp] = max(ends[tp], offset + 1)
        merge = _Merge(self._partitions)
        extra = 0  # fetches after every partition reached its end offset
        stalled = 0
        while True:
            behind = {tp for tp in self._partitions if await consumer.position(tp) < ends[tp]}
            if not behind:
                if extra >= EXTRA_FETCHES:
                    break
                extra += 1
            fetched = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS, max_records=self.max_records)
            if fetched:
                stalled = 0
                for tp, records in fetched.items():
                    merge.add(tp, records)
            elif behind:
                stalled += 1
                if stalled > STALLED_FETCHES:
                    raise RuntimeError(f"partitions {sorted(map(str, behind))} stay short of their end offsets")
            behind = {tp for tp in behind if await consumer.position(tp) < ends[tp]}
            if ready := merge.take(waiting_for=behind):
                yield ready
        if rest := merge.take(waiting_for=set()):
            yield rest

    async def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()


class _Merge:
    """Fetched records of many partitions, given out in the order of their timestamps (the producers' send times).

    The live consumer applied events about as they were published; reading partition after partition instead
    would apply, say, a booking before the person it books when the two sit in different partitions. A record is
    given out only when no partition still being read could hold an earlier one.
    """

    def __init__(self, partitions: Sequence[TopicPartition]) -> None:
        self.order = {tp: i for i, tp in enumerate(partitions)}
        self.buffers: dict[TopicPartition, deque[Any]] = {tp: deque() for tp in partitions}
        self.heads: list[tuple[int, int, TopicPartition]] = []  # (timestamp, partition order, tp) of non-empty

    def add(self, tp: TopicPartition, records: Sequence[Any]) -> None:
        buffer = self.buffers[tp]
        if not buffer and records:
            heapq.heappush(self.heads, (records[0].timestamp, self.order[tp], tp))
        buffer.extend(records)

    def take(self, *, waiting_for: set[TopicPartition]) -> list[Message]:
        """What can be given out in order now: everything, unless a partition in `waiting_for` has nothing buffered."""
        out: list[Message] = []
        heads, buffers = self.heads, self.buffers
        while heads and not any(not buffers[tp] for tp in waiting_for):
            _, order, tp = heapq.heappop(heads)
            buffer = buffers[tp]
            record = buffer.popleft()
            out.append(Message(tp.topic, tp.partition, record.offset, record.value))
            if buffer:
                heapq.heappush(heads, (buffer[0].timestamp, order, tp))
        return out


class OutboxSource:
    """The events the producers' outboxes retain, by sequence, read straight from their databases.

    Only what the outboxes still retain (`OUTBOX_RETENTION_HOURS`): complete when retention covers the whole history.
    Each database's rows come in `seq` order, so one entity's events keep their order as on the topic.
    """

    def __init__(self, database_urls: Sequence[str], topics: Collection[str], event_types: Collection[str]) -> None:
        self.urls = list(database_urls)
        self.topics = sorted(topics)
        self.event_types = sorted(event_types)
        self._engines = [make_engine(url, read_only=True) for url in self.urls]
        self._seen: dict[int, int] = {}  # database index → last seq read

    def _query(self, after: int) -> sa.Select[tuple[int, str, str]]:
        return (sa.select(outbox.c.seq, outbox.c.topic, sa.cast(outbox.c.payload, sa.Text))
                .where(outbox.c.seq > after, outbox.c.topic.in_(self.topics),
                       outbox.c.event_type.in_(self.event_types))
                .order_by(outbox.c.seq).limit(OUTBOX_CHUNK))

    async def total(self) -> int:
        count = 0
        for engine in self._engines:
            async with engine.connect() as connection:
                count += (await connection.execute(sa.select(sa.func.count()).select_from(outbox).where(
                    outbox.c.topic.in_(self.topics), outbox.c.event_type.in_(self.event_types)))).scalar_one()
        return count

    async def read(self) -> AsyncIterator[list[Message]]:
        async for batch in self.more():
            yield batch

    async def more(self, after: dict[tuple[str, int], int] | None = None) -> AsyncIterator[list[Message]]:
        for index, engine in enumerate(self._engines):
            while True:
                async with engine.connect() as connection:
                    rows = (await connection.execute(self._query(self._seen.get(index, 0)))).all()
                if not rows:
                    break
                self._seen[index] = rows[-1].seq
                yield [Message(row.topic, -1, row.seq, row.payload.encode()) for row in rows]

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()
