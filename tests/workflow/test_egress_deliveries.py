"""The worker's deliveries go through the egress policy: with the production default (nothing
internal allowed), a channel pointed at 127.0.0.1 fails permanently on its first attempt, the
delivery record says why, and the receiver is never connected to."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.client import AlertingClient
from models.tables import Notification
from settings import Settings
from tests.support.alerts import add_webhook, eventually
from tests.support.opened import open_alert
from tests.support.receiver import WebhookReceiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"egress_allow": ""})


async def test_a_delivery_to_an_internal_address_is_refused_and_recorded(
    alerting: AlertingClient,
    opened: set[str],
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
) -> None:
    await add_webhook(sessions, tenant, f"http://localhost:{receiver.port}/hook")
    await open_alert(alerting, opened, tenant, "ssrf")
    async with sessions() as session:
        failed = await eventually(
            lambda: session.scalar(
                select(Notification).where(Notification.tenant_id == tenant).execution_options(populate_existing=True)
            ),
            lambda d: d is not None and d.status == "failed",
        )
    assert failed is not None and failed.attempts == 1
    assert failed.last_error == "egress to 127.0.0.1 denied by policy (HERALD_EGRESS_ALLOW)"
    await asyncio.sleep(0.2)
    assert receiver.received == []
