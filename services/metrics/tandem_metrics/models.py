"""Every table of the metrics service, for Alembic and for anything that needs the whole metadata."""

from __future__ import annotations

from tandem_metrics.base import Base
from tandem_metrics.kpis.models import KpiValue

__all__ = ["Base", "KpiValue"]
