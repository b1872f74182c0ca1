"""Per request: an `X-Request-ID` (the client's when it is sane, else a new one) for the logs and the
answer, and the request's count and duration by *route template* (`/api/v1/alerts/{alert_id}`,
never the raw path: one series per route, not per alert). A request no route matched counts under
`route="(unmatched)"`; one shed before routing (load_shedding.py) under `route="(shed)"`.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.logs import REQUEST_ID
from telemetry.metrics import HTTP_DURATION, HTTP_REQUESTS

HEADER = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-ID` when it is 1-128 characters of `A-Za-z0-9._:-`, else a new UUID."""
    for name, value in scope.get("headers", []):
        if name == HEADER and _SANE.fullmatch(value):
            return bytes(value).decode("ascii")
    return str(uuid.uuid4())


def route_template(scope: Scope, status: int) -> str:
    path: object = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return "(shed)" if status in (429, 503) else "(unmatched)"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # an exception before the answer started is a 500 to the client

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_template(scope, status)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
            REQUEST_ID.reset(token)
