"""The six rules a new tenant starts with, over pushed metrics whose names docs/guide.md lists.

Seeded only into a tenant that has no rule yet, so `herald init` never overwrites (or brings
back) what a user changed or removed. Critical rules follow "Critical Alert Escalation", the
others "Standard Escalation" (when those default policies exist); the notification templates
are chosen per channel and category as for any alert.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.defaults import CRITICAL, STANDARD
from models.rule_tables import Rule
from models.tables import EscalationPolicy

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "name": "High CPU Usage",
        "description": "Average CPU above 90% for five minutes.",
        "category": "system",
        "severity": "high",
        "query": "cpu_usage_percent",
        "aggregation": "avg",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 90.0,
        "for_seconds": 300,
        "group_by": ["host"],
        "summary": "High CPU on {{ labels.host }}: {{ value | round(1) }}%",
    },
    {
        "name": "High Error Rate",
        "description": "More than 5% of requests failing for five minutes.",
        "category": "application",
        "severity": "high",
        "query": "http_error_rate_percent",
        "aggregation": "avg",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 5.0,
        "for_seconds": 300,
        "group_by": ["service"],
        "summary": "Error rate of {{ labels.service }} at {{ value | round(2) }}%",
    },
    {
        "name": "Low Revenue",
        "description": "Revenue per hour under 1,000 for thirty minutes.",
        "category": "business",
        "severity": "medium",
        "query": "revenue_per_hour",
        "aggregation": "avg",
        "window_seconds": 3600,
        "comparator": "<",
        "threshold": 1000.0,
        "for_seconds": 1800,
        "interval_seconds": 300,
        "group_by": [],
        "summary": "Revenue is low: {{ value | round(0) }} per hour",
    },
    {
        "name": "Failed Login Attempts",
        "description": "More than one failed login per second, over five minutes, across all sources.",
        "category": "security",
        "severity": "high",
        "query": "auth_failed_logins_total",
        "aggregation": "rate",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 1.0,
        "for_seconds": 0,
        "group_by": [],
        "summary": "Failed logins at {{ value | round(2) }}/s",
    },
    {
        "name": "Disk Space Low",
        "description": "Less than 10% free on a filesystem for ten minutes.",
        "category": "system",
        "severity": "critical",
        "query": "disk_free_percent",
        "aggregation": "min",
        "window_seconds": 300,
        "comparator": "<",
        "threshold": 10.0,
        "for_seconds": 600,
        "group_by": ["host", "mountpoint"],
        "summary": "Disk {{ labels.mountpoint }} on {{ labels.host }}: {{ value | round(1) }}% free",
    },
    {
        "name": "API Response Time",
        "description": "95th percentile latency above one second for five minutes.",
        "category": "application",
        "severity": "medium",
        "query": "http_request_duration_seconds",
        "aggregation": "p95",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 1.0,
        "for_seconds": 300,
        "group_by": ["service"],
        "summary": "p95 latency of {{ labels.service }}: {{ value | round(2) }} s",
    },
]


async def seed_rules(session: AsyncSession, tenant_id: str) -> bool:
    """Create the default rules; False when the tenant already has rules."""
    if await session.scalar(select(func.count()).select_from(Rule).where(Rule.tenant_id == tenant_id)):
        return False
    rows = await session.execute(
        select(EscalationPolicy.name, EscalationPolicy.id).where(EscalationPolicy.tenant_id == tenant_id)
    )
    policies = {name: policy_id for name, policy_id in rows}
    for spec in DEFAULT_RULES:
        policy = policies.get(CRITICAL if spec["severity"] == "critical" else STANDARD)
        session.add(Rule(id=str(uuid.uuid4()), tenant_id=tenant_id, escalation_policy_id=policy, **spec))
    return True
