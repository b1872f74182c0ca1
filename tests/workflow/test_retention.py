"""RetentionWorkflow on the time-skipping server with the real `retention.purge` on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from models.tables import Alert, AuditEntry, Tenant
from settings import Settings
from tests.support.stored_alerts import add_with_history, alert_row
from workflows.retention import RetentionWorkflow
from workflows.retention_payloads import RetentionRequest, RetentionSummary


async def run_pass(
    time_env: WorkflowEnvironment, settings: Settings, opened: set[str], request: RetentionRequest
) -> RetentionSummary:
    """One RetentionWorkflow on the test worker's queue (recorded for `alerting` to clean up), to its summary."""
    workflow_id = f"herald-retention/test/{uuid.uuid4().hex[:8]}"
    opened.add(workflow_id)
    return await time_env.client.execute_workflow(
        RetentionWorkflow.run, request, id=workflow_id, task_queue=settings.temporal_task_queue
    )


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

    summary = await run_pass(time_env, settings, opened, RetentionRequest(tenant_id=tenant, batch_size=2))
    assert (summary.alerts, summary.alert_events, summary.alert_members, summary.deliveries) == (3, 3, 3, 3)
    assert summary.complete and summary.tenants == 1 and summary.rows == 12
    async with sessions() as session:
        left = set(await session.scalars(select(Alert.id).where(Alert.tenant_id == tenant)))
    assert left == {recent.id, firing.id}


async def test_a_retention_pass_deletes_audit_rows_past_their_own_retention_and_reports_them(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    opened: set[str],
) -> None:
    now = await time_env.get_current_time()  # the pass's clock: time-skipping runs ahead of the wall clock
    async with sessions.begin() as session:
        await session.execute(update(Tenant).where(Tenant.id == tenant).values(audit_retention_days=30))
        for age in (10, 40, 400):
            session.add(
                AuditEntry(
                    tenant_id=tenant,
                    at=now - timedelta(days=age),
                    via="api-key",
                    resource="team",
                    resource_id=f"team-{age}",
                    action="create",
                )
            )
        add_with_history(session, alert_row(tenant, now - timedelta(days=300), resolved_at=now - timedelta(days=20)))

    summary = await run_pass(time_env, settings, opened, RetentionRequest(tenant_id=tenant, batch_size=1))
    # Audit rows keep their own 30 days; the alert (20 days resolved) is inside the alerts' 90.
    assert (summary.audit_entries, summary.alerts, summary.rows) == (2, 0, 2) and summary.complete
    async with sessions() as session:
        left = set(await session.scalars(select(AuditEntry.resource_id).where(AuditEntry.tenant_id == tenant)))
    assert left == {"team-10"}
