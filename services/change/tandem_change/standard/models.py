"""Tables of the standard change catalogue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class ChangeModel(Base):
    """A pre-authorised template a standard change is raised from (risk is always low)."""

    __tablename__ = "change_models"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    implementation_plan: Mapped[str | None] = mapped_column(sa.Text)
    backout_plan: Mapped[str | None] = mapped_column(sa.Text)
    default_effort_hours: Mapped[float] = mapped_column(sa.Float, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
