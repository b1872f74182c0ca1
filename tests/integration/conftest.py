"""The REST API in-process (real ASGI app and lifespan), a worker, the Temporal dev server and
PostgreSQL: everything real but the network hop to the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from models.api_keys import Role, ensure_tenant, new_key, store_key
from settings import Settings
from worker import build_worker


@dataclass
class Stack:
    http: httpx.AsyncClient
    tenant: str
    admin: dict[str, str]
    responder: dict[str, str]
    viewer: dict[str, str]
    settings: Settings


async def make_keys(sessions: async_sessionmaker[AsyncSession], tenant: str) -> dict[Role, dict[str, str]]:
    """One key per role in `tenant` (created if new), as Authorization headers."""
    keys = {}
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=tenant)
        for role in Role:
            key = new_key()
            await store_key(session=session, tenant_id=tenant, name=f"{role.value}-key", role=role, key=key)
            keys[role] = {"Authorization": f"Bearer {key}"}
    return keys


@pytest.fixture
def dev_settings(settings: Settings, dev_env: WorkflowEnvironment) -> Settings:
    target = dev_env.client.service_client.config.target_host
    return settings.model_copy(update={"temporal_address": target})


@asynccontextmanager
async def api_stack(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    around: Callable[[ASGIApp], ASGIApp] | None = None,
) -> AsyncIterator[Stack]:
    """The real app (lifespan included) for a fresh tenant with one key per role; no worker.
    `around` wraps the app (an ASGI middleware that observes what the client is sent)."""
    app = create_app(settings)
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    keys = await make_keys(sessions, tenant)
    served = around(app) if around else app
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://herald.test") as http,
    ):
        yield Stack(http, tenant, keys[Role.ADMIN], keys[Role.RESPONDER], keys[Role.VIEWER], settings)


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[Stack]:
    async with (
        api_stack(dev_settings, sessions) as api,
        build_worker(dev_env.client, sessions, dev_settings) as worker,
        worker,
    ):
        yield api
