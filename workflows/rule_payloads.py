"""What crosses the boundary of RuleEvaluationWorkflow and HeartbeatWorkflow (pydantic, in history)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel


class EvaluationRequest(BaseModel):
    """One evaluation pass. The schedule sends the defaults: every due rule of every tenant."""

    rule_ids: list[str] | None = None  # None: every due rule
    tenant_id: str | None = None  # only this tenant's rules
    force: bool = False  # evaluate the listed (or all enabled) rules even if not yet due
    prune_metrics: bool = True  # also delete pushed samples older than the retention period


class DueRequest(BaseModel):
    at: datetime
    rule_ids: list[str] | None = None
    tenant_id: str | None = None
    force: bool = False


class BatchRequest(BaseModel):
    rule_ids: list[str]
    at: datetime
    force: bool = False


class BatchResult(BaseModel):
    evaluated: int = 0
    firing: int = 0
    pending: int = 0
    errors: int = 0
    transitions: int = 0  # fire / resolve events written to the outbox


class EmitResult(BaseModel):
    sent: int = 0
    ignored: int = 0  # a resolve for an alert that is already closed


class EvaluationSummary(BaseModel):
    at: datetime
    batches: int = 0
    failed_batches: int = 0
    evaluated: int = 0
    firing: int = 0
    pending: int = 0
    errors: int = 0
    transitions: int = 0
    sent: int = 0
    pruned_samples: int = 0


class HeartbeatStart(BaseModel):
    tenant_id: str
    heartbeat_id: str
    interval: timedelta
    grace: timedelta
    enabled: bool = True
    last_ping_at: datetime | None = None  # carried across continue-as-new
    since: datetime | None = None  # what the deadline counts from (carried across continue-as-new)
    alerting: bool = False  # an alert is open for a missed ping


class HeartbeatPing(BaseModel):
    at: datetime


class HeartbeatTiming(BaseModel):
    interval: timedelta
    grace: timedelta
    enabled: bool = True


class HeartbeatAlert(BaseModel):
    tenant_id: str
    heartbeat_id: str
    action: Literal["trigger", "resolve"]
    at: datetime
    last_ping_at: datetime | None = None
