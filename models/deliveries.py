"""The deliveries table (`notifications`): one row per notification, updated per attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Notification


async def begin_attempt(
    *,
    session: AsyncSession,
    idempotency_key: str,
    tenant_id: str,
    alert_id: str,
    channel_id: str,
    channel_name: str,
    channel_type: str,
    event: str,
    user_id: str | None = None,
) -> Notification:
    """Create the delivery row on the first attempt, count the attempt, and return the row
    (locked for this transaction). A row already `delivered` means: do not send again."""
    await session.execute(
        insert(Notification)
        .values(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            alert_id=alert_id,
            channel_id=channel_id,
            channel_name=channel_name,
            channel_type=channel_type,
            event=event,
            user_id=user_id,
            idempotency_key=idempotency_key,
            status="sending",
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=[Notification.idempotency_key])
    )
    row = await session.scalar(
        select(Notification).where(Notification.idempotency_key == idempotency_key).with_for_update()
    )
    assert row is not None
    if row.status != "delivered":
        row.attempts += 1
        row.status = "sending"
    return row


async def get_delivery(*, session: AsyncSession, idempotency_key: str) -> Notification | None:
    return await session.scalar(select(Notification).where(Notification.idempotency_key == idempotency_key))


def finish_attempt(
    row: Notification,
    *,
    status: str,
    at: datetime,
    provider_status: int | None,
    error: str | None,
) -> None:
    row.status = status
    row.provider_status = provider_status
    row.last_error = error
    if status == "delivered":
        row.delivered_at = at
        row.latency_ms = int((at - row.created_at).total_seconds() * 1000)
