"""Alertmanager's resolve_timeout on the time-skipping server: a member posted with an expiry
(`FireEvent.ends_at`, as POST /api/v2/alerts sends it) resolves on a durable timer unless re-sent;
a re-send only extends it and notifies nobody; a resolve for a closed incident opens nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.tables import Alert, AlertMember
from tests.support.alerts import add_webhook, eventually
from tests.support.opened import alert_row, settled
from tests.support.receiver import WebhookReceiver
from tests.workflow.test_incidents import member, nothing_arrives, send
from workflows.payloads import AlertStatus, AlertView, FireEvent

TIMEOUT = timedelta(minutes=5)


async def expiring(time_env: WorkflowEnvironment, tenant: str, host: str) -> FireEvent:
    """A member's trigger that expires `TIMEOUT` from the server's now (Alertmanager's endsAt)."""
    event = member(tenant, host)
    now = await time_env.get_current_time()
    return event.model_copy(update={"received_at": now, "ends_at": now + TIMEOUT})


async def test_members_not_re_sent_resolve_at_their_expiry_and_re_sends_only_extend_it(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await send(alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "a"))
    await send(alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "b"))
    await time_env.sleep(timedelta(seconds=31))
    await receiver.wait_for(1)  # t=31 s: the first notice (group_wait 30 s)
    wf_id = next(iter(opened))

    await time_env.sleep(timedelta(minutes=3))
    await settled(time_env, wf_id)
    await send(alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "a"))  # t≈3.5 min: a re-sent
    await time_env.sleep(timedelta(seconds=30))
    await nothing_arrives(receiver, 1)  # a re-send is no change: nobody is told

    await time_env.sleep(timedelta(seconds=75))  # t≈5 min 10 s: b was not re-sent, so it has ended
    row = await alert_row(sessions, tenant, "nodedown")
    assert row is not None
    async with sessions() as session:
        members = {
            m.labels["host"]: m
            for m in (await session.scalars(select(AlertMember).where(AlertMember.alert_id == row.id))).all()
        }
    assert (members["a"].status, members["b"].status) == ("firing", "resolved")
    assert members["b"].ends_at is not None and members["a"].ends_at is not None
    assert members["a"].ends_at - members["b"].ends_at > timedelta(minutes=3)  # extended by the re-send
    assert row.status == AlertStatus.TRIGGERED.value and row.firing_members == 1

    await time_env.sleep(timedelta(minutes=4))  # t≈9 min 40 s: a's extended expiry has passed too
    result = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
    assert result is not None and result.status == AlertStatus.RESOLVED and result.resolved_by == "herald"
    await receiver.wait_for(3)
    assert receiver.events() == ["triggered", "renotified", "resolved"]  # b's end (group_interval), then all


async def test_a_re_sent_resolve_for_a_closed_incident_opens_nothing(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await send(alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "a"))
    wf_id = next(iter(opened))
    await time_env.sleep(timedelta(minutes=6))  # expired: the incident closes
    closed = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
    assert closed is not None and closed.status == AlertStatus.RESOLVED

    for _ in range(3):  # Prometheus re-sends a resolved alert for 15 minutes
        resend = member(tenant, "a", action="resolve")
        [outcome] = await alerting.ingest([IngestItem(tenant, "nodedown", resend)])
        assert outcome.status == "ignored", outcome  # nothing open under the key: no run is started
    description = await time_env.client.get_workflow_handle(wf_id).describe()
    assert description.run_id == closed.alert_id  # still the run that opened and closed the incident
    async with sessions() as session:
        rows = (await session.scalars(select(Alert).where(Alert.tenant_id == tenant))).all()
    assert [r.status for r in rows] == ["resolved"]


async def test_expiries_are_carried_through_continue_as_new(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    first = await expiring(time_env, tenant, "a")
    first.options.max_events_per_run = 2  # continue-as-new after two events
    await send(alerting, opened, tenant, "nodedown", first)
    await send(alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "b"))
    await time_env.sleep(timedelta(seconds=31))
    await receiver.wait_for(1)
    wf_id = next(iter(opened))
    handle = time_env.client.get_workflow_handle(wf_id)
    opened_row = await alert_row(sessions, tenant, "nodedown")
    assert opened_row is not None  # its id is the run id of the run that opened the incident
    await time_env.sleep(timedelta(minutes=2))
    await settled(time_env, wf_id)
    await send(
        alerting, opened, tenant, "nodedown", await expiring(time_env, tenant, "b")
    )  # t≈2.5 min: b re-sent, a not

    async def run_id() -> str | None:
        return (await handle.describe()).run_id

    await eventually(run_id, lambda current: current != opened_row.id)  # continued as new, carrying the expiries
    await time_env.sleep(timedelta(minutes=3))  # t≈5.5 min: a's expiry (5 min) has passed, b's (≈7.5 min) not
    row = await alert_row(sessions, tenant, "nodedown")
    assert row is not None
    async with sessions() as session:
        states = {
            m.labels["host"]: m.status
            for m in (await session.scalars(select(AlertMember).where(AlertMember.alert_id == row.id))).all()
        }
    assert states == {"a": "resolved", "b": "firing"}
    await time_env.sleep(timedelta(minutes=2, seconds=30))  # t≈8 min: b's too
    result = await handle.result()
    assert result is not None and result["status"] == "resolved" and result["resolved_by"] == "herald"
