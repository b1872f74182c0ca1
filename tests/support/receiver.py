"""A real HTTP server on 127.0.0.1 that records webhook deliveries and answers from a script."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.http_peer import HttpPeer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str = "/hook"
    query: dict[str, str] = field(default_factory=dict)

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
    body: bytes | None = None  # instead of {"ok": ...}


class WebhookReceiver(HttpPeer):
    """Answers 200 unless `script` holds queued answers (consumed in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Received] = []
        self.script: deque[Scripted] = deque()
        self._arrived = asyncio.Condition()
        self.serve_routes(
            [Route("/hook", self._hook, methods=["POST"]), Route("/hook/{who}", self._hook, methods=["POST"])]
        )

    @property
    def url(self) -> str:
        return f"{self.base}/hook"

    async def _hook(self, request: Request) -> Response:
        received = Received(
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
            path=request.url.path,
            query=dict(request.query_params),
        )
        answer = self.script.popleft() if self.script else Scripted()
        async with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()
        if answer.hold is not None:
            await answer.hold.wait()
        if answer.body is not None:
            return Response(answer.body, status_code=answer.status, headers=answer.headers)
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
