"""Response headers built from user data: percent-encoded paths and correlation ids that are safe tokens."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

# What a correlation id may echo back (and carry into events and logs): a visible, unambiguous token.
_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,100}")


def location(template: str, *values: object) -> str:
    """A Location path: `template` with each `{}` filled by a value percent-encoded as one path segment.

    A header is one line of Latin-1: a name such as "Łódź ops" (or one holding `/`, `?` or `#`) written raw would
    fail the response or point elsewhere.
    """
    return template.format(*(quote(str(value), safe="") for value in values))


def correlation_id(raw: bytes | None) -> str:
    """The caller's correlation id when it is a safe token; otherwise a new one (never an error)."""
    if raw:
        text = raw[:100].decode("latin-1")
        if _CORRELATION_ID.fullmatch(text):
            return text
    return str(uuid.uuid4())
