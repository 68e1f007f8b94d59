"""Services metrics knows: their committed hours, and whether outages are reported for them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_metrics.base import Base


class ServiceHours(Base):
    """A service (a business service's id in the CMDB, or the id its source system uses) and its committed hours.

    A row appears when a service's hours are set or when a signal first names the service (24x7 then). Monitored
    services (hours set, or an outage reported) count in the organisation's uptime.
    """

    __tablename__ = "metrics_services"

    service_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    # Canonical JSON text {"timezone": ..., "windows": [{"days": [...], "start": "08:00", "end": "18:00"}]} (no
    # windows: 24x7): text rather than JSON so services group by schedule on both databases.
    schedule: Mapped[str] = mapped_column(sa.Text)
    configured: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    monitored: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
