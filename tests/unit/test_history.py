"""Who changed what: the field-level difference an audit row keeps, and a /history route for every edited aggregate."""

from __future__ import annotations

import enum
import importlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.routing import APIRoute
from tandem_shared.history import changes, json_value, snapshot
from tandem_shared.repository import AuditEntry

from tests.unit.fakes import FakeUnitOfWork

SERVICES = ("portfolio", "capacity", "change", "knowledge", "metrics")


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


def test_changes_lists_only_the_fields_that_differ_with_json_values() -> None:
    ident, other = uuid.uuid4(), uuid.uuid4()
    before = {"title": "Move DB", "owner_id": ident, "budget": Decimal("10.50"), "due": date(2030, 1, 2),
              "colour": Colour.RED, "tags": ["a"]}
    after = {"title": "Move DB", "owner_id": other, "budget": Decimal("10.50"), "due": date(2030, 1, 3),
             "colour": Colour.GREEN, "tags": ["a", "b"]}

    assert changes(before, after) == [
        {"field": "owner_id", "old": str(ident), "new": str(other)},
        {"field": "due", "old": "2030-01-02", "new": "2030-01-03"},
        {"field": "colour", "old": "red", "new": "green"},
        {"field": "tags", "old": ["a"], "new": ["a", "b"]},
    ]


def test_a_field_on_one_side_only_reads_as_null_on_the_other() -> None:
    at = datetime(2030, 5, 1, 12, tzinfo=UTC)

    assert changes({}, {"name": "Ops", "at": at}) == [
        {"field": "name", "old": None, "new": "Ops"}, {"field": "at", "old": None, "new": "2030-05-01T12:00:00+00:00"}]
    assert changes({"gone": 1}, {}) == [{"field": "gone", "old": 1, "new": None}]
    assert changes({"same": Decimal("1.0")}, {"same": Decimal("1.0")}) == []


def test_json_value_turns_what_entities_hold_into_json() -> None:
    assert json_value({"when": date(2030, 1, 1), "ids": {uuid.UUID(int=2), uuid.UUID(int=1)}}) == {
        "when": "2030-01-01", "ids": [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]}
    assert json_value((1, "x", None, True)) == [1, "x", None, True]


def test_snapshot_reads_the_named_fields_of_an_entity() -> None:
    class Entity:
        name = "db-01"
        criticality = 2
        owner = uuid.UUID(int=7)

    assert snapshot(Entity(), ["name", "owner"]) == {"name": "db-01", "owner": str(uuid.UUID(int=7))}


async def test_an_audit_row_keeps_the_changes_in_its_detail_beside_what_it_had() -> None:
    uow = FakeUnitOfWork()

    await uow.audit(actor="ana", action="update", entity_type="change", entity_id=uuid.UUID(int=1),
                    detail={"fields": ["title"]}, changes=changes({"title": "a"}, {"title": "b"}))
    await uow.audit(actor="ana", action="submit", entity_type="change", entity_id=uuid.UUID(int=1),
                    from_state="new", to_state="assess")

    assert uow.audits[0]["detail"] == {"fields": ["title"], "changes": [{"field": "title", "old": "a", "new": "b"}]}
    assert uow.audits[1]["detail"] is None


def test_an_entry_reads_changes_recorded_either_way() -> None:
    row = {"at": datetime(2030, 1, 1, tzinfo=UTC), "actor": "pat", "action": "set_target", "from_state": None,
           "to_state": None, "correlation_id": "c-1"}
    listed = AuditEntry.of(row | {"detail": {"changes": [{"field": "green", "old": None, "new": 3.9}]}})
    paired = AuditEntry.of(row | {"detail": {"changes": {"green": {"before": None, "after": 3.9}}}})
    bare = AuditEntry.of(row | {"detail": {"changes": {"green": 3.9}}})  # an older row: new values only

    assert [c.model_dump() for c in listed.changes] == [{"field": "green", "old": None, "new": 3.9}]
    assert paired.changes == listed.changes
    assert bare.changes == [] and bare.detail == {"changes": {"green": 3.9}}


def _routes(service: str) -> list[APIRoute]:
    spec = importlib.import_module(f"tandem_{service}.main").SPEC
    return [route for router in spec.routers for route in router.routes if isinstance(route, APIRoute)]


# Entities only created and deleted (never edited): once deleted there is nothing to read a history of; the audit
# row of the deletion stays in audit_log.
CREATED_AND_DELETED = {"/holidays/{holiday_id}", "/relationships/{relationship_id}", "/maintenance-windows/{window_id}"}


def _history_of(path: str, histories: set[str]) -> str | None:
    """The /history that shows a write to `path`: its own, else that of the nearest enclosing `/{id}` resource."""
    parts = path.split("/")
    for end in range(len(parts), 1, -1):
        candidate = "/".join(parts[:end])
        if (end == len(parts) or parts[end - 1].startswith("{")) and candidate + "/history" in histories:
            return candidate + "/history"
    return None


@pytest.mark.parametrize("service", SERVICES)
def test_every_written_aggregate_has_a_history(service: str) -> None:
    routes = _routes(service)
    histories = {r.path for r in routes if "GET" in r.methods and r.path.endswith("/history")}
    edits = sorted({r.path for r in routes if r.methods & {"PATCH", "PUT"}})
    # Every other write to an existing entity: an action (POST .../{id}/verb) or a deletion.
    acted_on = sorted({r.path for r in routes if r.methods & {"POST", "DELETE"} and "{" in r.path}
                      - CREATED_AND_DELETED)

    assert edits, f"{service} has no PATCH or PUT routes: the test reads the wrong routers"
    missing = [path for path in edits + acted_on if _history_of(path, histories) is None]
    assert missing == [], f"{service}: no /history for {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_history_is_a_page_of_entries(service: str) -> None:
    histories = [r for r in _routes(service) if "GET" in r.methods and r.path.endswith("/history")]

    assert histories
    for route in histories:
        assert route.response_model.__name__ == "AuditPage", route.path
        assert {"limit", "cursor"} <= {p.alias for p in route.dependant.query_params} | {
            p.alias for d in route.dependant.dependencies for p in d.query_params}, route.path
