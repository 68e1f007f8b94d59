"""How tags are written, so that filtering by a tag finds every article carrying it."""

from __future__ import annotations

from collections.abc import Iterable

MAX_TAGS = 20
MAX_TAG_LENGTH = 50


def normalise_tag(tag: str) -> str:
    """A tag as stored and searched: trimmed and lower case."""
    return tag.strip().lower()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: normalised, duplicates dropped, first-seen order kept."""
    return list(dict.fromkeys(normalise_tag(t) for t in tags))
