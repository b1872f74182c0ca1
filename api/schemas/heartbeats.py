"""Heartbeat monitors (dead man's switches)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.metrics import MetricLabels
from workflows.payloads import Category, Severity

STRICT = ConfigDict(extra="forbid")
MonitorName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]


class HeartbeatIn(BaseModel):
    model_config = STRICT
    name: MonitorName = Field(description="Letters, digits, `_ . -`; the ping URL is /api/v1/heartbeats/{name}/ping")
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    interval_seconds: int = Field(ge=10, le=30 * 86_400, description="How often the job pings")
    grace_seconds: int = Field(300, ge=0, le=7 * 86_400, description="How late a ping may be before the alert")
    severity: Severity = Severity.HIGH
    category: Category = Category.SYSTEM
    labels: MetricLabels = Field(default_factory=dict)
    escalation_policy_id: str | None = None
    channels: list[str] | None = Field(None, description="Channel ids; none: the tenant's default channels")
    enabled: bool = Field(True, description="Paused monitors raise nothing (an open alert stays open)")


class HeartbeatOut(HeartbeatIn):
    id: str
    status: str = Field(description="new (never pinged), up, late, or paused")
    last_ping_at: datetime | None
    ping_count: int
    next_deadline: datetime | None = Field(description="When the alert fires if no ping comes")
    alert_key: str
    created_at: datetime
    updated_at: datetime


class PingOut(BaseModel):
    name: str
    received_at: datetime
    next_deadline: datetime
