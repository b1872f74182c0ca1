"""Rules and pushed samples written straight to PostgreSQL, for workflow tests that drive evaluation by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.metric_store import Sample, SeriesCache, store_samples
from models.rule_tables import Rule, RuleState


async def add_rule(sessions: async_sessionmaker[AsyncSession], tenant: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "name": f"rule-{uuid.uuid4().hex[:6]}",
        "category": "system",
        "severity": "high",
        "query": "cpu_usage_percent",
        "aggregation": "last",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 90.0,
        "interval_seconds": 60,
        "summary": "",
        "labels": {"team": "ops"},
    } | fields
    rule_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(Rule(id=rule_id, tenant_id=tenant, **values))
    return rule_id


async def push(
    sessions: async_sessionmaker[AsyncSession],
    cache: SeriesCache,
    tenant: str,
    at: datetime,
    values: dict[str, float],
    name: str = "cpu_usage_percent",
) -> None:
    """One sample per host at `at` (`cache`: the session's series ids, the `series_cache` fixture)."""
    async with sessions.begin() as session:
        await store_samples(
            session, tenant, [Sample(name, {"host": host}, value, at) for host, value in values.items()], cache
        )


async def states(sessions: async_sessionmaker[AsyncSession], rule_id: str) -> dict[str, RuleState]:
    """Instance states by the instance's `host` label (or its instance key when it has none)."""
    async with sessions() as session:
        rows = await session.scalars(select(RuleState).where(RuleState.rule_id == rule_id))
        return {row.labels.get("host", row.instance): row for row in rows}


async def rule_row(sessions: async_sessionmaker[AsyncSession], rule_id: str) -> Rule:
    async with sessions() as session:
        row = await session.get(Rule, rule_id)
        assert row is not None
        return row
