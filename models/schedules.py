"""Schedule overrides and on-call lookups over the stored schedules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import oncall
from models.tables import Schedule, ScheduleOverride


async def overrides_for(
    session: AsyncSession, schedule_id: str, start: datetime | None = None, end: datetime | None = None
) -> list[oncall.Override]:
    """The schedule's overrides, oldest first (a later override wins where they overlap)."""
    query = select(ScheduleOverride).where(ScheduleOverride.schedule_id == schedule_id)
    if start is not None:
        query = query.where(ScheduleOverride.ends_at > start)
    if end is not None:
        query = query.where(ScheduleOverride.starts_at < end)
    rows = await session.scalars(query.order_by(ScheduleOverride.created_at, ScheduleOverride.id))
    return [oncall.Override(user_id=row.user_id, start=row.starts_at, end=row.ends_at) for row in rows.all()]


async def schedule_overrides(*, session: AsyncSession, schedule_id: str) -> list[ScheduleOverride]:
    """The schedule's overrides by start."""
    rows = await session.scalars(
        select(ScheduleOverride)
        .where(ScheduleOverride.schedule_id == schedule_id)
        .order_by(ScheduleOverride.starts_at, ScheduleOverride.id)
    )
    return list(rows.all())


async def get_override(*, session: AsyncSession, schedule_id: str, override_id: str) -> ScheduleOverride | None:
    """The override, if it belongs to this schedule."""
    override = await session.get(ScheduleOverride, override_id)
    return override if override is not None and override.schedule_id == schedule_id else None


def spec_of(schedule: Schedule) -> oncall.ScheduleSpec:
    return oncall.ScheduleSpec.model_validate(schedule.spec)
