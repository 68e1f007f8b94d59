"""The SQLite driver runs statements on the event loop's thread, yet never makes the loop wait for a lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from tandem_shared.db import make_engine


async def test_a_writer_waits_for_another_engines_lock_without_stopping_the_event_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = make_engine(url), make_engine(url)  # e.g. two replicas of a service on one file
    try:
        async with first.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        held = asyncio.Event()
        ticks = 0

        async def hold_the_lock() -> None:
            async with first.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
                held.set()
                await asyncio.sleep(0.3)  # the lock holder needs the loop to finish

        async def write_meanwhile() -> None:
            await held.wait()
            async with second.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (2)"))

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.01)
                ticks += 1

        done = asyncio.Event()
        ticker = asyncio.create_task(tick())
        await asyncio.wait_for(asyncio.gather(hold_the_lock(), write_meanwhile()), 10)
        done.set()
        await ticker
        assert ticks >= 15  # the loop went on for the 0.3 s the second writer waited
        async with second.connect() as conn:
            assert (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all() == [1, 2]
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_failed_transaction_is_rolled_back_and_a_committed_one_leaves_no_transaction_open(
        tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        with pytest.raises(RuntimeError):
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
                raise RuntimeError("handler failed")
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO t VALUES (2)"))
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert not raw._conn.in_transaction  # the pool took it back clean
            assert (await conn.execute(sa.text("SELECT x FROM t"))).scalars().all() == [2]
    finally:
        await engine.dispose()
