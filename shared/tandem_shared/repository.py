"""Query helpers repositories share: keyset pagination and audit rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_shared.api import Page, PageParams, encode_cursor
from tandem_shared.errors import NotFound, ValidationProblem
from tandem_shared.tables import audit_log
from tandem_shared.uow import UnitOfWork

M = TypeVar("M")


def _coerce(column: Any, value: Any) -> Any:
    """Turn a cursor value back into the column's Python type."""
    column_type = column.type.impl if isinstance(column.type, sa.types.TypeDecorator) else column.type
    try:
        if isinstance(column_type, sa.DateTime):
            return datetime.fromisoformat(value)
        if isinstance(column_type, sa.Uuid):
            return uuid.UUID(str(value))
        if isinstance(column_type, (sa.Integer, sa.Numeric, sa.Float)):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc
    return value


# (id of the prebuilt statement, descending) -> (that statement, kept so its id is not reused; the ordered query)
_FIRST_PAGES: dict[tuple[int, bool], tuple[sa.Select[Any], sa.Select[Any]]] = {}


def _order(sort: Any, tiebreak: Any, descending: bool) -> tuple[Any, Any]:
    return (sort.desc(), tiebreak.desc()) if descending else (sort.asc(), tiebreak.asc())


def _first_page_query(stmt: sa.Select[Any], sort: Any, tiebreak: Any, descending: bool) -> sa.Select[Any]:
    """`stmt` ordered, with the limit as a parameter: built once for a prebuilt statement (see `keyset_page`)."""
    key = (id(stmt), descending)
    cached = _FIRST_PAGES.get(key)
    if cached is None or cached[0] is not stmt:
        ordered = stmt.order_by(*_order(sort, tiebreak, descending))
        cached = (stmt, ordered.limit(sa.bindparam("page_limit", type_=sa.Integer)))
        _FIRST_PAGES[key] = cached
    return cached[1]


async def keyset_page(
    session: AsyncSession, stmt: sa.Select[Any], *, sort: Any, tiebreak: Any, descending: bool, page: PageParams,
    params: dict[str, Any] | None = None,
) -> tuple[Sequence[Any], str | None]:
    """Run `stmt` ordered by (sort, tiebreak) after the cursor; return the rows and the next cursor.

    With `params`, `stmt` is a statement built once (module level) with those bound parameters: its ordered first
    page is built once too and kept by the statement's identity, so a list polled often runs without building
    anything (building its query cost more than running it). Never pass `params` with a statement built per call.
    """
    if page.cursor is not None:
        if len(page.cursor) != 2:
            raise ValidationProblem.field("cursor", "not a cursor returned by this list")
        key = sa.tuple_(sort, tiebreak)
        bound = sa.tuple_(
            sa.literal(_coerce(sort, page.cursor[0]), sort.type),
            sa.literal(_coerce(tiebreak, page.cursor[1]), tiebreak.type),
        )
        query = stmt.where(key < bound if descending else key > bound)
        result = await session.execute(query.order_by(*_order(sort, tiebreak, descending)).limit(page.limit + 1),
                                       params or {})
    elif params is not None:
        result = await session.execute(_first_page_query(stmt, sort, tiebreak, descending),
                                       {**params, "page_limit": page.limit + 1})
    else:
        result = await session.execute(stmt.order_by(*_order(sort, tiebreak, descending)).limit(page.limit + 1))
    rows = result.scalars().all()
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last = rows[-1]
    values = (getattr(last, sort.key), getattr(last, tiebreak.key))
    return rows, encode_cursor(tuple(v.isoformat() if isinstance(v, datetime) else str(v) for v in values))


async def record_audit(
    session: AsyncSession, *, actor: str, action: str, entity_type: str, entity_id: Any,
    from_state: str | None = None, to_state: str | None = None, detail: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """Write who did what in the session's unit of work (see `UnitOfWork.audit`)."""
    await UnitOfWork.of(session).audit(actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                                       from_state=from_state, to_state=to_state, detail=detail, changes=changes)


class FieldChange(BaseModel):
    """One field a write changed: its value before and after (JSON values; null when unset)."""

    field: str
    old: Any = None
    new: Any = None


def _field_changes(detail: dict[str, Any] | None) -> list[FieldChange]:
    """The detail's field-level difference: a list of {field, old, new}, or the older {field: {before, after}}."""
    recorded = (detail or {}).get("changes")
    if isinstance(recorded, list):
        return [FieldChange.model_validate(c) for c in recorded if isinstance(c, dict) and "field" in c]
    if isinstance(recorded, dict) and all(isinstance(v, dict) and {"before", "after"} <= v.keys()
                                          for v in recorded.values()):
        return [FieldChange(field=f, old=v["before"], new=v["after"]) for f, v in recorded.items()]
    return []


class AuditEntry(BaseModel):
    """Who did what to an entity, when (and with which request or event), and which fields it changed."""

    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any] | None
    correlation_id: str | None = Field(None, description="The X-Correlation-ID of the request (or the event's "
                                                         "correlation id) that made the write.")
    changes: list[FieldChange] = Field(default_factory=list, description="The fields the write changed, with their "
                                                                          "old and new values (empty for a write "
                                                                          "that changed no field, e.g. a vote).")

    @classmethod
    def of(cls, row: Any) -> AuditEntry:
        """The entry of an audit_log row."""
        values = dict(row)
        return cls.model_validate({**values, "changes": _field_changes(values.get("detail"))})


class AuditPage(Page[AuditEntry]):
    """One page of an entity's history, oldest first."""


HISTORY_DESCRIPTION = ("Every write, oldest first: who (`actor`), when (`at`), what (`action`, `from_state`, "
                       "`to_state`, `detail`), the request's `X-Correlation-ID` (`correlation_id`) and the fields it "
                       "changed with their old and new values (`changes`). Paginated like every list.")


async def audit_trail(session: AsyncSession, entity_type: str, entity_id: Any) -> list[AuditEntry]:
    """The audit entries of one entity, oldest first."""
    stmt = (
        sa.select(audit_log)
        .where(audit_log.c.entity_type == entity_type, audit_log.c.entity_id == str(entity_id))
        .order_by(audit_log.c.at, audit_log.c.id)
    )
    return [AuditEntry.of(row) for row in (await session.execute(stmt)).mappings()]


async def audit_page(session: AsyncSession, entity_type: str | Sequence[str], entity_id: Any,
                     page: PageParams) -> AuditPage:
    """One page of an entity's audit entries, oldest first (by time, then id); `entity_type` may name several."""
    types = [entity_type] if isinstance(entity_type, str) else list(entity_type)
    stmt = sa.select(audit_log).where(audit_log.c.entity_type.in_(types), audit_log.c.entity_id == str(entity_id))
    if page.cursor is not None:
        if len(page.cursor) != 2:
            raise ValidationProblem.field("cursor", "not a cursor returned by this list")
        at, row_id = _coerce(audit_log.c.at, page.cursor[0]), _coerce(audit_log.c.id, page.cursor[1])
        stmt = stmt.where(sa.or_(audit_log.c.at > at, sa.and_(audit_log.c.at == at, audit_log.c.id > row_id)))
    rows = (await session.execute(stmt.order_by(audit_log.c.at, audit_log.c.id).limit(page.limit + 1))).mappings()
    rows_list = list(rows)
    cursor = None
    if len(rows_list) > page.limit:
        rows_list = rows_list[: page.limit]
        last = rows_list[-1]
        cursor = encode_cursor((last["at"].isoformat(), str(last["id"])))
    return AuditPage(items=[AuditEntry.of(r) for r in rows_list], next_cursor=cursor, limit=page.limit)


_EXISTS: dict[type, sa.Select[Any]] = {}


def _exists_query(model: type) -> sa.Select[Any]:
    """SELECT key WHERE key = :entity_id for a mapped class, built once (building it costs more than running it)."""
    if model not in _EXISTS:
        key: sa.Column[Any] = sa.inspect(model).primary_key[0]
        _EXISTS[model] = sa.select(key).where(key == sa.bindparam("entity_id"))
    return _EXISTS[model]


class EntityRepository(Generic[M]):
    """Get and add for one mapped class; service repositories add their own queries."""

    model: type[M]
    noun: str  # how a 404 names the entity

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, entity_id: uuid.UUID) -> M | None:
        """The entity with this id, or None."""
        return await self.session.get(self.model, entity_id)

    async def get_or_404(self, entity_id: uuid.UUID) -> M:
        """The entity with this id, or a 404 problem naming it."""
        entity = await self.get(entity_id)
        if entity is None:
            raise NotFound(f"no {self.noun} with id {entity_id}")
        return entity

    async def exists(self, entity_id: uuid.UUID) -> bool:
        """True when the entity exists: one query for its key, nothing loaded."""
        return (await self.session.execute(_exists_query(self.model), {"entity_id": entity_id})).first() is not None

    async def exists_or_404(self, entity_id: uuid.UUID) -> None:
        """A 404 problem naming the entity unless it exists (nothing loaded)."""
        if not await self.exists(entity_id):
            raise NotFound(f"no {self.noun} with id {entity_id}")

    async def add(self, entity: M) -> M:
        """Add and flush, so defaults and the version are set."""
        self.session.add(entity)
        await self.session.flush()
        return entity
