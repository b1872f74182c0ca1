"""The delivery row of a notification (models/deliveries.py) against PostgreSQL: one upsert per attempt that
counts it, one update per outcome, and a delivered row is never sent again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.deliveries import begin_attempt, finish_attempt
from models.tables import Notification


async def _attempt(sessions: async_sessionmaker[AsyncSession], tenant: str, key: str) -> tuple[str, int, int | None]:
    async with sessions.begin() as session:
        row = await begin_attempt(
            session=session,
            idempotency_key=key,
            tenant_id=tenant,
            alert_id="a-1",
            channel_id="c-1",
            channel_name="ops",
            channel_type="webhook",
            event="triggered",
        )
        return row.status, row.attempts, row.provider_status


async def _read(sessions: async_sessionmaker[AsyncSession], key: str) -> Notification:
    async with sessions() as session:
        row = await session.scalar(select(Notification).where(Notification.idempotency_key == key))
        assert row is not None
        return row


async def test_attempts_count_outcomes_are_recorded_and_a_delivered_row_is_final(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    key = f"k-{uuid.uuid4().hex}"
    assert await _attempt(sessions, tenant, key) == ("sending", 1, None)
    async with sessions.begin() as session:
        await finish_attempt(
            session=session,
            idempotency_key=key,
            status="retrying",
            at=datetime.now(UTC),
            provider_status=503,
            error="busy",
        )
    failed = await _read(sessions, key)
    assert (failed.status, failed.provider_status, failed.last_error, failed.delivered_at) == (
        "retrying",
        503,
        "busy",
        None,
    )

    assert await _attempt(sessions, tenant, key) == ("sending", 2, None)  # the new attempt has no answer yet
    delivered_at = failed.created_at + timedelta(milliseconds=1234.9)
    async with sessions.begin() as session:
        await finish_attempt(
            session=session,
            idempotency_key=key,
            status="delivered",
            at=delivered_at,
            provider_status=202,
            error=None,
            provider_message_id="m" * 300,
        )
    done = await _read(sessions, key)
    assert (done.status, done.attempts, done.provider_status, done.last_error) == ("delivered", 2, 202, None)
    assert done.delivered_at == delivered_at and done.latency_ms == 1234
    assert done.provider_message_id == "m" * 200

    assert await _attempt(sessions, tenant, key) == ("delivered", 2, 202)  # told not to send again; nothing counted
    assert (await _read(sessions, key)).attempts == 2
