"""The change service's declarative base: one metadata, so one Alembic history, for every package's tables."""

from __future__ import annotations

from tandem_shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    """Base of every table of the change service (each package's models.py derives from it)."""

    __abstract__ = True
    metadata = new_metadata()
