"""The declarative base of every capacity table: one metadata for the service (and its migrations)."""

from __future__ import annotations

from tandem_shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()
