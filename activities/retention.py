"""The `retention.purge` activity: one retention pass over every tenant, in short batches."""

from __future__ import annotations

import time
from dataclasses import fields

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from models.audit import audit_cutoffs
from models.retention import (
    Deleted,
    delete_audit_entries_batch,
    delete_idle_series_batch,
    delete_resolved_batch,
    tenant_cutoffs,
)
from settings import Settings
from workflows import activity_refs as refs
from workflows.retention_payloads import PurgeRequest, RetentionSummary


def _add(summary: RetentionSummary, done: Deleted) -> None:
    for f in fields(done):
        setattr(summary, f.name, getattr(summary, f.name) + getattr(done, f.name))
    summary.batches += 1


class RetentionActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    @activity.defn(name=refs.RETENTION_PURGE.name)
    async def purge(self, request: PurgeRequest) -> RetentionSummary:
        """Delete, tenant by tenant, resolved alerts then idle metric series older than the tenant's
        retention, then audit log rows older than its audit retention (a separate setting),
        `batch_size` per transaction, until nothing is left or `budget_seconds` have passed (then
        `complete` is false and the next pass goes on). Heartbeats after every batch."""
        started = time.monotonic()
        summary = RetentionSummary(at=request.at)
        async with self._sessions.begin() as session:
            cutoffs = await tenant_cutoffs(
                session=session, at=request.at, default_days=self._settings.retention_days, tenant_id=request.tenant_id
            )
            audit = dict(await audit_cutoffs(session=session, at=request.at, tenant_id=request.tenant_id))
        summary.tenants = len(cutoffs)
        for tenant_id, before in cutoffs:
            for step in (delete_resolved_batch, delete_idle_series_batch, delete_audit_entries_batch):
                cutoff = audit.get(tenant_id, before) if step is delete_audit_entries_batch else before
                while True:
                    if time.monotonic() - started > request.budget_seconds:
                        summary.complete = False
                        summary.seconds = time.monotonic() - started
                        return summary
                    async with self._sessions.begin() as session:
                        done = await step(session=session, tenant_id=tenant_id, before=cutoff, limit=request.batch_size)
                    _add(summary, done)
                    activity.heartbeat(summary.batches)
                    if max(done.alerts, done.metric_series, done.audit_entries) < request.batch_size:
                        break
        summary.seconds = time.monotonic() - started
        return summary
