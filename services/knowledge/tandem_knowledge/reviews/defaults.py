"""Who reviews when no policy is configured (docs/knowledge.md lists this)."""

from __future__ import annotations

from tandem_shared.quorum import QuorumKind

DEFAULT_POLICY = "default"  # its policy applies to every kind without its own
# No members: any knowledge editor (or admin) but the version's authors reviews, and one approval publishes.
BUILT_IN_MEMBERS: list[str] = []
BUILT_IN_QUORUM = (QuorumKind.NUMBER, 1)
