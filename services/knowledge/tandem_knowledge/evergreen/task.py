"""The daily review-due sweep: a background task of the service, and one pass tests and operators call directly."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tandem_shared.uow import unit_of_work

from tandem_knowledge.articles.evergreen import evergreen_settings, today
from tandem_knowledge.evergreen.service import SWEEP_BATCH, sweep

if TYPE_CHECKING:
    from tandem_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)
FIRST_SWEEP_DELAY = 5.0  # seconds after start: let the consumer and relay settle first


async def sweep_once(maker: async_sessionmaker[AsyncSession], *, on: date | None = None) -> int:
    """One sweep over every due article, a transaction per batch; returns how many were announced."""
    on = on or today()
    total = 0
    while True:
        async with unit_of_work(maker) as uow:
            announced = await sweep(uow, on=on, limit=SWEEP_BATCH)
        total += len(announced)
        if len(announced) < SWEEP_BATCH:
            return total


async def review_due_sweep(runtime: ServiceRuntime) -> None:
    """Sweep shortly after start, then every `TANDEM_KNOWLEDGE_REVIEW_SWEEP_SECONDS` (a day by default)."""
    interval = evergreen_settings().review_sweep_seconds
    await asyncio.sleep(min(FIRST_SWEEP_DELAY, interval))
    while True:
        try:
            announced = await sweep_once(runtime.sessionmaker)
            if announced:
                log.info("knowledge: %d article(s) announced due for review", announced)
        except Exception as exc:  # noqa: BLE001 - the database may be away; nothing is claimed until committed
            log.warning("knowledge: review-due sweep failed: %s", exc)
        await asyncio.sleep(interval)
