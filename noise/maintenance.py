"""Maintenance windows, as PagerDuty has them: a one-off time range during which the alerts some
matchers match (no matchers: every alert of the tenant) are recorded but page nobody.

A window is *pending* before `starts_at`, *active* from `starts_at` until `ends_at` (end exclusive),
*expired* after — the states, edit rule and early end of silences (noise/silences.py): editing an
active window ends it and makes a new one, so the window a timeline names can be read back as it was.

Which notices a window holds back is the notify activity's rule (noise/muting.py): triggered,
renotified and escalated notices are not sent and the timeline names the window
(`notification_suppressed`); acknowledged and resolved notices still reach whoever heard it fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import MaintenanceWindow
from noise.matchers import matches
from noise.silences import SilenceState, silence_state, stored_matchers

WINDOWS_SCANNED = 1_000  # active windows read per notice (oldest first): the check stays bounded
WindowState = SilenceState  # pending / active / expired: the same rule as a silence's
window_state = silence_state


@dataclass(frozen=True)
class Window:
    """An active maintenance window that holds an alert's notices back."""

    id: str
    reason: str


async def in_maintenance(
    *, session: AsyncSession, tenant_id: str, labels: dict[str, str], at: datetime
) -> list[Window]:
    """The tenant's windows active at `at` whose matchers all match `labels` (no matchers: any), oldest first."""
    rows = await session.execute(
        select(MaintenanceWindow.id, MaintenanceWindow.reason, MaintenanceWindow.matchers)
        .where(
            MaintenanceWindow.tenant_id == tenant_id,
            MaintenanceWindow.starts_at <= at,
            MaintenanceWindow.ends_at > at,
        )
        .order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)
        .limit(WINDOWS_SCANNED)
    )
    return [Window(window_id, reason) for window_id, reason, texts in rows if matches(stored_matchers(texts), labels)]
