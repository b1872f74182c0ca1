"""Every read the API answers is one snapshot of the database.

An answer built from several queries (an alert, its timeline and its deliveries; a rule and its
instances) must not mix moments: at READ COMMITTED a delivery committed by a worker between the
timeline query and the deliveries query showed three deliveries and two timeline entries.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import cast

import pytest
from fastapi import Request
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import Resources, get_session
from models.tables import Tenant


def request(method: str) -> Request:
    return Request({"type": "http", "method": method, "path": "/", "headers": [], "query_string": b""})


def resources(sessions: async_sessionmaker[AsyncSession]) -> Resources:
    return cast(Resources, SimpleNamespace(sessions=sessions))


async def tenants(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Tenant))).scalar_one())


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_read_does_not_see_what_commits_between_its_queries(
    sessions: async_sessionmaker[AsyncSession], method: str
) -> None:
    dependency = get_session(request(method), resources(sessions))
    session = await anext(dependency)
    before = await tenants(session)
    async with sessions.begin() as writer:
        writer.add(Tenant(id=f"t-{uuid.uuid4().hex[:8]}", name="committed meanwhile"))
    assert await tenants(session) == before
    await dependency.aclose()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_a_write_keeps_read_committed(sessions: async_sessionmaker[AsyncSession], method: str) -> None:
    """Writes stay at READ COMMITTED: at REPEATABLE READ two responders acting on one row would fail each other."""
    dependency = get_session(request(method), resources(sessions))
    session = await anext(dependency)
    level = (await session.execute(text("SHOW transaction_isolation"))).scalar_one()
    assert level == "read committed"
    await dependency.aclose()
