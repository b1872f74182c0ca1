"""Herald as an outside program sees it: the real app under uvicorn on 127.0.0.1 (a free port) and a
worker, for clients that must reach it over real HTTP (Prometheus, amtool)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.app import create_app
from devstack.ports import free_port
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import make_keys
from worker import build_worker


@dataclass
class ServedHerald:
    url: str
    port: int
    tenant: str
    keys: dict[Role, str]  # the bare API key of each role
    http: httpx.AsyncClient  # with the admin key

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@asynccontextmanager
async def served_herald(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], temporal: Client
) -> AsyncIterator[ServedHerald]:
    """A fresh tenant with one key per role, the API on a real port, and a worker."""
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    headers = await make_keys(sessions, tenant)
    keys = {role: header["Authorization"].removeprefix("Bearer ") for role, header in headers.items()}
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    async with build_worker(temporal, sessions, settings) as worker, worker:
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:  # uvicorn offers no event for this
                if task.done():
                    await task
                await asyncio.sleep(0.01)
            url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=url, headers=headers[Role.ADMIN], timeout=30) as http:
                yield ServedHerald(url, port, tenant, keys, http)
        finally:
            server.should_exit = True
            await task
