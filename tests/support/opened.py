"""Opening alerts in workflow tests, and waiting for them to settle. Each test's `opened`
fixture (tests/workflow/conftest.py) holds the workflow ids it started, so that its
`alerting` fixture can record their histories and terminate them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.tables import Alert
from tests.support.alerts import eventually, trigger


async def open_alert(alerting: AlertingClient, opened: set[str], tenant: str, key: str, **kw: object) -> str:
    [outcome] = await alerting.ingest([IngestItem(tenant, key, trigger(**kw))])  # type: ignore[arg-type]
    assert outcome.status == "accepted", outcome
    opened.add(outcome.workflow_id)
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


WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}
WORKFLOW_TASK_IN_FLIGHT = {EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED}


async def quiet(time_env: WorkflowEnvironment, wf_id: str) -> None:
    """Wait until neither a delivery nor a workflow task is in flight. With fast activities a test
    ends while the workflow still handles the last completion, and the time-skipping server
    wedges (every later sleep times out) when a workflow is terminated in the middle of its task."""
    await settled(time_env, wf_id)
    await idle(time_env, wf_id)


async def idle(time_env: WorkflowEnvironment, wf_id: str) -> None:
    """Wait until no workflow task is in flight: the workflow has taken in every signal sent so far."""
    handle = time_env.client.get_workflow_handle(wf_id)

    async def last_task_event() -> EventType.ValueType | None:
        history = await handle.fetch_history()
        found = [event.event_type for event in history.events if event.event_type in WORKFLOW_TASK_EVENTS]
        return found[-1] if found else None

    await eventually(last_task_event, lambda last: last not in WORKFLOW_TASK_IN_FLIGHT)
