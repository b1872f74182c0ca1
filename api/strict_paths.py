"""Paths with control characters are not Herald's: 404 before routing.

Starlette's route patterns end in `$`, which also matches before a final newline, so
`GET /api/v1/alerts/%0A` was served by the list route. Nothing Herald names contains a control
character, so such a path is answered 404 with the usual error body.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class StrictPathsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CONTROL.search(scope.get("path", "")):
            body = json.dumps({"detail": "no such path: it contains a control character"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
