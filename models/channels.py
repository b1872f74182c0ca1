"""Channel configuration queries. Callers own the transaction (they never commit here)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Channel


async def list_channels(*, session: AsyncSession, tenant_id: str) -> Sequence[Channel]:
    result = await session.scalars(select(Channel).where(Channel.tenant_id == tenant_id).order_by(Channel.name))
    return result.all()


async def get_channel(*, session: AsyncSession, tenant_id: str, channel_id: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.tenant_id == tenant_id, Channel.id == channel_id))


async def get_channel_by_name(*, session: AsyncSession, tenant_id: str, name: str) -> Channel | None:
    return await session.scalar(select(Channel).where(Channel.tenant_id == tenant_id, Channel.name == name))


async def create_channel(
    *,
    session: AsyncSession,
    tenant_id: str,
    name: str,
    type: str,
    config: dict[str, Any],
    secret: str | None,
    is_default: bool,
) -> Channel:
    channel = Channel(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=name,
        type=type,
        config=config,
        secret=secret,
        is_default=is_default,
    )
    session.add(channel)
    await session.flush()
    return channel


async def missing_channel_ids(*, session: AsyncSession, tenant_id: str, channel_ids: set[str]) -> set[str]:
    """The ids in `channel_ids` that are not channels of this tenant."""
    if not channel_ids:
        return set()
    found = await session.scalars(select(Channel.id).where(Channel.tenant_id == tenant_id, Channel.id.in_(channel_ids)))
    return channel_ids - set(found.all())


async def channels_for_alert(
    *, session: AsyncSession, tenant_id: str, channel_ids: list[str] | None
) -> Sequence[Channel]:
    """The listed channels (those that still exist), else the tenant's default ones."""
    query = select(Channel).where(Channel.tenant_id == tenant_id)
    if channel_ids is None:
        query = query.where(Channel.is_default.is_(True))
    else:
        query = query.where(Channel.id.in_(channel_ids))
    result = await session.scalars(query.order_by(Channel.name))
    return result.all()


async def provider_channel(*, session: AsyncSession, tenant_id: str, channel_type: str) -> Channel | None:
    """The channel whose provider account reaches people's contact methods of this type:
    a default channel of the type first, else the first by name."""
    return await session.scalar(
        select(Channel)
        .where(Channel.tenant_id == tenant_id, Channel.type == channel_type)
        .order_by(Channel.is_default.desc(), Channel.name)
        .limit(1)
    )


async def slack_team_ids(*, session: AsyncSession, tenant_id: str) -> set[str]:
    """The Slack workspaces the tenant's Slack channels are bound to (`team_id` in their config)."""
    rows = await session.scalars(
        select(Channel.config["team_id"].astext).where(
            Channel.tenant_id == tenant_id, Channel.type == "slack", Channel.config["team_id"].astext.is_not(None)
        )
    )
    return set(rows.all())
