"""Run Alembic migrations programmatically (`herald db upgrade`, `herald dev`, tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The PostgreSQL advisory lock (a bigint key: "Herald" in ASCII) that `herald db upgrade` (migrations/env.py)
# and `herald init` (devstack/bootstrap.py) hold in their transaction: two of them never run at once.
SETUP_LOCK = 0x4865_7261_6C64


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str) -> None:
    """Alembic's env runs its own event loop, so run it in a thread."""
    await asyncio.to_thread(upgrade, database_url)
