"""Who changed what: the field-level difference an audit row records (`uow.audit(..., changes=...)`).

A use case snapshots the fields it may write before it mutates an entity and passes
`changes(before, snapshot(entity, fields))` to its audit row: a list of `{"field", "old", "new"}` with JSON values,
only the fields whose value differs, in field order. The row's `detail.changes` holds that list, and every
aggregate's `/history` shows it (see `tandem_shared.repository.AuditEntry`).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel


def json_value(value: Any) -> Any:
    """`value` as JSON: ids, dates and decimals as strings, enums as their values, models and rows as objects."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    mapper = sa.inspect(value, raiseerr=False)
    if mapper is not None and hasattr(mapper, "mapper"):  # an ORM entity inside a collection (e.g. a person's skills)
        return {c.key: json_value(getattr(value, c.key)) for c in mapper.mapper.column_attrs
                if c.key not in ("id", "version", "created_at", "updated_at") and not c.key.endswith("_id")}
    return str(value)


def snapshot(entity: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON values of an entity's fields now (all its columns when `fields` is None), to diff after a write."""
    if fields is None:
        fields = [c.key for c in sa.inspect(type(entity)).column_attrs]
    return {f: json_value(getattr(entity, f)) for f in fields}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields whose value differs between two snapshots, as `{"field", "old", "new"}` with JSON values.

    A field missing on one side reads as null there (creation: every field of `after` set to a value).
    """
    out = []
    for field in list(before) + [f for f in after if f not in before]:
        old, new = json_value(before.get(field)), json_value(after.get(field))
        if old != new:
            out.append({"field": field, "old": old, "new": new})
    return out
