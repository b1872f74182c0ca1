"""AlertWorkflow on the time-skipping server, with the real activities, PostgreSQL and a
real webhook receiver: repeat, acknowledge, resolve, re-fire, retries, continue-as-new."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from gateway.errors import TransitionRejected
from models.tables import AlertEvent, Channel, Notification
from tests.support.alerts import add_webhook, eventually, resolve_event, trigger
from tests.support.opened import alert_row, open_alert, settled
from tests.support.receiver import Scripted, WebhookReceiver
from workflows.ids import alert_workflow_id as workflow_id
from workflows.payloads import AcknowledgeRequest, AlertStatus, AlertView, ResolveRequest


async def test_triggered_alert_notifies_then_repeats_until_acknowledged(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = await open_alert(alerting, opened, tenant, "disk", repeat=timedelta(minutes=5))
    first = await receiver.wait_for(1)
    assert first[0].json["event"] == "triggered"
    assert first[0].headers["idempotency-key"].startswith(wf_id)

    await time_env.sleep(timedelta(minutes=5, seconds=1))
    await receiver.wait_for(2)
    await time_env.sleep(timedelta(minutes=5))
    await receiver.wait_for(3)
    assert receiver.events() == ["triggered", "renotified", "renotified"]
    assert len({r.headers["idempotency-key"] for r in receiver.received}) == 3

    row = await alert_row(sessions, tenant, "disk")
    assert row is not None
    view = await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="alice", note="on it"))
    assert view.status == AlertStatus.ACKNOWLEDGED
    assert view.acknowledged_by == "alice"
    await receiver.wait_for(4)
    assert receiver.events()[-1] == "acknowledged"

    await time_env.sleep(timedelta(hours=2))
    assert receiver.events().count("renotified") == 2  # acknowledgement stopped the repeats

    again = await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="bob"))
    assert again.acknowledged_by == "alice"  # acknowledging twice is harmless

    resolved = await alerting.resolve(wf_id, ResolveRequest(alert_id=row.id, actor="alice", note="cleaned up"))
    assert resolved.status == AlertStatus.RESOLVED
    await receiver.wait_for(5)
    assert receiver.events()[-1] == "resolved"
    result = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
    assert result is not None and result.status == AlertStatus.RESOLVED

    row = await alert_row(sessions, tenant, "disk")
    assert row is not None and row.status == "resolved" and row.resolved_by == "alice"
    async with sessions() as session:
        kinds = (
            await session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == row.id).order_by(AlertEvent.id))
        ).all()
    assert kinds[0] == "triggered"
    assert {"acknowledged", "resolved", "notification_delivered"} <= set(kinds)


async def test_refires_count_without_restarting_the_repeat_timer(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await open_alert(alerting, opened, tenant, "flappy", repeat=timedelta(minutes=10))
    await receiver.wait_for(1)
    for _ in range(3):
        await time_env.sleep(timedelta(minutes=4))
        await open_alert(alerting, opened, tenant, "flappy", repeat=timedelta(minutes=10))
    # 12 minutes in, with re-fires every 4: the 10-minute repeat still fired once.
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "renotified"]
    row = await eventually(
        lambda: alert_row(sessions, tenant, "flappy"), lambda r: r is not None and r.event_count == 4
    )
    assert row is not None and row.last_seen > row.created_at


async def test_resolve_event_closes_and_same_key_opens_a_new_alert(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = await open_alert(alerting, opened, tenant, "cpu")
    await receiver.wait_for(1)
    await settled(time_env, wf_id)
    first = await alert_row(sessions, tenant, "cpu")
    assert first is not None
    [outcome] = await alerting.ingest([IngestItem(tenant, "cpu", resolve_event())])
    assert outcome.status == "accepted"
    await time_env.client.get_workflow_handle(wf_id).result()
    assert receiver.events() == ["triggered", "resolved"]

    [again] = await alerting.ingest([IngestItem(tenant, "cpu", resolve_event())])
    assert again.status == "ignored"  # resolving a closed key is a no-op
    [unknown] = await alerting.ingest([IngestItem(tenant, f"nope-{uuid.uuid4().hex}", resolve_event())])
    assert unknown.status == "ignored"

    await open_alert(alerting, opened, tenant, "cpu")
    second = await eventually(lambda: alert_row(sessions, tenant, "cpu"), lambda r: r is not None and r.id != first.id)
    assert second is not None and second.status == "triggered" and second.event_count == 1
    with pytest.raises(TransitionRejected, match="resolved"):
        await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=first.id, actor="alice"))


async def test_failing_webhook_is_retried_with_backoff_and_4xx_is_permanent(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    receiver.script.extend([Scripted(500), Scripted(503), Scripted(429, {"Retry-After": "120"})])
    await open_alert(alerting, opened, tenant, "retry")
    await receiver.wait_for(3)  # 500, then 503 after 2 s, then 429 after 4 s more
    await time_env.sleep(timedelta(minutes=3))
    received = await receiver.wait_for(4)
    assert len({r.headers["idempotency-key"] for r in received}) == 1
    async with sessions() as session:
        delivery = await eventually(
            lambda: session.scalar(
                select(Notification).where(Notification.tenant_id == tenant).execution_options(populate_existing=True)
            ),
            lambda d: d is not None and d.status == "delivered",
        )
    assert delivery is not None and delivery.attempts == 4 and delivery.provider_status == 200

    other = f"{tenant}-4xx"
    receiver.script.append(Scripted(400))
    async with sessions.begin() as session:
        from models.api_keys import ensure_tenant

        await ensure_tenant(session=session, tenant_id=other)
    await add_webhook(sessions, other, receiver.url)
    await open_alert(alerting, opened, other, "bad")
    async with sessions() as session:
        failed = await eventually(
            lambda: session.scalar(
                select(Notification).where(Notification.tenant_id == other).execution_options(populate_existing=True)
            ),
            lambda d: d is not None and d.status == "failed",
        )
    assert failed is not None and failed.attempts == 1 and "400" in (failed.last_error or "")


async def test_continue_as_new_keeps_state(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = await open_alert(alerting, opened, tenant, "can", repeat=timedelta(minutes=10), max_events_per_run=3)
    await receiver.wait_for(1)
    first_run = (await time_env.client.get_workflow_handle(wf_id).describe()).run_id
    for _ in range(7):
        await open_alert(alerting, opened, tenant, "can", repeat=timedelta(minutes=10), max_events_per_run=3)
    row = await eventually(lambda: alert_row(sessions, tenant, "can"), lambda r: r is not None and r.event_count == 8)
    assert row is not None and row.id == first_run
    handle = time_env.client.get_workflow_handle(wf_id, result_type=AlertView)
    # It continues as new once the run's work is done (the projection can show event 8 a moment before).
    await eventually(handle.describe, lambda described: described.run_id != first_run)
    await time_env.sleep(timedelta(minutes=10, seconds=1))
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "renotified"]  # the repeat survived, once
    view = await alerting.resolve(wf_id, ResolveRequest(alert_id=row.id, actor="alice"))
    assert view.event_count == 8 and view.alert_id == first_run
    await receiver.wait_for(3)
    assert receiver.events()[-1] == "resolved"
    assert workflow_id(tenant, "can") == wf_id


async def test_deleted_channel_is_a_recorded_permanent_failure(
    alerting: AlertingClient,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    channel_id = await add_webhook(sessions, tenant, receiver.url)
    other_id = await add_webhook(sessions, tenant, receiver.url, name="kept")
    async with sessions.begin() as session:
        channel = await session.get(Channel, channel_id)
        assert channel is not None
        await session.delete(channel)
    event = trigger()
    event.options.channel_ids = [channel_id, other_id]
    [outcome] = await alerting.ingest([IngestItem(tenant, "gone", event)])
    opened.add(outcome.workflow_id)
    await receiver.wait_for(1)  # the remaining channel is still notified

    async def kinds() -> list[str]:
        async with sessions() as session:
            rows = await session.scalars(select(AlertEvent.kind).where(AlertEvent.tenant_id == tenant))
            return list(rows.all())

    found = await eventually(kinds, lambda k: "notification_delivered" in k)
    assert found.count("notification_failed") == 1  # the deleted channel is named in the timeline


async def test_trigger_while_resolving_opens_the_next_incident(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = await open_alert(alerting, opened, tenant, "bouncy")
    await receiver.wait_for(1)
    await settled(time_env, wf_id)
    first = await alert_row(sessions, tenant, "bouncy")
    assert first is not None
    release = asyncio.Event()
    receiver.script.append(Scripted(200, hold=release))  # the "resolved" notice is in flight...
    await alerting.resolve(wf_id, ResolveRequest(alert_id=first.id, actor="alice"))
    await receiver.wait_for(2)
    await open_alert(alerting, opened, tenant, "bouncy")  # ...when the condition fires again, twice
    await open_alert(alerting, opened, tenant, "bouncy")
    release.set()

    second = await eventually(
        lambda: alert_row(sessions, tenant, "bouncy"), lambda r: r is not None and r.id != first.id
    )
    assert second is not None and second.status == "triggered" and second.event_count == 2
    await receiver.wait_for(3)
    assert receiver.events() == ["triggered", "resolved", "triggered"]
    assert receiver.received[2].json["alert"]["id"] == second.id


async def test_chat_button_signals_act_once_and_only_on_their_alert(
    alerting: AlertingClient,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    release = asyncio.Event()
    receiver.script.append(Scripted(200, hold=release))  # the trigger reaches the receiver, which answers late
    wf_id = await open_alert(alerting, opened, tenant, "button")
    await receiver.wait_for(1)
    row = await alert_row(sessions, tenant, "button")
    assert row is not None
    # A click on an earlier incident's message (same key, another alert id) changes nothing.
    await alerting.signal_transition(wf_id, AcknowledgeRequest(alert_id="an-older-alert", actor="old"))
    for _ in range(3):  # a click, Slack's retry of it, a double click
        await alerting.signal_transition(wf_id, AcknowledgeRequest(alert_id=row.id, actor="Ann (Slack)"))
    acked = await eventually(
        lambda: alert_row(sessions, tenant, "button"), lambda r: r is not None and r.status == AlertStatus.ACKNOWLEDGED
    )
    assert acked is not None and acked.acknowledged_by == "Ann (Slack)"
    release.set()
    await alerting.signal_transition(wf_id, ResolveRequest(alert_id=row.id, actor="Ann (Slack)"))
    # Acknowledged while the trigger's delivery was in flight: the channel is still told.
    await receiver.wait_for(3)
    assert receiver.events() == ["triggered", "acknowledged", "resolved"]
    async with sessions() as session:
        kinds = list(await session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == row.id)))
    assert kinds.count("acknowledged") == 1 and kinds.count("resolved") == 1
