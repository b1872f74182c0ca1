"""Alembic environment: async engine from the URL the caller put in the config.

Every upgrade first takes a transaction-scoped PostgreSQL advisory lock (models.migrate.SETUP_LOCK), before
Alembic reads the version table: two `herald db upgrade` started at once (two Helm releases, a Job
retried while the first still runs, compose beside a manual run) run one after the other, and the
second finds the database at head and does nothing. All migrations run in that one transaction
(PostgreSQL's DDL is transactional), so the lock is held until they are committed.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from models.migrate import SETUP_LOCK
from models.schema import metadata

config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
