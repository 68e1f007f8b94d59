"""Alembic, one environment per service: the env.py runner and programmatic upgrade."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.ext.asyncio import create_async_engine

from tandem_shared.settings import database_url, platform_settings, service_settings
from tandem_shared.tables import platform_metadata


def version_table(service: str) -> str:
    """Each service keeps its own Alembic version table."""
    return f"alembic_version_{service}"


def alembic_config(service: str, url: str | None = None) -> Config:
    """An Alembic config for a service's migrations, pointed at its database."""
    cfg = Config()
    cfg.set_main_option("script_location", f"tandem_{service}:migrations")
    url = url or database_url(service, service_settings(service), platform_settings())
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str | None = None, revision: str = "head") -> None:
    """Migrate a service's database (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(service, url), revision)


def downgrade(service: str, url: str | None = None, revision: str = "base") -> None:
    """Downgrade a service's database."""
    command.downgrade(alembic_config(service, url), revision)


def run_env(context: Any, service: str, metadata: MetaData) -> None:
    """Body of every service's env.py: offline SQL or online against an async engine."""
    url = context.config.get_main_option("sqlalchemy.url")
    targets = [metadata, platform_metadata]
    options = {"target_metadata": targets, "version_table": version_table(service), "compare_type": True,
               "render_as_batch": url.startswith("sqlite")}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _run(connection: Any) -> None:
        if connection.dialect.name == "sqlite":
            # WAL is a property of the file: set it once here so readers and the writer never race to switch.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        if connection.dialect.name == "postgresql":
            # Replicas that start together migrate one at a time; the others then find nothing to do.
            lock = zlib.crc32(f"tandem-migrate:{service}".encode())
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({lock})")
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    async def _online() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(_online())
