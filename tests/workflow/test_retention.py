"""RetentionWorkflow on the time-skipping server with the real `retention.purge` on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from models.tables import Alert
from settings import Settings
from tests.support.stored_alerts import add_with_history, alert_row
from workflows.retention import RetentionWorkflow
from workflows.retention_payloads import RetentionRequest


async def test_a_retention_pass_deletes_old_resolved_alerts_and_reports_them(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    opened: set[str],
) -> None:
    now = datetime.now(UTC)
    old = [alert_row(tenant, now - timedelta(days=300), resolved_at=now - timedelta(days=200)) for _ in range(3)]
    recent = alert_row(tenant, now - timedelta(days=300), resolved_at=now - timedelta(days=20))
    firing = alert_row(tenant, now - timedelta(days=300), status="firing")
    async with sessions.begin() as session:
        for row in [*old, recent, firing]:
            add_with_history(session, row)

    workflow_id = f"herald-retention/test/{uuid.uuid4().hex[:8]}"
    opened.add(workflow_id)
    summary = await time_env.client.execute_workflow(
        RetentionWorkflow.run,
        RetentionRequest(tenant_id=tenant, batch_size=2),
        id=workflow_id,
        task_queue=settings.temporal_task_queue,
    )
    assert (summary.alerts, summary.alert_events, summary.alert_members, summary.deliveries) == (3, 3, 3, 3)
    assert summary.complete and summary.tenants == 1 and summary.rows == 12
    async with sessions() as session:
        left = set(await session.scalars(select(Alert.id).where(Alert.tenant_id == tenant)))
    assert left == {recent.id, firing.id}
