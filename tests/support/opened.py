"""Alerts opened by workflow tests, so their fixture can record and terminate them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerting.client import AlertingClient, IngestItem
from models.tables import Alert
from tests.support.alerts import trigger

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
