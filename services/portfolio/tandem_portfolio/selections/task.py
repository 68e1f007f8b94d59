"""The background worker that solves queued selection runs (the large ones a POST answered 202 for)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tandem_shared.uow import unit_of_work

from tandem_portfolio.selections import builder, service
from tandem_portfolio.selections.schemas import FrontierSpec
from tandem_portfolio.selections.settings import selection_settings

if TYPE_CHECKING:
    from tandem_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


async def run_next(maker: async_sessionmaker[AsyncSession], solver: service.Solver = service.SOLVER) -> bool:
    """Claim one queued run, solve it with no transaction open, write its outcome; False when none is queued."""
    async with unit_of_work(maker) as uow:
        selection = await service.claim_queued(uow)
        if selection is None:
            return False
        selection_id, problem, meta = selection.id, selection.problem, selection.meta
        spec = selection.request.get("frontier")
    solved = await service.solve(builder.problem_from_json(problem), meta,
                                 FrontierSpec.model_validate(spec) if spec is not None else None, solver)
    async with unit_of_work(maker) as uow:
        await service.keep_solved(uow, selection_id, solved)
    return True


async def solve_queued_runs(runtime: ServiceRuntime) -> None:
    """Every poll interval: solve the queued runs, oldest first."""
    settings = selection_settings()
    while True:
        await asyncio.sleep(settings.poll_seconds)
        try:
            while await run_next(runtime.sessionmaker):
                pass
        except Exception as exc:  # noqa: BLE001 - the database may be away; the run stays queued for the next pass
            log.warning("portfolio: selection worker pass failed: %s", exc)
