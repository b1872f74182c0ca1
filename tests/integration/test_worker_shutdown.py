"""HERALD_WORKER_SHUTDOWN_SECONDS: how long the worker lets running activities finish once told to stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from worker import build_worker


def test_the_setting_comes_from_the_environment_and_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HERALD_WORKER_SHUTDOWN_SECONDS", raising=False)
    assert Settings().worker_shutdown == timedelta(seconds=30)
    monkeypatch.setenv("HERALD_WORKER_SHUTDOWN_SECONDS", "45")
    assert Settings().worker_shutdown == timedelta(seconds=45)
    monkeypatch.setenv("HERALD_WORKER_SHUTDOWN_SECONDS", "-1")
    with pytest.raises(ValidationError, match="HERALD_WORKER_SHUTDOWN_SECONDS"):
        Settings()


async def test_the_worker_is_built_with_it(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    chosen = settings.model_copy(update={"worker_shutdown_seconds": 45})
    async with build_worker(dev_env.client, sessions, chosen) as worker:
        assert worker.config()["graceful_shutdown_timeout"] == timedelta(seconds=45)
