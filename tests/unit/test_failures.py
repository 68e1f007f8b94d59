"""How the consumer classifies a failure: transient (retry until it works) or deterministic (dead-letter)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from aiokafka.errors import (
    CommitFailedError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NotLeaderForPartitionError,
    RecordTooLargeError,
    RequestTimedOutError,
    UnknownTopicOrPartitionError,
)
from pydantic import BaseModel, ValidationError
from sqlalchemy import exc as sa_exc
from tandem_shared.failures import DETERMINISTIC, TRANSIENT, classify


class NotFound(LookupError):
    """Stands for a handler's domain error: something the event names is missing."""


class Data(BaseModel):
    hours: float


def _wrapped(error: BaseException, cls: type[sa_exc.DBAPIError] = sa_exc.DBAPIError, *,
             invalidated: bool = False) -> sa_exc.DBAPIError:
    """An error as SQLAlchemy raises it: the driver's error in `orig` and as the cause."""
    wrapper = cls("SELECT 1", {}, error, connection_invalidated=invalidated)
    wrapper.__cause__ = error
    return wrapper


def _validation_error() -> ValidationError:
    try:
        Data.model_validate({"hours": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("validated")


@pytest.mark.parametrize("error", [
    _wrapped(sqlite3.OperationalError("database is locked"), sa_exc.OperationalError),
    _wrapped(Exception("server closed the connection"), sa_exc.InterfaceError),
    _wrapped(Exception("connection was closed in the middle of operation"), invalidated=True),
    _wrapped(asyncpg.exceptions.SerializationError("could not serialize access")),
    _wrapped(asyncpg.exceptions.DeadlockDetectedError("deadlock detected")),
    _wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")),
    _wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")),
    _wrapped(asyncpg.exceptions.CannotConnectNowError("the database system is starting up")),
    _wrapped(asyncpg.exceptions.TooManyConnectionsError("too many clients")),
    asyncpg.exceptions.PostgresConnectionError("connection failure"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    asyncpg.exceptions.SerializationError("could not serialize access"),
    asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(104, "Connection reset by peer"),
    OSError(113, "No route to host"),
    TimeoutError(),
    TimeoutError("timed out"),
    KafkaConnectionError("broker down"),
    KafkaTimeoutError("no answer"),
    RequestTimedOutError(),
    NotLeaderForPartitionError(),
    UnknownTopicOrPartitionError(),
], ids=lambda error: type(error).__name__)
def test_unavailable_databases_and_brokers_are_transient(error: BaseException) -> None:
    assert classify(error) == TRANSIENT


def test_a_transient_error_deep_in_the_cause_chain_is_found() -> None:
    reset = ConnectionResetError(104, "Connection reset by peer")
    closed = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    closed.__cause__ = reset
    outer = RuntimeError("applying the batch failed")
    outer.__cause__ = _wrapped(Exception("adapter error"))
    outer.__cause__.__cause__ = closed
    assert classify(outer) == TRANSIENT


@pytest.mark.parametrize("error", [
    NotFound("change 1 names project 2, unknown here"),
    _validation_error(),
    _wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key"), sa_exc.IntegrityError),
    _wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"), sa_exc.IntegrityError),
    _wrapped(asyncpg.exceptions.UndefinedColumnError("column x does not exist"), sa_exc.ProgrammingError),
    _wrapped(asyncpg.exceptions.NumericValueOutOfRangeError("value out of range")),
    ValueError("bad"),
    KeyError("missing"),
    ZeroDivisionError(),
    FileNotFoundError(2, "No such file"),
    PermissionError(13, "Permission denied"),
    RecordTooLargeError(),
    CommitFailedError(),
], ids=lambda error: type(error).__name__)
def test_domain_and_data_errors_are_deterministic(error: BaseException) -> None:
    assert classify(error) == DETERMINISTIC


def test_an_error_whose_cause_is_deterministic_stays_deterministic() -> None:
    # Only causes count: an error raised while handling a timeout is not transient for that reason.
    try:
        try:
            raise TimeoutError("lookup timed out")
        except TimeoutError:
            raise NotFound("project unknown") from None
    except NotFound as exc:
        assert exc.__context__ is not None
        assert classify(exc) == DETERMINISTIC


def test_a_cycle_in_the_cause_chain_ends() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert classify(first) == DETERMINISTIC
