"""Retention: delete a tenant's resolved alerts (with their timeline, members and deliveries) and its
idle metric series once they are older than the tenant's retention.

Each batch is one short transaction that takes at most `batch_size` alerts with `FOR UPDATE SKIP
LOCKED`: a row the projection is writing at that moment is skipped (the next pass takes it), so
retention never waits on ingest and ingest never waits long on retention. Open (firing,
acknowledged) alerts are never deleted, whatever their age. Query functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import delete_audit_batch
from models.rule_tables import MetricSample, MetricSeries
from models.tables import Alert, AlertEvent, AlertMember, Notification, Tenant


@dataclass
class Deleted:
    """Rows one batch deleted."""

    alerts: int = 0
    alert_events: int = 0
    alert_members: int = 0
    deliveries: int = 0
    metric_series: int = 0
    metric_samples: int = 0
    audit_entries: int = 0


async def tenant_cutoffs(
    *, session: AsyncSession, at: datetime, default_days: int, tenant_id: str | None = None
) -> list[tuple[str, datetime]]:
    """Every tenant (or only `tenant_id`) with the instant before which its data goes: `at` minus its
    retention_days (None: `default_days`)."""
    query = select(Tenant.id, Tenant.retention_days).order_by(Tenant.id)
    if tenant_id is not None:
        query = query.where(Tenant.id == tenant_id)
    rows = await session.execute(query)
    return [(tenant_id, at - timedelta(days=days or default_days)) for tenant_id, days in rows.all()]


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_resolved_batch(*, session: AsyncSession, tenant_id: str, before: datetime, limit: int) -> Deleted:
    """Delete up to `limit` of the tenant's alerts resolved before `before`, oldest first, with their
    deliveries, timeline entries and members (explicit deletes, so each is counted; deliveries have no
    foreign key). Rows locked by another transaction are skipped."""
    ids: Sequence[str] = (
        await session.scalars(
            select(Alert.id)
            .where(Alert.tenant_id == tenant_id, Alert.status == "resolved", Alert.resolved_at < before)
            .order_by(Alert.resolved_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not ids:
        return Deleted()
    found = list(ids)
    done = Deleted()
    done.deliveries = _count(
        await session.execute(
            delete(Notification).where(Notification.tenant_id == tenant_id, Notification.alert_id.in_(found))
        )
    )
    done.alert_events = _count(await session.execute(delete(AlertEvent).where(AlertEvent.alert_id.in_(found))))
    done.alert_members = _count(await session.execute(delete(AlertMember).where(AlertMember.alert_id.in_(found))))
    done.alerts = _count(await session.execute(delete(Alert).where(Alert.id.in_(found))))
    return done


async def delete_idle_series_batch(*, session: AsyncSession, tenant_id: str, before: datetime, limit: int) -> Deleted:
    """Delete up to `limit` of the tenant's metric series created before `before` that have no sample
    since then, with their older samples (which the metrics retention has usually pruned already)."""
    recent = exists().where(MetricSample.series_id == MetricSeries.id, MetricSample.ts >= before)
    ids = (
        await session.scalars(
            select(MetricSeries.id)
            .where(MetricSeries.tenant_id == tenant_id, MetricSeries.created_at < before, ~recent)
            .order_by(MetricSeries.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not ids:
        return Deleted()
    found = list(ids)
    samples = _count(await session.execute(delete(MetricSample).where(MetricSample.series_id.in_(found))))
    series = _count(await session.execute(delete(MetricSeries).where(MetricSeries.id.in_(found))))
    return Deleted(metric_series=series, metric_samples=samples)


async def delete_audit_entries_batch(*, session: AsyncSession, tenant_id: str, before: datetime, limit: int) -> Deleted:
    """Delete up to `limit` of the tenant's audit log rows older than `before` (its audit retention,
    apart from the alerts'); models/audit.py."""
    return Deleted(
        audit_entries=await delete_audit_batch(session=session, tenant_id=tenant_id, before=before, limit=limit)
    )
