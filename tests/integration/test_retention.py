"""Retention against PostgreSQL: exactly the resolved alerts past their tenant's retention go, with
their timeline, members and deliveries; open alerts never; idle metric series go; a row another
transaction holds is skipped rather than waited for. And the schedule, on the Temporal dev server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.retention import RetentionActivities
from gateway.retention_schedule import ensure_retention_schedule
from models.api_keys import ensure_tenant
from models.rule_tables import MetricSample, MetricSeries
from models.tables import Alert, AlertEvent, AlertMember, Notification, Tenant
from settings import Settings
from tests.support.stored_alerts import add_with_history, alert_row
from workflows.ids import retention_schedule_id
from workflows.retention_payloads import PurgeRequest, RetentionSummary

NOW = datetime.now(UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def stored(sessions: async_sessionmaker[AsyncSession], tenant_id: str) -> dict[str, int]:
    """How many rows of each kind the tenant still has."""
    counts = {}
    async with sessions() as session:
        for name, table in (
            ("alerts", Alert),
            ("events", AlertEvent),
            ("members", AlertMember),
            ("deliveries", Notification),
            ("series", MetricSeries),
        ):
            counts[name] = int(
                await session.scalar(select(func.count()).select_from(table).where(table.tenant_id == tenant_id)) or 0
            )
    return counts


async def remaining_ids(sessions: async_sessionmaker[AsyncSession], tenant_id: str) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(Alert.id).where(Alert.tenant_id == tenant_id)))


async def purge(sessions: async_sessionmaker[AsyncSession], settings: Settings, **options: object) -> RetentionSummary:
    activities = RetentionActivities(sessions, settings)
    request = PurgeRequest(at=NOW, **options)
    return await ActivityEnvironment().run(activities.purge, request)


async def test_a_pass_deletes_exactly_the_resolved_alerts_past_each_tenants_retention(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tenant: str
) -> None:
    short = f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=short)
        (await session.get_one(Tenant, short)).retention_days = 10
        old = [
            alert_row(tenant, days_ago(120 + i), resolved_at=days_ago(100 + i), dedup_key=f"old-{i}") for i in range(5)
        ]
        kept = [
            alert_row(tenant, days_ago(200), status="firing", dedup_key="open"),  # open: never deleted
            alert_row(tenant, days_ago(200), status="acknowledged", acknowledged_at=days_ago(199), dedup_key="ack"),
            alert_row(tenant, days_ago(95), resolved_at=days_ago(30), dedup_key="recent"),  # resolved 30 days ago
            alert_row(short, days_ago(6), resolved_at=days_ago(5), dedup_key="short-recent"),
        ]
        short_old = alert_row(short, days_ago(21), resolved_at=days_ago(20), dedup_key="short-old")  # past its 10 days
        for row in [*old, *kept, short_old]:
            add_with_history(session, row)
        idle = MetricSeries(tenant_id=tenant, name="idle", labels={}, labels_key="a", created_at=days_ago(200))
        live = MetricSeries(tenant_id=tenant, name="live", labels={}, labels_key="b", created_at=days_ago(200))
        young = MetricSeries(tenant_id=tenant, name="young", labels={}, labels_key="c", created_at=days_ago(1))
        session.add_all([idle, live, young])
        await session.flush()
        session.add_all(
            [
                MetricSample(series_id=idle.id, ts=days_ago(150), value=1.0),
                MetricSample(series_id=live.id, ts=days_ago(150), value=1.0),
                MetricSample(series_id=live.id, ts=days_ago(1), value=2.0),
            ]
        )

    summary = await purge(sessions, settings, batch_size=2, tenant_id=tenant)  # batches of 2: three for five alerts
    assert (summary.alerts, summary.alert_events, summary.alert_members, summary.deliveries) == (5, 5, 5, 5)
    assert (summary.metric_series, summary.metric_samples, summary.tenants, summary.complete) == (1, 1, 1, True)
    assert summary.batches >= 4  # 2 + 2 + 1 alerts, then the series
    assert await remaining_ids(sessions, tenant) == {row.id for row in kept if row.tenant_id == tenant}
    assert await stored(sessions, tenant) == {"alerts": 3, "events": 3, "members": 3, "deliveries": 3, "series": 2}

    # The other tenant by its own 10 days; the default (90) would have kept its alert resolved 20 days ago.
    assert await remaining_ids(sessions, short) == {short_old.id, kept[3].id}
    other = await purge(sessions, settings, tenant_id=short)
    assert (other.alerts, other.deliveries) == (1, 1)
    assert await remaining_ids(sessions, short) == {kept[3].id}
    assert (await purge(sessions, settings, tenant_id=tenant)).rows == 0  # a second pass finds nothing


async def test_an_alert_another_transaction_holds_is_skipped_not_waited_for(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tenant: str
) -> None:
    rows = [alert_row(tenant, days_ago(200), resolved_at=days_ago(180), dedup_key=f"k{i}") for i in range(3)]
    async with sessions.begin() as session:
        for row in rows:
            add_with_history(session, row)
    async with sessions.begin() as holder:  # the projection writing this alert at the same moment
        await holder.execute(text("SELECT 1 FROM alerts WHERE id = :id FOR UPDATE"), {"id": rows[0].id})
        summary = await asyncio.wait_for(purge(sessions, settings, tenant_id=tenant), timeout=10)
    assert summary.alerts == 2
    assert await remaining_ids(sessions, tenant) == {rows[0].id}
    assert (await purge(sessions, settings, tenant_id=tenant)).alerts == 1  # the next pass takes it


async def test_a_spent_time_budget_ends_the_pass_incomplete(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tenant: str
) -> None:
    async with sessions.begin() as session:
        for i in range(3):
            add_with_history(session, alert_row(tenant, days_ago(200), resolved_at=days_ago(180), dedup_key=f"b{i}"))
    summary = await purge(sessions, settings, tenant_id=tenant, budget_seconds=0)
    assert (summary.complete, summary.alerts) == (False, 0)
    assert len(await remaining_ids(sessions, tenant)) == 3


async def test_the_worker_creates_the_retention_schedule_beside_the_rule_schedule(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    wanted = settings.model_copy(update={"retention_interval_seconds": 1800})
    assert await ensure_retention_schedule(dev_env.client, wanted) == "created"
    handle = dev_env.client.get_schedule_handle(retention_schedule_id(settings.temporal_task_queue))
    try:
        described = await handle.describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "RetentionWorkflow"
        assert described.schedule.spec.intervals[0].every == timedelta(minutes=30)
        assert described.id == f"herald-retention/{settings.temporal_task_queue}"
        await handle.pause()
        assert await ensure_retention_schedule(dev_env.client, settings) == "updated"
        again = await handle.describe()
        assert again.schedule.state.paused  # a restart does not unpause it
        assert again.schedule.spec.intervals[0].every == timedelta(hours=1)
    finally:
        await handle.delete()
