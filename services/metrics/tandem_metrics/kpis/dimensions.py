"""Dimensions a KPI value is kept per, without I/O: the organisation, a team, a service, a project or a category."""

from __future__ import annotations

ORGANISATION = ""  # stored dimension of organisation-wide values
ORGANISATION_NAME = "organisation"  # how the API names it
KINDS = ("organisation", "team", "service", "project", "category")


def dimension(kind: str, value: object) -> str:
    """The stored dimension of a kind and value, e.g. team:Platform ('' for the organisation)."""
    return ORGANISATION if kind == ORGANISATION_NAME else f"{kind}:{value}"


def kind_of(stored: str) -> str:
    """The kind of a stored dimension."""
    return ORGANISATION_NAME if stored == ORGANISATION else stored.split(":", 1)[0]


def value_of(stored: str) -> str | None:
    """The value of a stored dimension (None for the organisation)."""
    return None if stored == ORGANISATION else stored.split(":", 1)[1]


def parse(text: str, *, wildcard: bool = False) -> str:
    """A dimension as the API names it (`organisation`, `team:Platform`, `kind:*` when allowed) in stored form."""
    if text in (ORGANISATION_NAME, ""):
        return ORGANISATION
    kind, sep, value = text.partition(":")
    if not sep or kind not in KINDS[1:] or not value.strip():
        raise ValueError(f"must be `organisation` or kind:value with kind one of {', '.join(KINDS[1:])}")
    if value == "*" and not wildcard:
        raise ValueError("a wildcard (`team:*`) names every dimension of a kind: only targets take one")
    if len(text) > 200:
        raise ValueError("is longer than 200 characters")
    return text


def name_of(stored: str) -> str:
    """The API's name of a stored dimension."""
    return ORGANISATION_NAME if stored == ORGANISATION else stored
