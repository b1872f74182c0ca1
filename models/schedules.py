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


def spec_of(schedule: Schedule) -> oncall.ScheduleSpec:
    return oncall.ScheduleSpec.model_validate(schedule.spec)
