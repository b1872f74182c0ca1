"""What crosses the boundary of RetentionWorkflow (pydantic, in history). New fields get defaults."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class RetentionRequest(BaseModel):
    """One retention pass. The schedule sends the defaults."""

    batch_size: int = 1000  # alerts (or metric series) deleted per transaction
    budget_seconds: float = 240.0  # a pass stops starting batches after this long; the next pass goes on
    tenant_id: str | None = None  # only this tenant (None: every tenant)


class PurgeRequest(BaseModel):
    """The `retention.purge` activity's input: `at` is the pass's instant (the workflow's clock)."""

    at: datetime
    batch_size: int = 1000
    budget_seconds: float = 240.0
    tenant_id: str | None = None


class RetentionSummary(BaseModel):
    """Rows deleted by one pass; `complete` is false when the time budget ran out first."""

    at: datetime | None = None
    tenants: int = 0
    alerts: int = 0
    alert_events: int = 0
    alert_members: int = 0
    deliveries: int = 0
    metric_series: int = 0
    metric_samples: int = 0
    audit_entries: int = 0  # audit log rows older than the tenant's audit_retention_days
    batches: int = 0
    seconds: float = 0.0
    complete: bool = True

    @property
    def rows(self) -> int:
        return (
            self.alerts
            + self.alert_events
            + self.alert_members
            + self.deliveries
            + self.metric_series
            + self.metric_samples
            + self.audit_entries
        )
