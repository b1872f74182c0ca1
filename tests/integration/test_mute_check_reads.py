"""The mute check's reads on real PostgreSQL: one read says which of silences, maintenance windows and
inhibit rules a tenant has; a kind it has none of is not read again, and one it has still mutes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.api_keys import ensure_tenant
from models.tables import InhibitRule, MaintenanceWindow, Silence
from noise.muting import ActiveNoise, Muted, active_noise, muting
from tests.support.statements import counted_statements
from workflows.payloads import Grouping

LABELS = {"alertname": "DiskFull", "service": "db"}


async def check(
    sessions: async_sessionmaker[AsyncSession], tenant: str, grouping: Grouping | None = None
) -> tuple[Muted | None, int]:
    """What muting answers for the tenant's alert with LABELS now, and how many reads it took."""
    with counted_statements() as statements:
        async with sessions() as session:
            muted = await muting(
                session=session,
                tenant_id=tenant,
                alert_id=str(uuid.uuid4()),
                labels=LABELS,
                grouping=grouping,
                at=datetime.now(UTC),
            )
    return muted, len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])


def span(hours_ago: float, hours_on: float) -> dict[str, datetime]:
    now = datetime.now(UTC)
    return {"starts_at": now - timedelta(hours=hours_ago), "ends_at": now + timedelta(hours=hours_on)}


async def add(sessions: async_sessionmaker[AsyncSession], row: Any) -> None:
    async with sessions.begin() as session:
        session.add(row)


async def test_a_tenant_without_silences_windows_or_rules_is_checked_in_one_read(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    assert await check(sessions, tenant) == (None, 1)
    # Expired and pending silences and windows cannot mute now: still one read.
    ended = span(hours_ago=3, hours_on=-2)
    pending = span(hours_ago=-1, hours_on=2)
    for times in (ended, pending):
        await add(sessions, Silence(id=str(uuid.uuid4()), tenant_id=tenant, matchers=[], created_by="t", **times))
        await add(
            sessions, MaintenanceWindow(id=str(uuid.uuid4()), tenant_id=tenant, matchers=[], created_by="t", **times)
        )
    assert await check(sessions, tenant) == (None, 1)
    async with sessions() as session:
        assert await active_noise(session=session, tenant_id=tenant, at=datetime.now(UTC)) == ActiveNoise(
            silences=False, windows=False, inhibit_rules=False
        )


async def test_each_kind_the_tenant_has_is_still_checked_and_mutes(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    other = f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=other)
    # Another tenant's silence is not this tenant's.
    await add(sessions, Silence(id=str(uuid.uuid4()), tenant_id=other, matchers=[], created_by="t", **span(1, 1)))
    assert await check(sessions, tenant) == (None, 1)

    # An inhibit rule whose source is not firing: read, and nothing mutes.
    rule = InhibitRule(
        id=str(uuid.uuid4()), tenant_id=tenant, source_matchers=['severity="critical"'], target_matchers=[], equal=[]
    )
    await add(sessions, rule)
    muted, reads = await check(sessions, tenant)
    assert muted is None and reads > 1

    window = MaintenanceWindow(
        id=str(uuid.uuid4()), tenant_id=tenant, matchers=['service="db"'], created_by="t", reason="x", **span(1, 1)
    )
    await add(sessions, window)
    muted, _ = await check(sessions, tenant)
    assert muted is not None and muted.kind == "notification_suppressed" and window.id in muted.reason

    silence = Silence(id=str(uuid.uuid4()), tenant_id=tenant, matchers=['service="db"'], created_by="t", **span(1, 2))
    await add(sessions, silence)
    muted, _ = await check(sessions, tenant)
    assert muted is not None and muted.kind == "notification_silenced" and silence.id in muted.reason


async def test_time_intervals_mute_a_tenant_that_has_nothing_else(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    # A route active only in an interval the tenant does not have: outside every active interval, muted.
    grouping = Grouping(active_time_intervals=["never-defined"])
    muted, _ = await check(sessions, tenant, grouping)
    assert muted is not None and muted.kind == "notification_muted"
