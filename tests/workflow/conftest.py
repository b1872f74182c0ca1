"""The workflow tests' client: a worker with the real activities on the time-skipping server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from settings import Settings
from tests.support.opened import OPENED, settled
from worker import build_worker

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


@pytest.fixture
async def alerting(
    request: pytest.FixtureRequest,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> AsyncIterator[AlertingClient]:
    client = AlertingClient(
        time_env.client, task_queue=settings.temporal_task_queue, update_timeout=30, ingest_concurrency=8
    )
    async with build_worker(time_env.client, sessions, settings) as worker, worker:
        yield client
        if os.environ.get("HERALD_RECORD_HISTORIES"):
            # Refresh the committed histories that the replay test checks new code against.
            for number, wf_id in enumerate(sorted(OPENED)):
                history = await time_env.client.get_workflow_handle(wf_id).fetch_history()
                (HISTORIES / f"{request.node.name}-{number}.json").write_text(history.to_json())
        # Alerts left open would hold the shared server's clock once their worker is gone.
        for wf_id in OPENED:
            try:
                await settled(time_env, wf_id)  # terminating with an activity in flight can wedge the test server
                await time_env.client.get_workflow_handle(wf_id).terminate("test finished")
            except RPCError:
                pass  # already closed
        OPENED.clear()
