"""Every table of the knowledge service, for Alembic and for anything that needs the whole metadata."""

from __future__ import annotations

from tandem_knowledge.articles.models import Article
from tandem_knowledge.base import Base

__all__ = ["Article", "Base"]
