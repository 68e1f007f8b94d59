"""The background task that publishes coalesced capacity snapshots at most once per interval."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from tandem_shared.uow import unit_of_work

from tandem_capacity.outlook.service import DEFAULT_SNAPSHOT_WEEKS, publish_snapshot_if_changed

if TYPE_CHECKING:
    from tandem_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class SnapshotSettings(BaseSettings):
    """`TANDEM_CAPACITY_SNAPSHOT_INTERVAL_SECONDS` and `TANDEM_CAPACITY_SNAPSHOT_WEEKS`."""

    model_config = SettingsConfigDict(env_prefix="TANDEM_CAPACITY_", extra="ignore")

    snapshot_interval_seconds: float = Field(5.0, gt=0, le=3600, description="At most one snapshot per interval.")
    snapshot_weeks: int = Field(DEFAULT_SNAPSHOT_WEEKS, ge=1, le=104, description="ISO weeks a snapshot covers.")


async def publish_snapshots(runtime: ServiceRuntime) -> None:
    """Every interval: if bookings changed since the last pass and the figures differ, publish one snapshot."""
    settings = SnapshotSettings()
    while True:
        await asyncio.sleep(settings.snapshot_interval_seconds)
        try:
            async with unit_of_work(runtime.sessionmaker) as uow:
                await publish_snapshot_if_changed(uow.session, weeks=settings.snapshot_weeks)
        except Exception as exc:  # noqa: BLE001 - the database may be away; the mark stays for the next pass
            log.warning("capacity: snapshot pass failed: %s", exc)
