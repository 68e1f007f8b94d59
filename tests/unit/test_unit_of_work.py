"""The unit of work's own rules: before-commit work runs once per key, signals wait for the commit."""

from __future__ import annotations

import uuid

from tandem_shared.contracts.portfolio import ProjectCreated
from tandem_shared.uow import OUTBOX_SIGNAL

from tests.unit.fakes import FakeUnitOfWork


async def test_before_commit_work_runs_once_per_key_and_may_register_more() -> None:
    uow = FakeUnitOfWork()
    calls: list[str] = []

    async def second(_uow: FakeUnitOfWork) -> None:
        calls.append("second")

    async def first(inner: FakeUnitOfWork) -> None:
        calls.append("first")
        inner.before_commit("second", second)

    for _ in range(3):
        uow.before_commit("first", first)
    assert uow.has_before_commit("first")
    await uow.commit()
    assert calls == ["first", "second"]
    assert uow.committed and not uow.has_before_commit("first")


async def test_recording_an_event_keeps_it_and_raises_the_outbox_signal() -> None:
    uow = FakeUnitOfWork()
    project = uuid.uuid4()
    envelope = await uow.record(ProjectCreated(id=project, name="Data platform", category="grow", stage="proposed",
                                               sponsor=None, start_date=None, go_live_date=None, created_by="pia"),
                                actor="pia")
    await uow.audit(actor="pia", action="create", entity_type="project", entity_id=project)
    assert uow.events == [envelope] and envelope.subject == str(project)
    assert OUTBOX_SIGNAL in uow.signals
    assert [(a["action"], a["entity_id"]) for a in uow.audits] == [("create", str(project))]
