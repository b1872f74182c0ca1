"""Fixtures of the console's browser tests: a real stack per test and Debian's Chromium (tests/e2e/console_support.py
has the helpers)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.console import DIST
from devstack.ports import free_port
from models.api_keys import Role
from settings import Settings
from tests.e2e.console_support import CHROMIUM, Console
from tests.integration.conftest import make_keys
from worker import build_worker


@pytest.fixture
async def console(
    dev_env: WorkflowEnvironment, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Console]:
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make console` (make test does)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    target = dev_env.client.service_client.config.target_host
    served = settings.model_copy(update={"temporal_address": target, "public_url": url})
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    headers = await make_keys(sessions, tenant)
    keys = {role: h["Authorization"].removeprefix("Bearer ") for role, h in headers.items()}
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(served),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,  # the browser's live stream stays open until it closes
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    try:
        async with (
            build_worker(dev_env.client, sessions, served) as worker,
            worker,
            httpx.AsyncClient(base_url=url, headers=headers[Role.RESPONDER], timeout=30) as http,
        ):
            yield Console(url, keys, http)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def chromium() -> str:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make /usr/bin/chromium` installs Debian's package")
    return str(CHROMIUM)


@pytest.fixture
async def browser(chromium: str, console: Console) -> AsyncIterator[Browser]:
    """Chromium, closed before the stack stops (its pages hold live streams open)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium)
        yield launched
        await launched.close()
