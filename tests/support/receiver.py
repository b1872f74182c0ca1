"""A real HTTP server on 127.0.0.1 that records webhook deliveries and answers from a script."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.ports import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str = "/hook"

    @property
    def who(self) -> str:
        """The part after /hook/ (a paged person's contact method in escalation tests)."""
        return self.path.removeprefix("/hook").strip("/")

    @property
    def json(self) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(self.body))


@dataclass
class Scripted:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None  # wait for this before answering


class WebhookReceiver:
    """Answers 200 unless `script` holds queued answers (consumed in order)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.script: deque[Scripted] = deque()
        self._arrived = asyncio.Condition()
        app = Starlette(
            routes=[Route("/hook", self._hook, methods=["POST"]), Route("/hook/{who}", self._hook, methods=["POST"])]
        )
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: Request) -> Response:
        received = Received(
            headers={k.lower(): v for k, v in request.headers.items()}, body=await request.body(), path=request.url.path
        )
        answer = self.script.popleft() if self.script else Scripted()
        async with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()
        if answer.hold is not None:
            await answer.hold.wait()
        return JSONResponse({"ok": answer.status < 300}, status_code=answer.status, headers=answer.headers)

    async def wait_for(self, count: int, within: float = 60.0) -> list[Received]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.received) >= count), within)
        return list(self.received)

    def events(self) -> list[str]:
        return [r.json["event"] for r in self.received]

    def pages(self) -> list[tuple[str, str]]:
        """(who, event) of every delivery to /hook/<who>, in arrival order."""
        return [(r.who, r.json["event"]) for r in self.received if r.who]

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
