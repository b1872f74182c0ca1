"""Alert projection rows written straight to PostgreSQL with chosen times, for retention and
statistics tests (the workflows would stamp them with the clock of now)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Alert, AlertEvent, AlertMember, Notification


def alert_row(
    tenant_id: str,
    created_at: datetime,
    *,
    status: str = "resolved",
    acknowledged_at: datetime | None = None,
    resolved_at: datetime | None = None,
    dedup_key: str | None = None,
    severity: str = "high",
    category: str = "system",
    source: str = "test",
    labels: dict[str, Any] | None = None,
    event_count: int = 1,
    escalation_level: int | None = None,
) -> Alert:
    alert_id = uuid.uuid4().hex
    key = dedup_key or alert_id
    return Alert(
        id=alert_id,
        tenant_id=tenant_id,
        workflow_id=f"alert/{tenant_id}/{key}",
        dedup_key=key,
        title=f"alert {key}",
        severity=severity,
        category=category,
        source=source,
        labels=labels or {},
        status=status,
        event_count=event_count,
        created_at=created_at,
        last_seen=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        escalation_level=escalation_level,
    )


def add_with_history(session: AsyncSession, alert: Alert) -> None:
    """The alert with one timeline entry, one member and one delivery."""
    session.add(alert)
    session.add(
        AlertEvent(
            tenant_id=alert.tenant_id, alert_id=alert.id, dedup="triggered", at=alert.created_at, kind="triggered"
        )
    )
    session.add(
        AlertMember(
            alert_id=alert.id,
            key="m",
            tenant_id=alert.tenant_id,
            status="resolved" if alert.status == "resolved" else "firing",
            transitions=1,
            first_seen=alert.created_at,
            last_seen=alert.created_at,
        )
    )
    session.add(
        Notification(
            id=str(uuid.uuid4()),
            tenant_id=alert.tenant_id,
            alert_id=alert.id,
            channel_id="c",
            channel_name="c",
            channel_type="webhook",
            event="triggered",
            idempotency_key=f"{alert.id}/triggered",
            status="delivered",
            created_at=alert.created_at,
        )
    )
