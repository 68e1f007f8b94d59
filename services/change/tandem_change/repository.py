"""Where PeopleProjection used to live: tests/integration/platform still imports it from here (its owner moves
that import to tandem_change.people.repository; then this module goes)."""

from __future__ import annotations

from tandem_change.people.repository import PeopleProjection

__all__ = ["PeopleProjection"]
