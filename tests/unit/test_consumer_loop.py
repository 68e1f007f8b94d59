"""The consumer's poll loop outlives a broker client that fails to close (aiokafka's stray CancelledError)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from aiokafka.errors import KafkaConnectionError
from tandem_shared import consumer as consumer_module
from tandem_shared.consumer import EventConsumer

from tests.support import eventually


class BrokerClient:
    """Stands for AIOKafkaConsumer: the first connection loses the broker, and every close raises as aiokafka's can.

    aiokafka's fetcher, closing, awaits the fetches it cancels; one waiting out its retry back-off after a broker
    error re-raises the cancellation from `stop()`.
    """

    made: ClassVar[list[BrokerClient]] = []

    def __init__(self, **_: Any) -> None:
        self.polls = 0
        self.stopped = False
        BrokerClient.made.append(self)

    async def start(self) -> None:
        """Connected."""

    def subscribe(self, topics: list[str], listener: Any) -> None:
        """Subscribed."""

    async def getmany(self, timeout_ms: int = 0, max_records: int | None = None) -> dict:
        """The first client's broker is gone; later ones answer with nothing new."""
        self.polls += 1
        if self is BrokerClient.made[0]:
            raise KafkaConnectionError("Connection at 127.0.0.1:9092 closed")
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    async def stop(self) -> None:
        """Closes, then raises the cancellation of one of its own fetches."""
        self.stopped = True
        raise asyncio.CancelledError


@pytest.fixture
def broker_client(monkeypatch: pytest.MonkeyPatch) -> type[BrokerClient]:
    async def no_topics(bootstrap: str, topics: list[str]) -> None:
        return None

    BrokerClient.made = []
    monkeypatch.setattr(consumer_module, "AIOKafkaConsumer", BrokerClient)
    monkeypatch.setattr(consumer_module, "ensure_topics", no_topics)
    return BrokerClient


def _consumer() -> EventConsumer:
    return EventConsumer(name="capacity", group_id="capacity", topics=["tandem.change"], handlers={},
                         sessionmaker=None, bootstrap="127.0.0.1:9092", producer=None)  # type: ignore[arg-type]


async def test_a_client_that_fails_to_close_is_replaced_and_the_loop_goes_on(broker_client):
    consumer = _consumer()
    consumer.start()
    try:
        await eventually(lambda: _polled_again(broker_client), timeout=5)
        assert broker_client.made[0].stopped
        assert consumer.state == "consuming"
    finally:
        await consumer.stop()
    assert consumer.state == "stopped"
    assert broker_client.made[-1].stopped


async def test_stopping_the_consumer_is_still_cancellable(broker_client):
    consumer = _consumer()
    consumer.start()
    await eventually(lambda: _polled_again(broker_client), timeout=5)
    stopping = asyncio.create_task(consumer.stop())
    await asyncio.sleep(0)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping


async def _polled_again(client: type[BrokerClient]) -> bool:
    return len(client.made) >= 2 and client.made[-1].polls >= 2
