"""Fakes for unit tests of use cases: a unit of work without a database, and in-memory repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from tandem_shared.events import CloudEvent, EventData, build_envelope
from tandem_shared.tables import audit_log
from tandem_shared.uow import OUTBOX_SIGNAL, UnitOfWork

R = TypeVar("R")


class FakeUnitOfWork(UnitOfWork):
    """Records events, audit rows and inserted rows in lists; repositories are the fakes it was given.

    `commit()` runs the before-commit work as the real unit does; nothing touches a database.
    """

    def __init__(self, repositories: dict[type, Any] | None = None) -> None:  # no super(): there is no session
        self.session = None  # type: ignore[assignment]
        self.topic_prefix = "tandem"
        self.events: list[CloudEvent] = []
        self.signals: set[str] = set()
        self.cache: dict[str, Any] = {}
        self._before_commit = {}
        self._buffer = None
        self._upserts = {}
        self._connection = None
        self._repositories = dict(repositories or {})
        self.audits: list[dict[str, Any]] = []
        self.rows: list[tuple[str, dict[str, Any]]] = []
        self.committed = False

    def repo(self, cls: Callable[..., R]) -> R:
        """The fake registered for this repository class (a missing one is a test bug: KeyError names it)."""
        return self._repositories[cls]  # type: ignore[no-any-return]

    async def record(self, data: EventData, *, actor: str | None) -> CloudEvent:
        envelope = build_envelope(data, actor=actor)
        self.events.append(envelope)
        self.signals.add(OUTBOX_SIGNAL)
        return envelope

    async def insert(self, table: sa.Table, row: dict[str, Any]) -> None:
        if table is audit_log:
            self.audits.append(row)
        else:
            self.rows.append((table.name, row))

    async def connection(self) -> AsyncConnection:
        raise AssertionError("a use case under a unit test must not need a database connection")

    async def commit(self) -> None:
        """What `unit_of_work` does at the end: before-commit work, then the commit (here: a flag)."""
        await self.finish()
        self.committed = True

    def event_types(self) -> list[str]:
        """The types of the events recorded, in order."""
        return [event.type for event in self.events]
