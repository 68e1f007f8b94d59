"""Request input refused before routing, the same way on every service and backend: NUL characters, and JSON
numbers that are not numbers.

PostgreSQL refuses U+0000 in text and SQLite stores it, so the same request would be a 500 on one backend and
silently accepted on the other. Python's JSON parser reads `NaN`, `Infinity` and numbers too large for a float
(`1e400`) as floats that are not finite, which RFC 8259 does not allow and no column stores faithfully. One check in
front of every service turns each into the same 422 naming the field: the path, a query parameter, or the JSON field
(and key) that holds it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE, ValidationProblem
from tandem_shared.limits import IMPORT_SUFFIX

NUL = "\x00"
MESSAGE = "must not contain NUL characters (U+0000)"
NOT_FINITE = "must be a finite JSON number (NaN, Infinity and numbers beyond a double's range are not)"
# Cheap test for what could parse to a number that is not finite: the constants, or an exponent of 300 or more.
_MAYBE_NOT_FINITE = re.compile(rb"NaN|Infinity|[eE]\+?0*[1-9]\d{2,}")


class _NotFinite:
    """Stands for a parsed number that is not finite, so the walk can name where it was."""


NOT_FINITE_VALUE = _NotFinite()


def _finite(text: str) -> object:
    value = float(text)
    return value if math.isfinite(value) else NOT_FINITE_VALUE
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _shown(text: str) -> str:
    return text.replace(NUL, "\\u0000")


def bad_fields(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(dotted name as in validation errors, e.g. `tags.0`; why) of each string or key holding NUL and each number
    that is not finite in a parsed JSON value."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        if NUL in value:
            found.append((".".join(path) or "body", MESSAGE))
    elif value is NOT_FINITE_VALUE:
        found.append((".".join(path) or "body", NOT_FINITE))
    elif isinstance(value, dict):
        for key, item in value.items():
            name = (*path, _shown(key))
            if NUL in key:
                found.append((".".join(name), MESSAGE))
            found += bad_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += bad_fields(item, (*path, str(index)))
    return found


def _query_fields(query_string: bytes) -> list[tuple[str, str]]:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return []
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return [(name, MESSAGE) for name in dict.fromkeys(_shown(key) for key, value in pairs
                                                      if NUL in key or NUL in value)]


def parse_json_checked(text: str) -> Any:
    """JSON text parsed as the middleware reads bodies, then a 422 naming each NUL or non-finite number in it.

    For routes the middleware leaves to themselves (imports, which read their body as it streams).
    """
    value = json.loads(text, parse_constant=lambda _: NOT_FINITE_VALUE, parse_float=_finite)
    refuse_bad_fields(value)
    return value


def refuse_bad_fields(value: Any) -> None:
    """A 422 problem naming each string or key holding NUL and each number that is not finite in `value`."""
    fields = bad_fields(value)
    if fields:
        raise _problem(fields)


def _problem(fields: list[tuple[str, str]]) -> ValidationProblem:
    return ValidationProblem("; ".join(f"{field}: {why}" for field, why in fields),
                             errors=[{"field": field, "message": why,
                                      "type": "nul_character" if why == MESSAGE else "not_finite"}
                                     for field, why in fields])


def _body_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    if "json" in content_type:
        # `\u0000` is the only way JSON text carries NUL (a raw one is a syntax error); most bodies hold neither.
        if b"\\u0000" not in body and not _MAYBE_NOT_FINITE.search(body):
            return []
        try:
            return bad_fields(json.loads(body, parse_constant=lambda _: NOT_FINITE_VALUE, parse_float=_finite))
        except ValueError:
            return []  # not JSON: the route's own validation says so
    return [("body", MESSAGE)] if b"\x00" in body else []


class RejectNulMiddleware:
    """422 problem when the path, the query or a JSON (or text) body carries a NUL character, or a JSON body a
    number that is not finite."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields = ([("path", MESSAGE)] if NUL in scope["path"] else []) + _query_fields(scope.get("query_string", b""))
        content_type = next((v.decode("latin-1").lower() for k, v in scope["headers"] if k == b"content-type"), "")
        # An import reads its body as it streams, counting and capping its rows, and checks its rows itself
        # (`parse_json_checked`, `refuse_bad_fields`): reading it whole here first would undo the early stop.
        checks_body = not scope["path"].endswith(IMPORT_SUFFIX)
        if (not fields and checks_body and scope["method"] in BODY_METHODS
                and ("json" in content_type or "text/" in content_type)):
            received: list[Message] = []
            while True:
                message = await receive()
                received.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            fields = _body_fields(b"".join(m.get("body", b"") for m in received), content_type)

            async def replay() -> Message:
                return received.pop(0) if received else await receive()

            receive = replay
        if not fields:
            await self.app(scope, receive, send)
            return
        problem = _problem(fields)
        response = JSONResponse(problem.body(_shown(scope["path"])), status_code=problem.status,
                                media_type=PROBLEM_MEDIA_TYPE)
        await response(scope, receive, send)
