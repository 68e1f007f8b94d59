"""The one row that coalesces capacity snapshots: dirty since the last pass, and what was last published."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime

from tandem_capacity.base import Base


class SnapshotState(Base):
    """Marked dirty by booking transactions; the snapshot task clears it and publishes changed figures."""

    __tablename__ = "snapshot_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dirty: Mapped[bool] = mapped_column(sa.Boolean)
    sequence: Mapped[int]
    last_hash: Mapped[str | None] = mapped_column(sa.String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
