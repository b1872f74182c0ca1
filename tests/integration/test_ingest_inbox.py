"""The ingest inbox (models/inbox.py, workflows/inbox.py) on the dev server with a real worker:
queued events reach their incidents and leave the inbox; a cycle that was claimed and never
finished (its worker died between claiming and forgetting) is sent again and counted once."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from gateway.client import AlertingClient, IngestItem
from models.inbox import Queued, claim, enqueue
from models.tables import Alert, IngestInbox
from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.support.alerts import eventually, trigger
from worker import build_worker
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


async def waiting(sessions: async_sessionmaker[AsyncSession], tenant: str | None) -> int:
    """Events in the inbox: the tenant's, or everybody's."""
    query = select(func.count()).select_from(IngestInbox)
    if tenant is not None:
        query = query.where(IngestInbox.tenant_id == tenant)
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


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
    await eventually(lambda: waiting(sessions, None), lambda n: n == 0)
    # A worker claims the cycle and sends it, then dies before forgetting it. (Queued and claimed in
    # one transaction: the running drain never sees these rows unclaimed.)
    async with sessions.begin() as session:
        await enqueue(session, [queued(stack.tenant, "inbox-b", host) for host in ("a", "b")])
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


async def test_events_accepted_while_temporal_is_down_reach_their_incidents_once_it_is_back(
    settings: Settings,
    dev_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    dev_env: WorkflowEnvironment,
) -> None:
    """A 202 from `POST /api/v1/events` means the events are in PostgreSQL: an API whose Temporal
    answers nothing still accepts them, and a worker that starts later hands them on."""
    dead = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}", "update_timeout_seconds": 3.0})
    hosts = ("a", "b", "c")
    async with api_stack(dead, sessions) as api:
        events = [{"title": "Node down", "labels": {"alertname": "NodeDown", "host": h}} for h in hosts]
        answer = await api.http.post("/api/v1/events", headers=api.responder, json={"events": events})
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == 3
        keys = [result["key"] for result in answer.json()["results"]]
    assert keys == [labels_key(api.tenant, {"alertname": "NodeDown", "host": h}) for h in hosts]
    assert await waiting(sessions, api.tenant) == 3
    async with build_worker(dev_env.client, sessions, dev_settings) as worker, worker:
        alerting = AlertingClient(
            dev_env.client, task_queue=dev_settings.temporal_task_queue, update_timeout=10, ingest_concurrency=8
        )
        assert await alerting.wake_inbox() is None  # as `herald worker` does at its start
        for key in keys:
            row = await eventually(partial(incident, sessions, api.tenant, key), lambda r: r is not None)
            assert row is not None and row.status == "triggered"
        await eventually(lambda: waiting(sessions, api.tenant), lambda n: n == 0)
