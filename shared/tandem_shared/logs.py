"""Logging: JSON lines in production, readable text in development (TANDEM_LOG_FORMAT), secrets masked in both.

A line carries the service, the correlation id and the actor of the request or event it was written for (context
variables set by the request middleware, the consumer and the auth dependency), and the trace id when a span is
active. Bearer tokens, JWTs, passwords in URLs and `password=`/`secret=`/`token=` values are masked whatever the
message: a careless log call must not leak them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from tandem_shared.events import correlation_id_var

service_var: ContextVar[str | None] = ContextVar("tandem_service", default=None)
actor_var: ContextVar[str | None] = ContextVar("tandem_actor", default=None)

REDACTED = "[redacted]"
_SECRETS = [
    # Authorization: Bearer <token> (also Basic), in headers, reprs and messages.
    (re.compile(r"(?i)\b(bearer|basic)(\s+|%20)[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    # A JWT anywhere (header.payload.signature, the header always starts with eyJ: base64 of '{"').
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # The password of a URL: scheme://user:password@host.
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
    # password=..., secret='...', 'api_key': '...' in messages, settings reprs, dict reprs and query strings.
    (re.compile(r"(?i)\b([A-Za-z_]*(?:password|passwd|secret|token|api_key|apikey)[A-Za-z_]*"
                r"(?:=|['\"]\s*:\s*))(['\"]?)[^\s'\",&;)}]+"), rf"\1\2{REDACTED}"),
]
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
NOISY = {"aiokafka": logging.ERROR, "httpx": logging.WARNING, "httpcore": logging.WARNING}


def redact(text: str) -> str:
    """The text with tokens, passwords and secrets masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _trace_ids() -> tuple[str | None, str | None]:
    """The current span's trace and span ids in W3C hex, when OpenTelemetry is installed and a span is active."""
    try:
        from opentelemetry import trace
    except ImportError:  # tracing is optional: without it, lines carry the correlation id only
        return None, None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, service, logger, message, ids, actor, extras, exception."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets masked."""
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": service_var.get() or self.service or "tandem",
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        trace_id, span_id = _trace_ids()
        context = {"trace_id": trace_id, "span_id": span_id, "correlation_id": correlation_id_var.get(),
                   "actor": actor_var.get()}
        line.update({key: value for key, value in context.items() if value})
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = redact(value) if isinstance(value, str) else value  # extra={...} fields
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, default=lambda value: redact(str(value)), ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: time, level, logger, service and correlation id when known, the message."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, with its service and correlation id in brackets, secrets masked."""
        text = super().format(record)
        tags = [tag for tag in (service_var.get() or self.service, correlation_id_var.get()) if tag]
        if tags:
            first, _, rest = text.partition("\n")
            text = f"{first} [{' '.join(tags)}]" + (f"\n{rest}" if rest else "")
        return redact(text)


def configure_logging(log_format: str = "text", level: str | int = "INFO", *, service: str | None = None,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record (uvicorn's too) to one handler on stderr in the chosen format; return the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service) if log_format == "json" else TextFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name, noisy_level in NOISY.items():
        logging.getLogger(name).setLevel(noisy_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()  # through the root handler, in the same format
        uvicorn_logger.propagate = True
    return handler


class LogContextMiddleware:
    """Marks a request's log lines with its service; the auth dependency adds the actor once it is known."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service, actor = service_var.set(self.service), actor_var.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            actor_var.reset(actor)
            service_var.reset(service)


def configure_production_logging(environment: str, log_format: str, level: str, *, service: str) -> None:
    """In production, configure logging from the settings when the app is built.

    The images start `uvicorn --factory`, which sets up its own text logging before building the app; the CLI
    (`tandem up`, `serve`, `worker`) configures logging itself, and tests keep pytest's handlers.
    """
    if environment == "production":
        configure_logging(log_format, level, service=service)
