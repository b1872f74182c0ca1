"""The ingest inbox drain cycle (workflows/inbox.py): claim, signal each incident once, forget."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from gateway.client import AlertingClient, IngestItem
from models.inbox import claim, forget
from workflows import activity_refs as refs
from workflows.payloads import DrainResult


class InboxActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], alerting: AlertingClient) -> None:
        self._sessions = sessions
        self._alerting = alerting

    @activity.defn(name=refs.INBOX_DRAIN.name)
    async def drain(self) -> DrainResult:
        """One cycle: the claimed events go to their incidents (one signal per key, naming the
        cycle), then leave the inbox. Raises (retryable) if Temporal refused any of them: the
        retry sends the cycle again, and the incidents that took it skip it."""
        async with self._sessions.begin() as session:
            claimed = await claim(session)
        if claimed is None:
            return DrainResult()
        items = [IngestItem(queued.tenant_id, queued.key, queued.event) for queued in claimed.events]
        outcomes = await self._alerting.ingest(items, cycle=claimed.cycle)
        failed = [outcome for outcome in outcomes if outcome.status == "failed"]
        if failed:
            raise ApplicationError(
                f"drain cycle {claimed.cycle}: Temporal refused {len(failed)} of {len(items)} events "
                f"({failed[0].message}); retrying the cycle"
            )
        async with self._sessions.begin() as session:
            await forget(session, claimed.cycle)
        keys = {(item.tenant_id, item.key) for item in items}
        return DrainResult(cycle=claimed.cycle, events=len(items), incidents=len(keys), more=claimed.more)
