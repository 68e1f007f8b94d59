"""Request text the databases would store differently, refused before routing: NUL characters.

PostgreSQL refuses U+0000 in text and SQLite stores it, so the same request would be a 500 on one backend and
silently accepted on the other. One check in front of every service turns it into the same 422 naming the field:
the path, a query parameter, or the JSON field (and key) that holds it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE, ValidationProblem

NUL = "\x00"
MESSAGE = "must not contain NUL characters (U+0000)"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _shown(text: str) -> str:
    return text.replace(NUL, "\\u0000")


def nul_fields(value: Any, path: tuple[str, ...] = ()) -> list[str]:
    """The dotted names (as in validation errors: `tags.0`) of the strings and keys in a JSON value holding NUL."""
    found: list[str] = []
    if isinstance(value, str):
        if NUL in value:
            found.append(".".join(path) or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = (*path, _shown(key))
            if NUL in key:
                found.append(".".join(name))
            found += nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_fields(item, (*path, str(index)))
    return found


def _query_fields(query_string: bytes) -> list[str]:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return []
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return list(dict.fromkeys(_shown(key) for key, value in pairs if NUL in key or NUL in value))


def _body_fields(body: bytes, content_type: str) -> list[str]:
    if "json" in content_type:
        if b"\\u0000" not in body:  # the only way JSON text carries NUL (a raw one is a JSON syntax error)
            return []
        try:
            return nul_fields(json.loads(body))
        except ValueError:
            return []  # not JSON: the route's own validation says so
    return ["body"] if b"\x00" in body else []


class RejectNulMiddleware:
    """422 problem when the path, the query or a JSON (or text) body carries a NUL character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields = (["path"] if NUL in scope["path"] else []) + _query_fields(scope.get("query_string", b""))
        content_type = next((v.decode("latin-1").lower() for k, v in scope["headers"] if k == b"content-type"), "")
        if not fields and scope["method"] in BODY_METHODS and ("json" in content_type or "text/" in content_type):
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
        problem = ValidationProblem("; ".join(f"{field}: {MESSAGE}" for field in fields),
                                    errors=[{"field": field, "message": MESSAGE, "type": "nul_character"}
                                            for field in fields])
        response = JSONResponse(problem.body(_shown(scope["path"])), status_code=problem.status,
                                media_type=PROBLEM_MEDIA_TYPE)
        await response(scope, receive, send)
