"""The gateway turns Temporal's errors into domain errors by type: a closed alert is a rejected
transition, an unknown one is not found, a validator's rejection keeps its words."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from gateway.errors import AlertNotFound, TransitionRejected
from tests.support.alerts import eventually, resolve_event
from tests.support.opened import alert_row, open_alert
from workflows.ids import alert_workflow_id
from workflows.payloads import AcknowledgeRequest, ResolveRequest, SnoozeRequest


async def test_a_closed_alert_rejects_updates_and_signals(
    alerting: AlertingClient,
    opened: set[str],
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
) -> None:
    wf_id = await open_alert(alerting, opened, tenant, "closed")
    [outcome] = await alerting.ingest([IngestItem(tenant, "closed", resolve_event())])
    assert outcome.status == "accepted"
    await time_env.client.get_workflow_handle(wf_id).result()
    row = await alert_row(sessions, tenant, "closed")
    assert row is not None

    with pytest.raises(TransitionRejected, match="resolved and closed"):
        await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="alice"))
    with pytest.raises(TransitionRejected, match="resolved and closed"):
        await alerting.signal_transition(wf_id, ResolveRequest(alert_id=row.id, actor="alice"))


async def test_an_unknown_alert_is_not_found(alerting: AlertingClient, tenant: str) -> None:
    wf_id = alert_workflow_id(tenant, f"never-{uuid.uuid4().hex}")
    with pytest.raises(AlertNotFound):
        await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id="x", actor="alice"))
    with pytest.raises(AlertNotFound):
        await alerting.signal_transition(wf_id, AcknowledgeRequest(alert_id="x", actor="alice"))


async def test_a_validator_rejection_keeps_its_words(
    alerting: AlertingClient, opened: set[str], sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    wf_id = await open_alert(alerting, opened, tenant, "snooze-early")
    row = await eventually(lambda: alert_row(sessions, tenant, "snooze-early"), lambda r: r is not None)
    assert row is not None
    with pytest.raises(TransitionRejected, match="acknowledge it first"):
        await alerting.act(wf_id, "snooze", SnoozeRequest(alert_id=row.id, actor="alice", duration=timedelta(hours=1)))
    with pytest.raises(TransitionRejected, match="is resolved and cannot be acknowledged"):
        await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id="an-older-alert", actor="alice"))
