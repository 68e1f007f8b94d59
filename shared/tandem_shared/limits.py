"""Request size limits: bodies over a configurable size are a 413 problem before a route buffers them.

The limit is checked twice: on `Content-Length` before anything is read, and on the bytes actually received, so a
chunked body (which announces no length) is cut off as soon as it passes the limit rather than read whole into memory.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tandem_shared.errors import PROBLEM_MEDIA_TYPE, Problem

IMPORT_SUFFIX = "/import"


class PayloadTooLarge(Problem):
    """A request body, or an import's rows, over a configured limit."""

    status, slug, title = 413, "payload-too-large", "Payload too large"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size} bytes"


class BodyLimitMiddleware:
    """413 problem when a request body is larger than `max_bytes` (`import_max_bytes` on paths ending /import)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, import_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_max_bytes = import_max_bytes

    def limit_for(self, path: str) -> int:
        """The largest body a request to this path may send."""
        return self.import_max_bytes if path.rstrip("/").endswith(IMPORT_SUFFIX) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise PayloadTooLarge(f"the request body is over the limit of {_mib(limit)}",
                                          max_bytes=limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app made of a body it could not read whole (FastAPI: a 400), ours replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:  # after the limit, any error is the app's reaction to the cut body
                raise
        if exceeded and not started:
            await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        problem = PayloadTooLarge(f"the request body is over the limit of {_mib(limit)}", max_bytes=limit)
        response = JSONResponse(problem.body(scope["path"]), status_code=problem.status,
                                media_type=PROBLEM_MEDIA_TYPE, headers={"Connection": "close"})

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)
