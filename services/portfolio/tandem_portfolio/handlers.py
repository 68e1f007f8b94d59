"""Events the portfolio service consumes (none yet)."""

from __future__ import annotations

from tandem_shared.consumer import Handler

HANDLERS: dict[str, Handler] = {}
