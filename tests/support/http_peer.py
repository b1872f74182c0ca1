"""The one way tests serve HTTP: a Starlette app under uvicorn on 127.0.0.1 and a free port."""

from __future__ import annotations

import asyncio

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from devstack.ports import free_port


class HttpPeer:
    """Subclasses pick their routes and call `serve_routes` (the port is known before, for URLs that name it)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_routes(self, routes: list[Route]) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                Starlette(routes=routes), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
            )
        )

    async def start(self) -> None:
        assert self._server is not None, "serve_routes first"
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await self._task
