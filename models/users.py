"""The people Herald pages, found by their addresses (callers own the transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import User


async def user_id_with_email(*, session: AsyncSession, tenant_id: str, email: str) -> str | None:
    return await session.scalar(select(User.id).where(User.tenant_id == tenant_id, User.email == email))


async def enabled_user_by_slack_id(*, session: AsyncSession, tenant_id: str, slack_user_id: str) -> User | None:
    return await session.scalar(
        select(User).where(User.tenant_id == tenant_id, User.slack_user_id == slack_user_id, User.enabled.is_(True))
    )
