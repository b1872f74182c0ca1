"""Shared test steps built on Herald's own code (never on mocks of it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.channels import create_channel
from workflows.payloads import AlertContent, AlertOptions, FireEvent, Severity

T = TypeVar("T")


async def add_webhook(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    url: str,
    *,
    name: str = "ops-hook",
    secret: str | None = "s3cret",
    is_default: bool = True,
    timeout_seconds: float | None = None,
) -> str:
    async with sessions.begin() as session:
        channel = await create_channel(
            session=session,
            tenant_id=tenant_id,
            name=name,
            type="webhook",
            config={"url": url} if timeout_seconds is None else {"url": url, "timeout_seconds": timeout_seconds},
            secret=secret,
            is_default=is_default,
        )
    return channel.id


def trigger(
    title: str = "Disk almost full",
    *,
    labels: dict[str, str] | None = None,
    repeat: timedelta = timedelta(minutes=30),
    max_events_per_run: int = 0,
    policy_id: str | None = None,
    channel_ids: list[str] | None = None,
    attempt_timeout: timedelta = timedelta(seconds=5),
) -> FireEvent:
    return FireEvent(
        action="trigger",
        content=AlertContent(title=title, severity=Severity.HIGH, labels=labels or {"host": "db1"}),
        options=AlertOptions(
            repeat_interval=repeat,
            notify_attempt_timeout=attempt_timeout,
            max_events_per_run=max_events_per_run,
            policy_id=policy_id,
            channel_ids=channel_ids,
        ),
        received_at=datetime.now(UTC),
        actor="test",
    )


def resolve_event() -> FireEvent:
    return FireEvent(action="resolve", received_at=datetime.now(UTC), actor="test-source")


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], within: float = 30.0) -> T:
    """Poll `probe` until `check` holds (waiting for a condition, not for time to pass)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await probe()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached within {within}s; last value: {value!r}")
        await asyncio.sleep(0.05)
