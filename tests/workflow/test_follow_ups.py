"""Acknowledged and resolved notices go only where a notice that the alert fired was accepted or
may have arrived (docs/guide.md, "Deliveries"): the time-skipping server, the real activities,
PostgreSQL and a scripted webhook receiver."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.deliveries import fire_may_have_reached
from models.tables import AlertEvent, Notification
from tests.support.alerts import add_webhook, eventually, resolve_event
from tests.support.opened import alert_row, open_alert
from tests.support.receiver import Scripted, WebhookReceiver
from workflows.payloads import AcknowledgeRequest


async def timeline(sessions: async_sessionmaker[AsyncSession], alert_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AlertEvent.kind, AlertEvent.message).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
        )
        return [(kind, message) for kind, message in rows.all()]


async def fire_delivery(sessions: async_sessionmaker[AsyncSession], alert_id: str) -> Notification | None:
    async with sessions() as session:
        return await session.scalar(
            select(Notification).where(Notification.alert_id == alert_id, Notification.event == "triggered")
        )


async def test_resolved_is_not_sent_to_a_channel_that_answered_the_trigger_with_an_error(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """The field failure: the receiver answers 500 to the first two attempts of every notification;
    the source resolves while the trigger waits for its retry."""
    await add_webhook(sessions, tenant, receiver.url)
    receiver.script.extend(Scripted(500) for _ in range(4))
    wf_id = await open_alert(alerting, opened, tenant, "flaky")
    await receiver.wait_for(1)
    row = await eventually(lambda: alert_row(sessions, tenant, "flaky"), lambda row: row is not None)
    assert row is not None
    await eventually(lambda: fire_delivery(sessions, row.id), lambda d: d is not None and d.status == "retrying")
    [outcome] = await alerting.ingest([IngestItem(tenant, "flaky", resolve_event())])
    assert outcome.status == "accepted"
    await time_env.client.get_workflow_handle(wf_id).result()
    assert receiver.events() == ["triggered"]
    entries = await timeline(sessions, row.id)
    assert ("resolved", "resolved by its source") in entries
    assert any(kind == "notification_not_sent" and message.startswith("resolved") for kind, message in entries)


async def test_acknowledged_is_not_sent_to_a_channel_that_answered_the_trigger_with_an_error(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    receiver.script.extend(Scripted(503) for _ in range(4))
    wf_id = await open_alert(alerting, opened, tenant, "flaky-ack")
    await receiver.wait_for(1)
    row = await eventually(lambda: alert_row(sessions, tenant, "flaky-ack"), lambda row: row is not None)
    assert row is not None
    await eventually(lambda: fire_delivery(sessions, row.id), lambda d: d is not None and d.status == "retrying")
    await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="alice"))
    entries = await eventually(
        lambda: timeline(sessions, row.id),
        lambda entries: any(kind == "notification_not_sent" for kind, _ in entries),
    )
    assert [message.split(" ")[0] for kind, message in entries if kind == "notification_not_sent"] == ["acknowledged"]
    assert receiver.events() == ["triggered"]


async def test_a_trigger_that_timed_out_may_have_arrived_so_resolved_is_sent(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """The ambiguous case, decided: an attempt that got no answer may have been received, so the
    receiver hears how the alert ended."""
    await add_webhook(sessions, tenant, receiver.url, timeout_seconds=0.5)
    late = asyncio.Event()
    receiver.script.append(Scripted(200, hold=late))  # received, answered only after Herald gave up waiting
    wf_id = await open_alert(alerting, opened, tenant, "slowpoke")
    row = await eventually(lambda: alert_row(sessions, tenant, "slowpoke"), lambda row: row is not None)
    assert row is not None
    await eventually(lambda: fire_delivery(sessions, row.id), lambda d: d is not None and d.status == "retrying")
    [outcome] = await alerting.ingest([IngestItem(tenant, "slowpoke", resolve_event())])
    assert outcome.status == "accepted"
    await time_env.client.get_workflow_handle(wf_id).result()
    late.set()
    assert receiver.events() == ["triggered", "resolved"]
    fire = await fire_delivery(sessions, row.id)
    assert fire is not None and fire.attempts == 1 and fire.provider_status is None  # never answered


@pytest.mark.parametrize(
    ("event", "status", "provider_status", "reached"),
    [
        ("triggered", "delivered", 200, True),
        ("renotified", "delivered", 200, True),
        ("escalated", "delivered", 200, True),
        ("triggered", "sending", None, True),  # an attempt in progress (or its worker died)
        ("escalated", "retrying", None, True),  # timed out, or the connection dropped: may have arrived
        ("triggered", "retrying", 500, False),  # the receiver said no
        ("escalated", "retrying", 503, False),
        ("renotified", "failed", 400, False),
        ("triggered", "failed", None, True),  # Herald stopped waiting for an answer (gave up, or cancelled it)
        ("acknowledged", "delivered", 200, False),  # not a notice that the alert fired
    ],
)
async def test_which_fire_notices_count_as_arrived(
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    event: str,
    status: str,
    provider_status: int | None,
    reached: bool,
) -> None:
    alert_id, channel_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            Notification(
                id=str(uuid.uuid4()),
                tenant_id=tenant,
                alert_id=alert_id,
                channel_id=channel_id,
                channel_name="ops",
                channel_type="webhook",
                event=event,
                idempotency_key=f"k-{uuid.uuid4()}",
                status=status,
                attempts=1,
                provider_status=provider_status,
            )
        )
    async with sessions() as session:
        assert await fire_may_have_reached(session=session, alert_id=alert_id, channel_id=channel_id, user_id=None) == (
            reached
        )
        other_alert = await fire_may_have_reached(
            session=session, alert_id=str(uuid.uuid4()), channel_id=channel_id, user_id=None
        )
        paged = await fire_may_have_reached(session=session, alert_id=alert_id, channel_id=channel_id, user_id="u1")
    assert not other_alert and not paged
