"""Fixtures: the real development broker, and databases built by migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import tandem_shared.contracts  # noqa: F401 - registers every event type
from tandem_shared.broker import DevelopmentBroker

from tests import support
from tests.support import BACKENDS, DatabaseFactory, drop_databases


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevelopmentBroker]:
    """A Tansu broker for the whole run (memory storage, free port)."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with DevelopmentBroker(log_path=log) as running_broker:
        yield running_broker


@pytest.fixture(scope="session")
def _db_workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("databases")
    asyncio.run(drop_databases(DatabaseFactory.template_databases))


@pytest.fixture
async def databases(_db_workdir: Path) -> AsyncIterator[DatabaseFactory]:
    """Fresh migrated databases per test (`await databases.fresh(service, backend)`)."""
    factory = DatabaseFactory(_db_workdir)
    yield factory
    await factory.drop_all()


@pytest.fixture(autouse=True)
def _own_topics() -> Iterator[str]:
    """Topics of this test only: consumers starting at the earliest offset see no earlier test's events."""
    support.topic_prefix = f"t{uuid.uuid4().hex[:10]}"
    yield support.topic_prefix
    support.topic_prefix = "tandem"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each integration test runs on every configured backend (SQLite and PostgreSQL by default)."""
    return request.param


def pytest_report_header(config: pytest.Config) -> str:
    return f"tandem test backends: {', '.join(BACKENDS)} (TANDEM_TEST_DATABASES)"


os.environ.setdefault("TANDEM_ENVIRONMENT", "test")
# The suites plan in the 2050s to stay clear of today's date; the default horizon (10 years) would refuse that.
os.environ.setdefault("TANDEM_PLANNING_HORIZON_YEARS", "40")
