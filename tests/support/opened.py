"""Alerts opened by workflow tests, so their fixture can record and terminate them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.tables import Alert
from tests.support.alerts import eventually, trigger

OPENED: set[str] = set()


async def open_alert(alerting: AlertingClient, tenant: str, key: str, **kw: object) -> str:
    [outcome] = await alerting.ingest([IngestItem(tenant, key, trigger(**kw))])  # type: ignore[arg-type]
    assert outcome.status == "accepted", outcome
    OPENED.add(outcome.workflow_id)
    return outcome.workflow_id


async def alert_row(sessions: async_sessionmaker[AsyncSession], tenant: str, key: str) -> Alert | None:
    async with sessions() as session:
        return await session.scalar(
            select(Alert).where(Alert.tenant_id == tenant, Alert.dedup_key == key).order_by(Alert.created_at.desc())
        )


async def settled(time_env: WorkflowEnvironment, wf_id: str) -> None:
    """Wait until no delivery is in flight. The time-skipping server (unlike a cluster, see
    temporalio/sdk-java#2391) fails the workflow task that cancels an activity whose completion
    it has just recorded, so tests that acknowledge right after a page let that page finish."""
    handle = time_env.client.get_workflow_handle(wf_id)

    async def pending() -> int:
        description = await handle.describe()
        return len(description.raw_description.pending_activities)

    await eventually(pending, lambda count: count == 0)
