"""The supervisor's pure parts: restart back-off, what it says happened, and the outage log throttle."""

from __future__ import annotations

import logging

import pytest
from tandem_shared.log_throttle import RepeatFilter
from tandem_shared.supervisor import Backoff, Incidents, describe_exit


def test_restarts_back_off_doubling_up_to_the_cap() -> None:
    backoff = Backoff(first=1.0, cap=30.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(10_000) == 30  # no overflow however long it crash-loops


def test_the_back_off_is_configured_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_RESTART_DELAY_SECONDS", "5")
    monkeypatch.setenv("TANDEM_RESTART_DELAY_MAX_SECONDS", "12")
    assert [Backoff.from_environment().delay(n) for n in (1, 2, 3)] == [5, 10, 12]


def test_what_happened_is_told_in_words() -> None:
    assert describe_exit(-9) == "killed by SIGKILL" and describe_exit(3) == "exit code 3"
    once = Incidents(crashes=1, restarts=1, last_exit="killed by SIGKILL")
    assert once.describe("the capacity service") == (
        "the capacity service stopped unexpectedly once (last: killed by SIGKILL) and was restarted")
    broker = Incidents(crashes=2, restarts=1, last_exit="exit code 1", republished=12)
    assert broker.describe("the bundled broker") == ("the bundled broker stopped unexpectedly 2 times (last: exit code "
                                                     "1) and was restarted once, 12 retained events re-published")
    assert "not restarted before the stop" in Incidents(crashes=1, last_exit="exit code 1").describe("x")


def _record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_an_outage_logs_each_kind_of_client_error_once_then_a_summary(caplog: pytest.LogCaptureFixture) -> None:
    throttle = RepeatFilter(period=60.0)
    passed = [throttle.filter(_record("aiokafka", "Unable connect to node with id %s: %s", 1, f"refused {i}"))
              for i in range(300)]
    assert passed.count(True) == 1  # 300 attempts, one line
    assert throttle.filter(_record("aiokafka.consumer.fetcher", "Failed fetch messages from %s", 1))  # another kind
    relay = [throttle.filter(_record("tandem_shared.outbox", "%s relay: publishing failed, retrying in %.1fs: %s",
                                     "capacity", 0.2, "down", level=logging.WARNING)) for _ in range(10)]
    assert relay.count(True) == 1
    # Errors of our own (a parked row, a dead letter) and anything else always pass.
    assert all(throttle.filter(_record("tandem_shared.outbox", "parked %s", i)) for i in range(3))
    assert all(throttle.filter(_record("tandem_capacity.people", "same %s", i)) for i in range(3))

    for repeats in throttle._repeats.values():
        repeats.since -= 61  # the period ends
    with caplog.at_level(logging.WARNING, logger="tandem_shared.log_throttle"):
        throttle.flush()
    summaries = [r.getMessage() for r in caplog.records if r.name == "tandem_shared.log_throttle"]
    assert summaries == [
        "aiokafka: 299 more like this in the last 60 s (not shown): Unable connect to node with id 1: refused 299",
        "tandem_shared.outbox: 9 more like this in the last 60 s (not shown): capacity relay: publishing failed, "
        "retrying in 0.2s: down"]
    # After the period, the next one of a kind is shown again.
    assert throttle.filter(_record("aiokafka", "Unable connect to node with id %s: %s", 1, "refused"))
