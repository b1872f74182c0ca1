"""The ingest inbox (models/inbox.py, workflows/inbox.py) on the dev server with a real worker:
queued events reach their incidents and leave the inbox; a cycle that was claimed and never
finished (its worker died between claiming and forgetting) is sent again and counted once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.inbox import Queued, claim, enqueue
from models.tables import Alert, IngestInbox
from tests.integration.conftest import Stack
from tests.support.alerts import eventually, trigger
from workflows.ids import labels_key
from workflows.payloads import Grouping


def queued(tenant: str, key: str, host: str) -> Queued:
    labels = {"alertname": "NodeDown", "host": host}
    event = trigger("Node down", labels=labels)
    event.options.grouping = Grouping(group_labels={"alertname": "NodeDown"})
    event.member_key = labels_key(tenant, labels)
    return Queued(tenant, key, event)


async def incident(sessions: async_sessionmaker[AsyncSession], tenant: str, key: str) -> Alert | None:
    async with sessions() as session:
        return await session.scalar(select(Alert).where(Alert.tenant_id == tenant, Alert.dedup_key == key))


async def waiting(sessions: async_sessionmaker[AsyncSession], tenant: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(IngestInbox).where(IngestInbox.tenant_id == tenant))
            or 0
        )


async def test_queued_events_reach_their_incident_and_leave_the_inbox(
    stack: Stack, sessions: async_sessionmaker[AsyncSession], dev_env: WorkflowEnvironment
) -> None:
    async with sessions.begin() as session:
        await enqueue(session, [queued(stack.tenant, "inbox-a", host) for host in ("a", "b", "c", "a")])
    alerting = AlertingClient(
        dev_env.client, task_queue=stack.settings.temporal_task_queue, update_timeout=10, ingest_concurrency=8
    )
    assert await alerting.wake_inbox() is None
    row = await eventually(
        lambda: incident(sessions, stack.tenant, "inbox-a"), lambda r: r is not None and r.event_count == 4
    )
    assert row is not None and row.firing_members == 3
    await eventually(lambda: waiting(sessions, stack.tenant), lambda n: n == 0)


async def test_a_cycle_left_unfinished_is_sent_again_and_counted_once(
    stack: Stack, sessions: async_sessionmaker[AsyncSession], dev_env: WorkflowEnvironment
) -> None:
    alerting = AlertingClient(
        dev_env.client, task_queue=stack.settings.temporal_task_queue, update_timeout=10, ingest_concurrency=8
    )
    assert await alerting.wake_inbox() is None  # an earlier test's leftovers go first
    async with sessions.begin() as session:
        await enqueue(session, [queued(stack.tenant, "inbox-b", host) for host in ("a", "b")])
    # A worker claims the cycle and sends it, then dies before forgetting it.
    async with sessions.begin() as session:
        claimed = await claim(session)
    assert claimed is not None
    mine = [q for q in claimed.events if q.tenant_id == stack.tenant]
    assert [q.event.member_key for q in mine] == [
        labels_key(stack.tenant, {"alertname": "NodeDown", "host": h}) for h in "ab"
    ]
    outcomes = await alerting.ingest(
        [IngestItem(q.tenant_id, q.key, q.event) for q in claimed.events], cycle=claimed.cycle
    )
    assert {o.status for o in outcomes} == {"accepted"}
    await eventually(
        lambda: incident(sessions, stack.tenant, "inbox-b"), lambda r: r is not None and r.event_count == 2
    )
    # The drain finds the cycle still claimed: it sends it again (skipped) and forgets it; then new events count.
    async with sessions.begin() as session:
        await enqueue(session, [queued(stack.tenant, "inbox-b", "c")])
    assert await alerting.wake_inbox() is None
    await eventually(lambda: waiting(sessions, stack.tenant), lambda n: n == 0)
    row = await eventually(
        lambda: incident(sessions, stack.tenant, "inbox-b"), lambda r: r is not None and r.firing_members == 3
    )
    assert row is not None and row.event_count == 3
