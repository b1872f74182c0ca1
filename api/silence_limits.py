"""How long a silence may last in a tenant: its `max_silence_duration` when set, else the global
`HERALD_MAX_SILENCE_DAYS`, which is also the ceiling of every tenant's own limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Tenant
from noise.durations import format_duration
from settings import Settings


@dataclass(frozen=True)
class SilenceLimit:
    longest: timedelta
    words: str  # how a 422 says it: "at most 90 days (HERALD_MAX_SILENCE_DAYS)", "at most 1w (...)"


def ceiling(settings: Settings) -> timedelta:
    """The global limit: no tenant's may exceed it."""
    return timedelta(days=settings.max_silence_days)


def global_limit(settings: Settings) -> SilenceLimit:
    return SilenceLimit(ceiling(settings), f"at most {settings.max_silence_days} days (HERALD_MAX_SILENCE_DAYS)")


async def silence_limit(*, session: AsyncSession, settings: Settings, tenant_id: str) -> SilenceLimit:
    """The tenant's limit (bounded by the ceiling, should the global setting have been lowered since)."""
    tenant = await session.get(Tenant, tenant_id)
    own = tenant.max_silence_duration if tenant is not None else None
    if own is None or own >= ceiling(settings):
        return global_limit(settings)
    return SilenceLimit(own, f"at most {format_duration(own)} (this tenant's max_silence_duration)")
