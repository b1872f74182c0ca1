"""The test database: `HERALD_TEST_DATABASE_URL` when given, else an embedded pgserver."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from devstack.embedded_postgres import EmbeddedPostgres


@contextmanager
def server_url(tmp: Path) -> Iterator[str]:
    """A postgresql+asyncpg URL to a server's maintenance database."""
    given = os.environ.get("HERALD_TEST_DATABASE_URL")
    if given:
        yield given
        return
    server = EmbeddedPostgres(tmp / "pgdata")
    try:
        yield server.url("postgres")
    finally:
        server.stop()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(url: str) -> str:
    """Create a uniquely named database next to `url` and return its URL."""
    name = f"herald_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, maintenance_url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_dsn(maintenance_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
