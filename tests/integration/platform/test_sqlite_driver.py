"""The SQLite driver runs statements on the event loop's thread, yet never makes the loop wait for a lock."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
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
            assert not raw.in_transaction  # the pool took it back clean
            assert (await conn.execute(sa.text("SELECT x FROM t"))).scalars().all() == [2]
    finally:
        await engine.dispose()


def _hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """Another process's writer, as far as SQLite can tell: a plain sqlite3 connection in a thread of its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (0)")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def _ticks_while(awaitable: Awaitable[Any]) -> tuple[Any, int]:
    """Await `awaitable` while another coroutine counts 10 ms sleeps: how far the event loop got meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await awaitable, ticks
    finally:
        done.set()
        await ticker


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))


async def test_a_begin_waiting_for_an_outside_writer_waits_off_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "outside.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await _table(engine)
        held = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 0.4, held))
        holder.start()
        await asyncio.to_thread(held.wait)

        async def write() -> float:
            started = time.monotonic()
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
            return time.monotonic() - started

        waited, ticks = await _ticks_while(asyncio.wait_for(write(), 10))
        await asyncio.to_thread(holder.join)
        assert waited >= 0.2  # it did wait for the other writer's COMMIT
        assert ticks >= waited / 0.01 * 0.5  # and the loop ran meanwhile (it would be stuck in SQLite's busy handler)
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all() == [0, 1]
    finally:
        await engine.dispose()


async def test_a_cancelled_wait_for_the_write_lock_leaves_the_connection_clean(tmp_path: Path) -> None:
    path = tmp_path / "cancel.sqlite3"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await _table(engine)
        held = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 0.4, held))
        holder.start()
        await asyncio.to_thread(held.wait)

        async def write(x: int) -> None:
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": x})

        waiter = asyncio.create_task(write(1))
        await asyncio.sleep(0.1)  # waiting in its thread now
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.wait_for(write(2), 10)  # after the thread's BEGIN, which the cancelled writer never used
        await asyncio.to_thread(holder.join)
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT x FROM t ORDER BY x"))).scalars().all() == [0, 2]
        # No transaction was left open on the pooled connection: an outside writer gets the lock at once.
        outside = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            outside.execute("BEGIN IMMEDIATE")
            outside.execute("ROLLBACK")
        finally:
            outside.close()
    finally:
        await engine.dispose()


async def test_results_rowcount_lastrowid_and_errors_are_the_drivers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'results.sqlite3'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, n INT)"))
        async with engine.begin() as conn:
            first = await conn.execute(sa.text("INSERT INTO item (name, n) VALUES ('a', 1)"))
            assert first.lastrowid == 1 and first.rowcount == 1
            many = await conn.execute(sa.text("INSERT INTO item (name, n) VALUES (:name, :n)"),
                                      [{"name": "b", "n": 2}, {"name": "c", "n": 3}, {"name": "d", "n": 4}])
            assert many.rowcount == 3
            updated = await conn.execute(sa.text("UPDATE item SET n = n * 10 WHERE n >= 2"))
            assert updated.rowcount == 3
            returned = await conn.execute(sa.text("INSERT INTO item (name, n) VALUES ('e', 5) RETURNING id, name"))
            assert returned.all() == [(5, "e")]
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT id, name, n FROM item ORDER BY id"))
            assert list(rows.keys()) == ["id", "name", "n"]
            assert rows.fetchone() == (1, "a", 1)
            assert rows.fetchmany(2) == [(2, "b", 20), (3, "c", 30)]
            assert rows.fetchall() == [(4, "d", 40), (5, "e", 5)]
            assert (await conn.execute(sa.text("SELECT n FROM item WHERE id = 99"))).first() is None
            assert (await conn.execute(sa.text("SELECT count(*) FROM item"))).scalar_one() == 5
        with pytest.raises(sa.exc.IntegrityError) as duplicate:
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO item (name, n) VALUES ('z', 0)"))
                await conn.execute(sa.text("INSERT INTO item (name, n) VALUES ('a', 0)"))
        assert isinstance(duplicate.value.orig, sqlite3.IntegrityError)
        assert "UNIQUE constraint failed: item.name" in str(duplicate.value)
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO item (name) VALUES (NULL)"))
        with pytest.raises(sa.exc.OperationalError):
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT nope FROM item"))
        async with engine.connect() as conn:  # the failures rolled back ('z' too) and left the connection usable
            assert (await conn.execute(sa.text("SELECT count(*) FROM item"))).scalar_one() == 5
    finally:
        await engine.dispose()


async def test_the_driver_connection_is_a_plain_sqlite3_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'plain.sqlite3'}")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert type(raw.driver_connection) is sqlite3.Connection
            assert raw.driver_connection.isolation_level is None  # SQLAlchemy does not BEGIN; the engine's hook does
    finally:
        await engine.dispose()


def test_the_driver_works_without_aiosqlite(tmp_path: Path) -> None:
    # A fresh interpreter where importing aiosqlite fails: the embedded default must not need it.
    script = f"""
import asyncio, sys
sys.modules["aiosqlite"] = None
import sqlalchemy as sa
from tandem_shared.db import make_engine

async def main():
    engine = make_engine("sqlite+aiosqlite:///{tmp_path / 'alone.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (7)"))
    async with engine.connect() as conn:
        print((await conn.execute(sa.text("SELECT x FROM t"))).scalar_one())
    await engine.dispose()

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7"
