"""Tables of Herald's own alert sources: pushed metrics, data sources, rules and their states, heartbeats.

Configuration (`data_sources`, `rules`, `heartbeats`) is owned by the API; `rule_states` is
written by the evaluation activities; `metric_series` / `metric_samples` by metric ingest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base


class MetricSeries(Base):
    """One pushed time series: a metric name and its labels. Samples point at it by id."""

    __tablename__ = "metric_series"
    __table_args__ = (UniqueConstraint("tenant_id", "name", "labels_key", name="uq_metric_series_identity"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    labels_key: Mapped[str] = mapped_column(String(32))  # models.keys.labels_key of the labels
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class MetricSample(Base):
    """(series, time) is the identity: unique, so one instant has one value (`metric_store.store_samples`)."""

    __tablename__ = "metric_samples"
    __table_args__ = (
        Index("ix_metric_samples_series_ts", "series_id", "ts", unique=True),
        # Retention deletes by time across all series; samples arrive roughly in time order, so a
        # BRIN index finds old ones for a fraction of what a B-tree costs every insert.
        Index("ix_metric_samples_ts", "ts", postgresql_using="brin"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: ingest copies rows in bulk
    ts: Mapped[datetime] = mapped_column()
    value: Mapped[float] = mapped_column(Float)


class DataSource(Base):
    """An external source of rule queries (today: a Prometheus HTTP API)."""

    __tablename__ = "data_sources"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_data_sources_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # never holds the secret
    secret: Mapped[str | None] = mapped_column(Text, default=None)  # SecretBox-encrypted JSON
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Rule(Base):
    __tablename__ = "rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", name="uq_rules_tenant_name"),
        Index("ix_rules_due", "enabled", "next_evaluation_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    data_source_id: Mapped[str | None] = mapped_column(String(36), default=None)  # None: pushed metrics
    query: Mapped[str] = mapped_column(Text)
    aggregation: Mapped[str | None] = mapped_column(String(16), default=None)
    window_seconds: Mapped[int] = mapped_column(Integer, default=300)
    comparator: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    for_seconds: Mapped[int] = mapped_column(Integer, default=0)
    keep_firing_for_seconds: Mapped[int] = mapped_column(Integer, default=0)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    group_by: Mapped[list[str] | None] = mapped_column(JSONB, default=None)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    no_data: Mapped[str] = mapped_column(String(16), default="ok")
    alert_on_error: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_policy_id: Mapped[str | None] = mapped_column(String(36), default=None)
    channel_ids: Mapped[list[str] | None] = mapped_column(JSONB, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Evaluation bookkeeping, written by the evaluation activity.
    next_evaluation_at: Mapped[datetime | None] = mapped_column(default=None)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_duration_ms: Mapped[float | None] = mapped_column(Float, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    health: Mapped[str] = mapped_column(String(16), default="unknown")  # unknown / ok / error
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class RuleState(Base):
    """One alert instance of a rule: its state machine (pending → firing) and an outbox of what
    the emitter still has to tell the alert workflows."""

    __tablename__ = "rule_states"
    __table_args__ = (UniqueConstraint("rule_id", "instance", name="uq_rule_states_instance"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    instance: Mapped[str] = mapped_column(String(64))  # labels_key of the instance labels ("error": the rule)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16))  # inactive / pending / firing
    value: Mapped[float | None] = mapped_column(Float, default=None)
    active_since: Mapped[datetime | None] = mapped_column(default=None)  # condition true since (pending start)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    last_true_at: Mapped[datetime | None] = mapped_column(default=None)  # for keep_firing_for
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)  # the series had data
    # Outbox: the last transition not yet accepted by Temporal ("fire" / "resolve"), and
    # {"key": alert key, "events": [FireEvent JSON, ...]} (in order); cleared by the emitter.
    outbox: Mapped[str | None] = mapped_column(String(16), default=None)
    outbox_event: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Heartbeat(Base):
    __tablename__ = "heartbeats"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_heartbeats_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    interval_seconds: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), default="system")
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalation_policy_id: Mapped[str | None] = mapped_column(String(36), default=None)
    channel_ids: Mapped[list[str] | None] = mapped_column(JSONB, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_ping_at: Mapped[datetime | None] = mapped_column(default=None)
    ping_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


async def sources_using(
    session: Any, tenant_id: str, *, channel_id: str | None = None, policy_id: str | None = None
) -> list[str]:
    """Rules and heartbeats that name this channel or policy, for a delete's 409 (`rule 'x'`, `heartbeat 'y'`)."""
    found: list[str] = []
    for kind, model in (("rule", Rule), ("heartbeat", Heartbeat)):
        rows = await session.execute(
            select(model.name, model.channel_ids, model.escalation_policy_id).where(model.tenant_id == tenant_id)
        )
        for name, channels, policy in rows:
            if (channel_id and channel_id in (channels or [])) or (policy_id and policy == policy_id):
                found.append(f"{kind} '{name}'")
    return found


async def rule_states(*, session: AsyncSession, rule_ids: list[str]) -> dict[str, list[RuleState]]:
    """Each rule's live instances (rules without any are absent), in a stable order."""
    rows = await session.scalars(select(RuleState).where(RuleState.rule_id.in_(rule_ids)).order_by(RuleState.id))
    found: dict[str, list[RuleState]] = {}
    for row in rows:
        found.setdefault(row.rule_id, []).append(row)
    return found


async def rules_using_source(*, session: AsyncSession, tenant_id: str, source_id: str) -> list[str]:
    """The names of the tenant's rules that query this data source."""
    rows = await session.scalars(select(Rule.name).where(Rule.tenant_id == tenant_id, Rule.data_source_id == source_id))
    return list(rows)


async def heartbeat_by_name(*, session: AsyncSession, tenant_id: str, name: str) -> Heartbeat | None:
    return await session.scalar(select(Heartbeat).where(Heartbeat.tenant_id == tenant_id, Heartbeat.name == name))


async def record_ping(*, session: AsyncSession, heartbeat_id: str, at: datetime) -> None:
    """Count a ping in one statement: pings of one monitor at once all count (a read-then-write lost
    some), and the last ping never moves back."""
    await session.execute(
        update(Heartbeat)
        .where(Heartbeat.id == heartbeat_id)
        .values(
            ping_count=Heartbeat.ping_count + 1,
            last_ping_at=func.greatest(func.coalesce(Heartbeat.last_ping_at, at), at),
        )
    )
