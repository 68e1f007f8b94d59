"""The relay's retry rules without I/O: back-off arithmetic, which failures park a row, the settings, the CLI's
checks."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    TopicAuthorizationFailedError,
)
from tandem_shared.cli import main
from tandem_shared.outbox import is_transient, retry_delay
from tandem_shared.settings import service_settings


def test_the_wait_doubles_from_the_base_up_to_the_cap() -> None:
    assert [retry_delay(n, base=0.2, cap=5) for n in range(1, 8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5]
    assert retry_delay(0, base=0.2, cap=5) == 0.2  # never less than the base
    assert retry_delay(100_000, base=0.2, cap=60) == 60  # no overflow however often a row failed


@pytest.mark.parametrize("error", [KafkaConnectionError(), KafkaTimeoutError(), NotLeaderForPartitionError(),
                                   ConnectionResetError(), TimeoutError(), asyncio.CancelledError()])
def test_the_broker_being_away_is_retried_without_ever_parking(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", [MessageSizeTooLargeError(), TopicAuthorizationFailedError(), ValueError("bad")])
def test_a_refusal_of_the_record_counts_towards_parking(error: BaseException) -> None:
    assert not is_transient(error)


def test_relay_settings_have_defaults_and_read_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = service_settings("change")
    assert (defaults.relay_max_attempts, defaults.relay_retry_max_seconds, defaults.relay_lease_seconds) == (10, 10, 5)
    monkeypatch.setenv("TANDEM_CHANGE_RELAY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("TANDEM_CHANGE_RELAY_LEASE_SECONDS", "0.5")
    with pytest.raises(ValueError, match="relay_lease_seconds"):
        service_settings("change")
    monkeypatch.setenv("TANDEM_CHANGE_RELAY_LEASE_SECONDS", "2")
    assert service_settings("change").relay_max_attempts == 3


def test_unpark_needs_a_row_or_all() -> None:
    with pytest.raises(SystemExit):
        main(["outbox", "unpark", "change"])
    with pytest.raises(SystemExit):
        main(["outbox", "unpark", "change", "--seq", "1", "--all"])
    with pytest.raises(SystemExit):
        main(["outbox", "parked", "billing"])
