"""The worker's connections skip the checkout ping (models/db.py): when PostgreSQL drops them (a restart, a
failover), the activity that meets a dead connection fails, is retried by Temporal, and the pool replaces its
connections — nothing is lost or sent twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from models.db import create_engine, create_sessionmaker
from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.integration.test_alert_flows import add_channel
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver
from worker import build_worker


@pytest.fixture
async def worker_engine(database_url: str) -> AsyncIterator[tuple[AsyncEngine, str]]:
    name = f"herald-worker-{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url, pre_ping=False, application_name=name)
    yield engine, name
    await engine.dispose()


async def _fire(api: Stack, title: str) -> None:
    answer = await api.http.post(
        "/api/v1/events", headers=api.responder, json={"events": [{"title": title, "labels": {"t": title}}]}
    )
    assert answer.status_code == 202, answer.text


async def test_the_worker_recovers_when_postgresql_drops_its_connections(
    dev_env: WorkflowEnvironment,
    dev_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    worker_engine: tuple[AsyncEngine, str],
    receiver: WebhookReceiver,
) -> None:
    engine, application_name = worker_engine
    async with (
        api_stack(dev_settings, sessions) as api,
        build_worker(dev_env.client, create_sessionmaker(engine), dev_settings) as worker,
        worker,
    ):
        await add_channel(api, receiver.url)
        await _fire(api, "before")
        await receiver.wait_for(1)
        async with sessions() as session:
            dropped = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"
                ).bindparams(name=application_name)
            )
        assert dropped and dropped > 0  # the worker's pooled connections are gone

        await _fire(api, "after")
        sent = await receiver.wait_for(2)
        assert sorted(hook.json["alert"]["title"] for hook in sent) == ["after", "before"]  # each once
        listed = await eventually(
            lambda: api.http.get("/api/v1/alerts/", headers=api.viewer, params={"label": "t=after"}),
            lambda r: r.json()["total"] == 1 and r.json()["items"][0]["status"] == "triggered",
        )
        assert listed.json()["items"][0]["title"] == "after"
