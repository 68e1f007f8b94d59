"""Request dependencies every service uses: the unit of work, ETags and pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_shared.bounds import UTCDatetime as UTCDatetime  # re-exported: the services import it from here
from tandem_shared.errors import PreconditionFailed, ValidationProblem
from tandem_shared.uow import UnitOfWork, unit_of_work

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STALE_IF_MATCH = "tandem_stale_if_match"  # on request.state: the 412 a write answers if nothing else fails


async def _request_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request: committed once after the endpoint, rolled back on error."""
    runtime = request.app.state.runtime
    maker = runtime.read_sessionmaker if request.method in SAFE_METHODS else runtime.sessionmaker
    async with unit_of_work(maker) as uow:
        yield uow
        stale: PreconditionFailed | None = getattr(request.state, STALE_IF_MATCH, None)
        if stale is not None:
            raise stale  # the endpoint would have succeeded: 412, and its writes roll back with the unit


# scope="function" commits before the response is sent, so a failed commit is the client's error too.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_request_unit_of_work, scope="function")]


async def _request_session(uow: UnitOfWorkDep) -> AsyncSession:
    """The request's session (the same unit of work: FastAPI resolves a dependency once per request)."""
    return uow.session


SessionDep = Annotated[AsyncSession, Depends(_request_session)]


T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next one."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque cursor of the next page; null on the last page.")
    limit: int


class PageParams(BaseModel):
    """Cursor pagination parameters."""

    limit: int
    cursor: tuple[Any, ...] | None


def encode_cursor(values: tuple[Any, ...]) -> str:
    """An opaque cursor for the sort key of the last item of a page."""
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    """The sort key inside a cursor, or a 422 naming the cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list):
            raise ValueError
        return tuple(values)
    except ValueError as exc:
        raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT}).")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> PageParams:
    """Pagination query parameters."""
    return PageParams(limit=limit, cursor=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


def etag(version: int) -> str:
    """The ETag of an entity at a version."""
    return f'W/"{version}"'


def check_if_match(request: Request, version: int) -> None:
    """412 when If-Match is given and names another version than the current one.

    Answered when the request would otherwise succeed, before its unit of work commits (nothing is written): a
    request that fails anyway answers that failure (RFC 9110, 13.2.1), so who may act (403) and what the state
    allows (409) are decided first, and someone refused learns nothing of the current version.
    """
    header = request.headers.get("if-match")
    if header and header.strip() != "*" and etag(version) not in [h.strip() for h in header.split(",")]:
        setattr(request.state, STALE_IF_MATCH, PreconditionFailed(
            f"If-Match {header} does not match the current ETag {etag(version)}; re-read and retry",
            current_etag=etag(version),
        ))
