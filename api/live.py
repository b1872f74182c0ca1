"""The API process's one PostgreSQL listener, fanning alert changes out to the tenant's open streams.

One asyncpg connection per process LISTENs on `models.alert_changes.CHANNEL` (opened with the first
stream, not at start-up: an API nobody streams from holds no extra connection). Notifications are
gathered for `BATCH_SECONDS` and the changed rows read in one query per tenant that has a stream open,
so a storm of writes costs the API one read per tenant per batch, not one per alert per stream.

Each stream has a bounded queue (`QUEUE_SIZE` rows). A client too slow to keep up is not allowed to
grow the process's memory: its stream is marked `overflowed` and ends with a final event telling it to
reconnect with `Last-Event-ID`, which replays what it missed from the table. If the listening
connection is lost, every stream ends the same way, and the next stream opens a new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.alert_changes import CHANNEL, Change, alerts_by_id
from models.tables import Alert
from telemetry.metrics import SSE_CLIENTS

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
BATCH_SECONDS = 0.05
MAX_STREAMS = 1000  # per process: at most MAX_STREAMS × QUEUE_SIZE rows held


class TooManyStreams(Exception):
    """The process already serves `MAX_STREAMS` streams (the route answers 503)."""


@dataclass(eq=False)
class Subscription:
    """One open stream: the alert rows of its tenant, in the order they were read, until it ends."""

    tenant_id: str
    queue: asyncio.Queue[Alert] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()


class AlertHub:
    """Fans the projection's change notifications out to subscriptions, per tenant."""

    def __init__(
        self, database_url: str, sessions: async_sessionmaker[AsyncSession], *, max_streams: int = MAX_STREAMS
    ) -> None:
        self.max_streams = max_streams
        self._dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._sessions = sessions
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._connection: Any = None  # asyncpg.Connection while listening
        self._lock = asyncio.Lock()
        self._pending: dict[str, set[str]] = defaultdict(set)  # tenant → alert ids to read
        self._flusher: asyncio.Task[None] | None = None

    async def ready(self) -> None:
        """Check there is room for one more stream and that the listener is up. Raises TooManyStreams
        at the process's limit, asyncpg/OS errors when PostgreSQL cannot be reached (the route answers
        503 to both)."""
        if sum(len(subs) for subs in self._subscribers.values()) >= self.max_streams:
            raise TooManyStreams(f"this API process already serves {self.max_streams} live streams")
        await self._listen()

    def subscribe(self, tenant_id: str) -> Subscription:
        """A subscription receiving every change of the tenant committed from now on (call `ready`
        first; subscribe where the stream starts, so that `unsubscribe` surely follows)."""
        subscription = Subscription(tenant_id)
        self._subscribers[tenant_id].add(subscription)
        SSE_CLIENTS.inc()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        tenant = self._subscribers.get(subscription.tenant_id)
        if tenant is not None and subscription in tenant:
            tenant.discard(subscription)
            SSE_CLIENTS.dec()
            if not tenant:
                del self._subscribers[subscription.tenant_id]

    async def _listen(self) -> None:
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed():
                return
            connection = await asyncpg.connect(self._dsn)
            await connection.add_listener(CHANNEL, self._notified)
            connection.add_termination_listener(self._lost)
            self._connection = connection

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        change = Change.parse(payload)
        if change is None or change.tenant_id not in self._subscribers:
            return
        self._pending[change.tenant_id].add(change.alert_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        await asyncio.sleep(BATCH_SECONDS)
        while self._pending:
            pending, self._pending = self._pending, defaultdict(set)
            for tenant_id, alert_ids in pending.items():
                if tenant_id not in self._subscribers:
                    continue
                try:
                    async with self._sessions() as session:
                        rows = await alerts_by_id(session=session, tenant_id=tenant_id, alert_ids=list(alert_ids))
                except Exception as err:  # the database went away: the streams must resync, not miss changes
                    log.warning("live stream read failed: %s", err)
                    self._end_tenant(tenant_id, "the server could not read the changes: reconnect to resync")
                    continue
                self._deliver(tenant_id, sorted(rows, key=lambda row: row.change_seq))

    def _deliver(self, tenant_id: str, rows: Sequence[Alert]) -> None:
        for subscription in list(self._subscribers.get(tenant_id, ())):
            for row in rows:
                try:
                    subscription.queue.put_nowait(row)
                except asyncio.QueueFull:
                    subscription.end("too slow: reconnect with Last-Event-ID to catch up")
                    self.unsubscribe(subscription)
                    break

    def _end_tenant(self, tenant_id: str, reason: str) -> None:
        for subscription in list(self._subscribers.get(tenant_id, ())):
            subscription.end(reason)
            self.unsubscribe(subscription)

    def _lost(self, _connection: object) -> None:
        self._connection = None
        for tenant_id in list(self._subscribers):
            self._end_tenant(tenant_id, "the server lost its database listener: reconnect to resync")

    async def aclose(self) -> None:
        for tenant_id in list(self._subscribers):
            self._end_tenant(tenant_id, "the server is stopping")
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()
