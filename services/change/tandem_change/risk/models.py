"""Tables of the risk engine's configuration."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class RiskCondition(Base):
    """An ordered risk condition; the first active one that matches sets the condition risk."""

    __tablename__ = "risk_conditions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    risk: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column()
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class RiskQuestionnaire(Base):
    """The one risk questionnaire (row id 1): questions with weighted answers, and the thresholds."""

    __tablename__ = "risk_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    moderate_from: Mapped[float] = mapped_column(sa.Float)
    high_from: Mapped[float] = mapped_column(sa.Float)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
