""" "If we told you it fired, we tell you it resolved" (Alertmanager #226, #2754), on the time-skipping
server with the real activities, PostgreSQL and a real webhook receiver: an incident whose fire notice
was delivered and that a silence, an inhibition or a maintenance window mutes since still sends its
resolved notice to the channel that heard it fire; an incident that the same mute held back from the
start was never told to anyone, so its resolution is not told either."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from models.tables import MaintenanceWindow
from tests.support.alerts import add_webhook, eventually, trigger
from tests.support.opened import settled
from tests.support.receiver import WebhookReceiver
from tests.workflow.test_incidents import cluster_rule, nothing_arrives, send, silence, timeline_kinds
from workflows.ids import labels_key
from workflows.payloads import AlertView, FireEvent, Grouping

Mute = Callable[[async_sessionmaker[AsyncSession], str], Awaitable[None]]


def event(tenant: str, alertname: str, host: str = "", action: str = "trigger") -> FireEvent:
    labels = {"alertname": alertname, "cluster": "a"} | ({"host": host} if host else {})
    fired = trigger(alertname, labels=labels, repeat=timedelta(hours=4))
    fired.options.grouping = Grouping(group_labels={"alertname": alertname}, group_wait=timedelta(0))
    fired.member_key = labels_key(tenant, labels)
    if action == "resolve":
        return FireEvent(action="resolve", received_at=datetime.now(UTC), actor="test", member_key=fired.member_key)
    return fired


async def told_then_muted_then_resolved(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
    mute: Mute,
    muted_kind: str,
) -> None:
    """InstanceDown n1 fires and is told; then `mute` mutes InstanceDown; n2 fires (held back from the
    start, `muted_kind` in its timeline); both resolve: only n1's resolution is told, to the channel
    that heard it fire."""
    await add_webhook(sessions, tenant, receiver.url)
    await send(alerting, opened, tenant, "told", event(tenant, "InstanceDown", "n1"))
    await receiver.wait_for(1)
    told = next(wf for wf in opened if wf.endswith("/told"))
    await settled(time_env, told)

    await mute(sessions, tenant)
    before = len(receiver.received)  # the inhibition's source was told it fired
    await send(alerting, opened, tenant, "quiet", event(tenant, "InstanceDown", "n2"))
    kinds = await eventually(lambda: timeline_kinds(sessions, tenant, "quiet"), lambda k: muted_kind in k)
    assert "notification_delivered" not in kinds
    quiet = next(wf for wf in opened if wf.endswith("/quiet"))
    await settled(time_env, quiet)

    await send(alerting, opened, tenant, "told", event(tenant, "InstanceDown", "n1", action="resolve"))
    await send(alerting, opened, tenant, "quiet", event(tenant, "InstanceDown", "n2", action="resolve"))
    for wf_id in (told, quiet):
        result = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
        assert result is not None and result.status.value == "resolved"
    await receiver.wait_for(before + 1)
    await nothing_arrives(receiver, before + 1)
    instances = [
        (r.json["alert"]["title"], r.json["event"]) for r in receiver.received if "Instance" in r.json["alert"]["title"]
    ]
    told_id = receiver.received[0].json["alert"]["id"]
    assert instances == [("InstanceDown", "triggered"), ("InstanceDown", "resolved")]
    assert receiver.received[-1].json["alert"]["id"] == told_id  # the resolution told is n1's, not n2's
    quiet_kinds = await timeline_kinds(sessions, tenant, "quiet")
    assert "notification_delivered" not in quiet_kinds and "resolved" in quiet_kinds


async def test_an_incident_told_it_fired_is_told_it_resolved_though_silenced_since(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    async def mute(sessions: async_sessionmaker[AsyncSession], tenant: str) -> None:
        await silence(sessions, tenant, ['alertname="InstanceDown"'])

    await told_then_muted_then_resolved(
        alerting, time_env, sessions, tenant, receiver, opened, mute, "notification_silenced"
    )


async def test_an_incident_told_it_fired_is_told_it_resolved_though_in_maintenance_since(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    async def mute(sessions: async_sessionmaker[AsyncSession], tenant: str) -> None:
        now = datetime.now(UTC)
        async with sessions.begin() as session:
            session.add(
                MaintenanceWindow(
                    id=str(uuid.uuid4()),
                    tenant_id=tenant,
                    matchers=['alertname="InstanceDown"'],
                    starts_at=now - timedelta(minutes=1),
                    ends_at=now + timedelta(days=1),
                    reason="rack move",
                    created_by="test",
                )
            )

    await told_then_muted_then_resolved(
        alerting, time_env, sessions, tenant, receiver, opened, mute, "notification_suppressed"
    )


async def test_an_incident_told_it_fired_is_told_it_resolved_though_inhibited_since(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    async def mute(sessions: async_sessionmaker[AsyncSession], tenant: str) -> None:
        """ClusterDown (cluster a) fires, is told, and from then on inhibits InstanceDown in cluster a."""
        await cluster_rule(sessions, tenant)
        await send(alerting, opened, tenant, "cluster", event(tenant, "ClusterDown"))
        await receiver.wait_for(2)

    await told_then_muted_then_resolved(
        alerting, time_env, sessions, tenant, receiver, opened, mute, "notification_inhibited"
    )
