"""The workflow tests' clients on the time-skipping server: `alerting`, a worker with the real
activities (PostgreSQL, HTTP); `fast`, a worker whose activities are fakes (tests/workflow/fakes.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from gateway.client import AlertingClient
from gateway.sandbox import workflow_runner
from models.metric_store import SeriesCache
from settings import Settings
from tests.support.opened import quiet
from tests.workflow.fakes import FakeActivities, FastAlerts
from worker import build_worker
from workflows.alert import AlertWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


@pytest.fixture(scope="session")
def series_cache() -> SeriesCache:
    """Series ids of the pushed samples, for the whole session like the database they point into."""
    return SeriesCache()


@pytest.fixture
def opened() -> set[str]:
    """The workflow ids this test started (alerts, monitors, evaluation passes), for `alerting` to
    record and terminate when the test ends."""
    return set()


@pytest.fixture
async def alerting(
    request: pytest.FixtureRequest,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    opened: set[str],
) -> AsyncIterator[AlertingClient]:
    client = AlertingClient(
        time_env.client, task_queue=settings.temporal_task_queue, update_timeout=30, ingest_concurrency=8
    )
    async with build_worker(time_env.client, sessions, settings) as worker, worker:
        yield client
        if os.environ.get("HERALD_RECORD_HISTORIES") and request.node.get_closest_marker("no_history") is None:
            # Refresh the committed histories that the replay test checks new code against (not
            # those of tests marked `no_history`: too big to commit).
            for number, wf_id in enumerate(sorted(opened)):
                history = await time_env.client.get_workflow_handle(wf_id).fetch_history()
                (HISTORIES / f"{request.node.name}-{number}.json").write_text(history.to_json())
        # Alerts left open would hold the shared server's clock once their worker is gone.
        for wf_id in opened:
            try:
                await quiet(
                    time_env, wf_id
                )  # terminating with an activity or a workflow task in flight wedges the test server
                await time_env.client.get_workflow_handle(wf_id).terminate("test finished")
            except RPCError:
                pass  # already closed


@pytest.fixture
async def fast(time_env: WorkflowEnvironment) -> AsyncIterator[FastAlerts]:
    """AlertWorkflow on a fresh task queue with fake activities: no PostgreSQL, no HTTP."""
    task_queue = f"fast-{uuid.uuid4().hex[:8]}"
    client = AlertingClient(time_env.client, task_queue=task_queue, update_timeout=30, ingest_concurrency=8)
    alerts = FastAlerts(time_env, client, FakeActivities())
    async with Worker(
        time_env.client,
        task_queue=task_queue,
        workflows=[AlertWorkflow],
        activities=alerts.fakes.all(),
        workflow_runner=workflow_runner("shared"),
    ):
        yield alerts
        for wf_id in alerts.opened_ids():
            try:
                await quiet(time_env, wf_id)
                await time_env.client.get_workflow_handle(wf_id).terminate("test finished")
            except RPCError:
                pass  # already closed
