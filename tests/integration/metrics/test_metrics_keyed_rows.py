"""Projections kept as keyed Core rows (`tandem_shared.rows`), and a consumed batch's changes relinked once at commit,
on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from tandem_metrics.changes.models import ChangeFacts
from tandem_metrics.changes.repository import Changes
from tandem_metrics.people.models import BookingFacts
from tandem_metrics.people.repository import People
from tandem_metrics.signals.handlers import on_change_implemented
from tandem_metrics.signals.linking import RELINK
from tandem_shared.contracts.change import ChangeImplemented
from tandem_shared.events import build_envelope
from tandem_shared.uow import unit_of_work

from tests.integration.metrics.test_metrics_api import VIEWER
from tests.support import auth, create_app, running

FEEDER = auth("monitor", "service_owner")
OPENED = datetime(2026, 12, 2, 9, tzinfo=UTC)


async def _app(databases, backend, broker):  # noqa: ANN001, ANN202 - fixtures
    return create_app("metrics", database_url=await databases.fresh("metrics", backend), bootstrap=broker.bootstrap,
                      run_consumer=False)


async def test_keyed_rows_merge_per_key_are_read_back_before_the_commit_and_update_only_what_changed(
        databases, backend, broker):
    app = await _app(databases, backend, broker)
    first, second, change = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with running(app):
        maker = app.state.runtime.sessionmaker
        async with unit_of_work(maker, buffered=True) as uow:
            people = uow.repo(People)
            await people.put_booking(first, "Network")
            await people.put_booking(first, "Platform")  # the same key again: one row, the later value
            await people.put_booking(second, None)
            assert await people.booking_team(first) == (True, "Platform")
            # An ORM read in the same transaction sees the pending rows (written before its statement).
            rows = (await uow.session.execute(sa.select(BookingFacts.booking_id, BookingFacts.team))).all()
            assert sorted((str(r.booking_id), r.team or "") for r in rows) == sorted(
                [(str(first), "Platform"), (str(second), "")])
            await uow.repo(Changes).put(change, services=["svc-pay"])
        async with unit_of_work(maker, buffered=True) as uow:
            assert await uow.repo(People).booking_team(first) == (True, "Platform")  # read from the database
            assert await uow.repo(People).booking_team(uuid.uuid4()) == (False, None)
            # Loaded through the ORM first, then upserted: a later ORM read shows the upserted values.
            loaded = (await uow.repo(Changes).by_ids([change]))[change]
            assert (loaded.implemented_at, loaded.services) == (None, ["svc-pay"])
            await uow.repo(Changes).put(change, title="Patch", affected_cis=["db-1"], implemented_at=OPENED)
            again = (await uow.repo(Changes).by_ids([change]))[change]
            assert (again.title, again.affected_cis, again.services) == ("Patch", ["db-1"], ["svc-pay"])
        async with maker() as session:
            stored = (await session.execute(sa.select(ChangeFacts))).scalars().one()
            # The implementation's columns were set; the services an earlier event set were kept.
            assert (stored.title, stored.affected_cis, stored.services, stored.implemented_at) == (
                "Patch", ["db-1"], ["svc-pay"], OPENED)
            assert (await session.execute(sa.select(sa.func.count()).select_from(BookingFacts))).scalar() == 2


def _implemented(change_id: uuid.UUID, cis: list[str], end: datetime) -> ChangeImplemented:
    return ChangeImplemented(id=change_id, type="normal", outcome="failed", team="Platform", assignee_id=None,
                             risk="low", affected_cis=cis, project_id=None, actual_start=end - timedelta(hours=1),
                             actual_end=end, incidents_caused=[], completed_by="bob", state="review", title="Patch")


async def test_a_batch_of_implementations_relinks_incidents_once_before_its_commit(databases, backend, broker):
    app = await _app(databases, backend, broker)
    async with running(app) as client:
        maker = app.state.runtime.sessionmaker
        posted = await client.post("/metrics/v1/signals/incidents", headers=FEEDER, json={
            "source_system": "servicenow", "items": [
                {"external_id": f"INC-{ci}", "service_id": "svc-pay", "ci_id": ci, "priority": "P2",
                 "opened_at": OPENED.isoformat()} for ci in ("db-1", "db-2")]})
        first_incident, second_incident = (r["id"] for r in posted.json()["results"])
        first, second = uuid.uuid4(), uuid.uuid4()
        incident_reads: list[str] = []

        def count(_conn, _cursor, statement: str, *_args: object) -> None:  # noqa: ANN001 - SQLAlchemy's hook
            if "FROM metrics_incidents" in statement and statement.lstrip().upper().startswith("SELECT"):
                incident_reads.append(statement)

        async with unit_of_work(maker, buffered=True) as uow:
            bind = (await uow.session.connection()).sync_engine
            event.listen(bind, "before_cursor_execute", count)
            try:
                for change, ci, hours in ((first, "db-1", 5), (second, "db-2", 3)):
                    data = _implemented(change, [ci], OPENED - timedelta(hours=hours))
                    await on_change_implemented(uow, build_envelope(data, actor="change"), data)
                # Nothing relinked yet: both changes wait for the commit.
                assert set(uow.cache[RELINK]) == {first, second} and incident_reads == []
                await uow.finish()
                # One pass for both: the incidents opened near them, those naming them, and the locked reread.
                assert len(incident_reads) == 3, incident_reads
            finally:
                event.remove(bind, "before_cursor_execute", count)
        for incident, change in ((first_incident, first), (second_incident, second)):
            found = (await client.get(f"/metrics/v1/signals/incidents/{incident}", headers=VIEWER)).json()
            assert found["link"]["change_id"] == str(change)
