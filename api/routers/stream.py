"""`GET /api/v1/stream`: the tenant's alert changes as Server-Sent Events (the console's live list).

Events:
* `event: alert` — `id:` the change cursor (`alerts.change_seq`), `data:` the alert as
  `GET /api/v1/alerts/` shows it. Sent for each write of an alert row of the caller's tenant.
* `event: ready` — `id:` the cursor up to which this stream has caught up, `data: {}`. Sent once,
  after the replay of a reconnection (or at once on a first connection): from then on, live.
* `event: end` — `data: {"reason": ...}`: the server ended the stream (the client was too slow, the
  database listener was lost, the server is stopping). Reconnect with `Last-Event-ID`.
* `: heartbeat` comments every `HEARTBEAT_SECONDS`, so proxies and clients see a live connection.

A reconnection with `Last-Event-ID: <cursor>` first gets, from the table, every alert of the tenant
changed after that cursor (oldest change first), then the live changes. A write whose transaction
commits after a later-numbered write already streamed is streamed live too; the cursor cannot
describe such a gap, so a client that was disconnected exactly then resyncs its list on `ready`
(the console does).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Header, HTTPException, status
from fastapi.responses import StreamingResponse

from api.alert_output import alert_out
from api.deps import Resources, ResourcesDep, Viewer
from api.live import Subscription, TooManyStreams
from models.alert_changes import changed_since, latest_change
from models.tables import Alert
from models.text import ascii_int

router = APIRouter(prefix="/api/v1/stream", tags=["alerts"])

HEARTBEAT_SECONDS = 15.0


def _event(kind: str, data: str, cursor: int | None = None) -> str:
    head = f"id: {cursor}\n" if cursor is not None else ""
    return f"{head}event: {kind}\ndata: {data}\n\n"


class _Stream:
    """What one stream has sent: its cursor, and the newest change sent per alert (no repeats)."""

    def __init__(self, resources: Resources, tenant_id: str) -> None:
        self.resources = resources
        self.tenant_id = tenant_id
        self.subscription = Subscription(tenant_id)  # replaced by the hub's when the stream starts
        self.cursor = 0
        self.sent: dict[str, int] = {}

    def alert(self, row: Alert) -> str | None:
        if self.sent.get(row.id, -1) >= row.change_seq:
            return None
        self.sent[row.id] = row.change_seq
        self.cursor = max(self.cursor, row.change_seq)
        return _event("alert", alert_out(row, self.resources.settings).model_dump_json(), self.cursor)

    async def replay(self, after: int) -> AsyncIterator[str]:
        self.cursor = after
        while True:
            async with self.resources.sessions() as session:
                rows = await changed_since(session=session, tenant_id=self.tenant_id, after=self.cursor)
            for row in rows:
                if (text := self.alert(row)) is not None:
                    yield text
            if not rows:
                return

    async def events(self, after: int | None) -> AsyncIterator[str]:
        hub = self.resources.hub
        self.subscription = hub.subscribe(self.tenant_id)  # first: no change falls between it and the reads
        try:
            if after is None:
                async with self.resources.sessions() as session:
                    self.cursor = await latest_change(session=session, tenant_id=self.tenant_id)
            else:
                async for text in self.replay(after):
                    yield text
            yield _event("ready", "{}", self.cursor)
            async for text in self.live():
                yield text
        finally:
            hub.unsubscribe(self.subscription)

    async def live(self) -> AsyncIterator[str]:
        queue, ended = self.subscription.queue, self.subscription.ended
        while True:
            if ended.is_set() and queue.empty():
                yield _event("end", json.dumps({"reason": self.subscription.reason}))
                return
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(ended.wait())
            done, _ = await asyncio.wait({getter, stopper}, timeout=HEARTBEAT_SECONDS, return_when="FIRST_COMPLETED")
            stopper.cancel()
            if getter in done:
                if (text := self.alert(getter.result())) is not None:
                    yield text
            else:
                getter.cancel()
                if not done:
                    yield ": heartbeat\n\n"


@router.get(
    "",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events: `alert`, `ready`, `end`"},
        422: {"description": "`Last-Event-ID` is not a cursor this stream sent (a non-negative integer)"},
        503: {
            "description": "The database cannot be listened to right now, or the process serves its maximum "
            "of live streams (1,000)"
        },
    },
    summary="Live alert changes of your tenant (Server-Sent Events; resume with Last-Event-ID)",
)
async def stream(
    principal: Viewer,
    resources: ResourcesDep,
    last_event_id: Annotated[
        str | None, Header(description="The `id` of the last event received: replay what came after it")
    ] = None,
) -> StreamingResponse:
    after = None
    if last_event_id is not None and last_event_id.strip():
        after = ascii_int(last_event_id.strip())
        if after is None or len(last_event_id.strip()) > 19:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "Last-Event-ID: must be the id of an event this stream sent"
            )
    try:
        await resources.hub.ready()
    except TooManyStreams as err:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(err), {"Retry-After": "5"}) from err
    except (OSError, asyncpg.PostgresError) as err:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"cannot listen for alert changes: {err}") from err
    events = _Stream(resources, principal.tenant_id).events(after)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
