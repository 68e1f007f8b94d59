"""The knowledge service's declarative base: every package's models share its metadata."""

from __future__ import annotations

from tandem_shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()
