"""Statistics with trends: alerts per time bucket (and per group), their time to acknowledge and to
resolve (mean, p50, p90), the noisiest alerts and keys, acknowledgement and escalation rates.

Everything is one SQL aggregate over the tenant's alerts created in [since, until), which the
`ix_alerts_tenant_created` index finds. Buckets are `date_trunc` of the creation time read in the
given IANA zone, so a day bucket is a local day (23 or 25 hours across a DST change) and a week
starts on Monday. Query functions never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Alert, Tenant

BucketSize = Literal["hour", "day", "week"]
GroupBy = Literal["severity", "category", "team", "service", "rule", "source"]
BUCKET_LENGTH: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
MAX_BUCKETS = 1000
NOISIEST = 10


async def tenant_time_zone(*, session: AsyncSession, tenant_id: str) -> str:
    """The tenant's IANA zone for statistics (UTC when it has none or no longer exists)."""
    return await session.scalar(select(Tenant.time_zone).where(Tenant.id == tenant_id)) or "UTC"


def group_column(name: GroupBy) -> Any:
    """The expression an alert is grouped by: a column, the `team` / `service` label (null when
    absent), or the rule id of a rule's alert (its dedup key is `rule/<rule id>/<instance>`)."""
    if name in ("team", "service"):
        return Alert.labels[name].astext
    if name == "rule":
        return case((Alert.dedup_key.like("rule/%"), func.split_part(Alert.dedup_key, "/", 2)), else_=None)
    return {"severity": Alert.severity, "category": Alert.category, "source": Alert.source}[name]


def bucket_count(since: datetime, until: datetime, size: BucketSize) -> int:
    """How many buckets [since, until) spans at most (one more for a start not on a boundary)."""
    return -(-(until - since) // BUCKET_LENGTH[size]) + 1


@dataclass
class Times:
    count: int
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None


@dataclass
class TrendBucket:
    start: datetime  # the bucket's first instant, in the requested zone
    group: str | None  # the group's value (None: no group_by, or the alert lacks it)
    count: int
    acknowledged: int
    escalated: int  # reached escalation level 2 or higher
    to_acknowledge: Times
    to_resolve: Times


@dataclass
class Noisy:
    alert_id: str
    dedup_key: str
    title: str
    event_count: int


@dataclass
class NoisyKey:
    dedup_key: str
    incidents: int
    events: int


@dataclass
class Trends:
    buckets: list[TrendBucket]
    by_refires: list[Noisy]
    by_incidents: list[NoisyKey]
    acknowledgement_rate: float | None  # acknowledged / all (None: no alert)
    escalation_rate: float | None


def _times(seconds: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    return [
        func.count(seconds),
        func.avg(seconds),
        func.percentile_cont(0.5).within_group(seconds),
        func.percentile_cont(0.9).within_group(seconds),
    ]


def _as_times(row: Any, at: int) -> Times:
    def number(value: Any) -> float | None:
        return float(value) if value is not None else None

    return Times(int(row[at]), number(row[at + 1]), number(row[at + 2]), number(row[at + 3]))


async def trends(
    *,
    session: AsyncSession,
    tenant_id: str,
    since: datetime,
    until: datetime,
    bucket: BucketSize,
    time_zone: str,
    group_by: GroupBy | None,
) -> Trends:
    """Per bucket (and group) of the tenant's alerts created in [since, until). `time_zone` must be
    a valid IANA name (checked by the caller)."""
    where = [Alert.tenant_id == tenant_id, Alert.created_at >= since, Alert.created_at < until]
    start = func.date_trunc(bucket, func.timezone(time_zone, Alert.created_at))
    group = group_column(group_by) if group_by else None
    escalated = Alert.escalation_level > 1
    columns: list[Any] = [
        start,
        func.count(),
        func.count(Alert.acknowledged_at),
        func.count().filter(escalated),
        *_times(func.extract("epoch", Alert.acknowledged_at - Alert.created_at)),
        *_times(func.extract("epoch", Alert.resolved_at - Alert.created_at)),
    ]
    keys: list[Any] = [start] if group is None else [start, group]
    query = select(*columns, *([] if group is None else [group])).where(*where).group_by(*keys)
    rows = (await session.execute(query.order_by(*keys))).all()
    zone = ZoneInfo(time_zone)
    buckets = [
        TrendBucket(
            start=row[0].replace(tzinfo=zone),
            group=(None if row[12] is None else str(row[12])) if group is not None else None,
            count=int(row[1]),
            acknowledged=int(row[2]),
            escalated=int(row[3]),
            to_acknowledge=_as_times(row, 4),
            to_resolve=_as_times(row, 8),
        )
        for row in rows
    ]
    refires = await session.execute(
        select(Alert.id, Alert.dedup_key, Alert.title, Alert.event_count)
        .where(*where)
        .order_by(Alert.event_count.desc(), Alert.id)
        .limit(NOISIEST)
    )
    incidents = func.count().label("incidents")
    per_key = await session.execute(
        select(Alert.dedup_key, incidents, func.sum(Alert.event_count))
        .where(*where)
        .group_by(Alert.dedup_key)
        .order_by(incidents.desc(), Alert.dedup_key)
        .limit(NOISIEST)
    )
    total = sum(b.count for b in buckets)
    return Trends(
        buckets=buckets,
        by_refires=[Noisy(str(i), str(k), str(t), int(n)) for i, k, t, n in refires.all()],
        by_incidents=[NoisyKey(str(k), int(n), int(e)) for k, n, e in per_key.all()],
        acknowledgement_rate=sum(b.acknowledged for b in buckets) / total if total else None,
        escalation_rate=sum(b.escalated for b in buckets) / total if total else None,
    )
