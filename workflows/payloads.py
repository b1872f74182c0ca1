"""Types that cross the workflow boundary (inputs, signals, updates, activity arguments).

Every field added later must have a default, so that histories recorded by older code
still decode. Secrets never appear here: activities load them by id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Category(StrEnum):
    SYSTEM = "system"
    APPLICATION = "application"
    BUSINESS = "business"
    SECURITY = "security"


class AlertStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class NotifyEvent(StrEnum):
    TRIGGERED = "triggered"
    RENOTIFIED = "renotified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertContent(BaseModel):
    """What an event says about the alert (its labels are its identity)."""

    title: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    category: Category = Category.SYSTEM
    source: str = "api"
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class AlertOptions(BaseModel):
    """How the alert behaves; fixed when it opens."""

    channel_ids: list[str] | None = None  # None: the tenant's default channels
    repeat_interval: timedelta = timedelta(minutes=30)
    notify_attempt_timeout: timedelta = timedelta(seconds=30)
    notify_give_up_after: timedelta = timedelta(hours=1)
    # 0: continue-as-new when the server suggests it; >0: also after that many events
    # in one run (keeps flapping alerts' histories short, and lets tests force it).
    max_events_per_run: int = 0


class FireEvent(BaseModel):
    """An occurrence of the alert's condition (signal `fire`, or the update of the same name)."""

    action: Literal["trigger", "resolve"] = "trigger"
    content: AlertContent | None = None  # required for trigger
    options: AlertOptions = Field(default_factory=AlertOptions)
    received_at: datetime
    actor: str = "api"


class TimelineEntry(BaseModel):
    kind: str
    at: datetime
    actor: str | None = None
    message: str = ""
    details: dict[str, str] = Field(default_factory=dict)


class ChannelRef(BaseModel):
    id: str
    name: str
    type: str


class AlertView(BaseModel):
    """The live state of one alert, as the workflow knows it."""

    alert_id: str
    workflow_id: str
    tenant_id: str
    key: str
    status: AlertStatus
    content: AlertContent
    event_count: int
    first_seen: datetime
    last_seen: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    next_notification_at: datetime | None = None
    notify_cycle: int = 0
    version: int = 0
    channels: list[ChannelRef] = Field(default_factory=list)


class CarriedState(BaseModel):
    """Everything a run hands to the next one on continue-as-new."""

    view: AlertView
    options: AlertOptions
    notified_channel_ids: list[str] = Field(default_factory=list)
    next_seq: int = 0
    reopen_with: FireEvent | None = None  # a trigger that arrived while resolving
    reopen_extra_events: int = 0  # further triggers that arrived after it


class AlertStart(BaseModel):
    tenant_id: str
    key: str
    carried: CarriedState | None = None


class AcknowledgeRequest(BaseModel):
    alert_id: str
    actor: str
    note: str | None = None


class ResolveRequest(BaseModel):
    alert_id: str
    actor: str
    note: str | None = None


class EditRequest(BaseModel):
    alert_id: str
    actor: str
    title: str | None = None
    description: str | None = None
    severity: Severity | None = None
    annotations: dict[str, str] | None = None


class OpenAlertInput(BaseModel):
    view: AlertView
    channel_ids: list[str] | None
    entry: TimelineEntry


class RecordInput(BaseModel):
    """A projection write: the alert row as of `view.version`, plus an optional timeline entry."""

    view: AlertView
    seq: int | None = None
    entry: TimelineEntry | None = None


class NotifyInput(BaseModel):
    idempotency_key: str
    channel_id: str
    event: NotifyEvent
    alert: AlertView


class DeliveryResult(BaseModel):
    status: Literal["delivered", "skipped"]
    provider_status: int | None = None
    attempts: int = 1


class AbandonInput(BaseModel):
    idempotency_key: str
    alert_id: str
    tenant_id: str
    channel_name: str
    reason: str
    at: datetime
