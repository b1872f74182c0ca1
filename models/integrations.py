"""Integrations (the doors that speak another tool's protocol) and the change-event timeline.

An integration key is PagerDuty's shape: 32 lowercase hex characters (128 random bits), the
`routing_key` of `POST /v2/enqueue`. Like API keys (models/api_keys.py) it is shown once; only
its SHA-256 digest and an 8-character display prefix are stored. An Alertmanager integration has
no key (the webhook authenticates with an API key and names the integration). A revoked integration's key
stops working at once; its row stays, listed with `revoked_at`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import hash_key
from models.tables import ChangeEvent, Integration

ROUTING_KEY_LENGTH = 32
PREFIX_LENGTH = 8


class IntegrationKind(StrEnum):
    PAGERDUTY = "pagerduty"
    ALERTMANAGER = "alertmanager"


class GroupBy(StrEnum):
    """How an Alertmanager integration makes incidents: one per notification group, or one per alert."""

    GROUP_KEY = "groupKey"
    FINGERPRINT = "fingerprint"


def new_routing_key() -> str:
    return secrets.token_hex(ROUTING_KEY_LENGTH // 2)


async def store_integration(
    *,
    session: AsyncSession,
    tenant_id: str,
    name: str,
    kind: IntegrationKind,
    key: str | None,
    escalation_policy_id: str | None,
    labels: dict[str, str],
    group_by: GroupBy,
) -> Integration:
    row = Integration(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=name,
        kind=kind.value,
        prefix=key[:PREFIX_LENGTH] if key else None,
        key_hash=hash_key(key) if key else None,
        escalation_policy_id=escalation_policy_id,
        labels=labels,
        group_by=group_by.value,
    )
    session.add(row)
    await session.flush()
    return row


async def find_by_routing_key(*, session: AsyncSession, key: str) -> Integration | None:
    """The active integration whose key this is (any tenant: the key names its tenant), else None."""
    return await session.scalar(
        select(Integration).where(Integration.key_hash == hash_key(key), Integration.revoked_at.is_(None))
    )


async def list_integrations(*, session: AsyncSession, tenant_id: str) -> Sequence[Integration]:
    result = await session.scalars(
        select(Integration).where(Integration.tenant_id == tenant_id).order_by(Integration.created_at, Integration.id)
    )
    return result.all()


async def revoke_integration(*, session: AsyncSession, tenant_id: str, integration_id: str) -> Integration | None:
    """The tenant's integration, revoked now unless it already was; None when there is no such one."""
    row = await session.scalar(
        select(Integration).where(Integration.tenant_id == tenant_id, Integration.id == integration_id)
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return row


async def integrations_using_policy(session: AsyncSession, tenant_id: str, policy_id: str) -> list[str]:
    """Names of the tenant's active integrations bound to this escalation policy."""
    names = await session.scalars(
        select(Integration.name)
        .where(
            Integration.tenant_id == tenant_id,
            Integration.escalation_policy_id == policy_id,
            Integration.revoked_at.is_(None),
        )
        .order_by(Integration.name)
    )
    return list(names)


async def record_change(
    *,
    session: AsyncSession,
    tenant_id: str,
    integration_id: str,
    summary: str,
    source: str | None,
    timestamp: datetime,
    custom_details: dict[str, Any] | None,
    links: list[dict[str, Any]],
) -> ChangeEvent:
    row = ChangeEvent(
        tenant_id=tenant_id,
        integration_id=integration_id,
        summary=summary,
        source=source,
        timestamp=timestamp,
        custom_details=custom_details,
        links=links,
    )
    session.add(row)
    await session.flush()
    return row


async def list_changes(
    *, session: AsyncSession, tenant_id: str, before: tuple[datetime, int] | None, limit: int
) -> Sequence[ChangeEvent]:
    """The tenant's change events, newest first (by `timestamp`, then id); `before` is the
    (timestamp, id) of the last one of the previous page."""
    query = select(ChangeEvent).where(ChangeEvent.tenant_id == tenant_id)
    if before is not None:
        at, last_id = before
        query = query.where(
            or_(ChangeEvent.timestamp < at, and_(ChangeEvent.timestamp == at, ChangeEvent.id < last_id))
        )
    result = await session.scalars(query.order_by(ChangeEvent.timestamp.desc(), ChangeEvent.id.desc()).limit(limit))
    return result.all()
