"""The migrations build exactly the schema the models declare (no drift either way)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from models.migrate import upgrade
from models.schema import metadata
from tests.support.postgres import create_database, drop_database


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_the_database_refuses_a_tenant_id_outside_the_alphabet(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        with pytest.raises(IntegrityError, match="ck_tenants_id_alphabet"):
            await connection.execute(text("INSERT INTO tenants (id, name) VALUES ('acme/x', 'x')"))


async def test_upgrading_a_database_that_holds_such_a_tenant_names_it(maintenance_url: str) -> None:
    url = await create_database(maintenance_url)
    try:
        await asyncio.to_thread(upgrade, url, "0004")
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO tenants (id, name) VALUES ('acme/x', 'x')"))
        finally:
            await engine.dispose()
        with pytest.raises(RuntimeError, match=r"tenant ids outside the alphabet .*\['acme/x'\]"):
            await asyncio.to_thread(upgrade, url)
    finally:
        await drop_database(url, maintenance_url)
