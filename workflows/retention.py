"""RetentionWorkflow: one retention pass, started by the `herald-retention/<task queue>` Temporal Schedule.

The pass's instant is the workflow's start time (so a replay computes the same cutoffs); the
`retention.purge` activity deletes in short batches within a time budget and reports what it
deleted, which becomes the workflow's result (visible in the Temporal UI next to the schedule).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows.retention_payloads import PurgeRequest, RetentionRequest, RetentionSummary

RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=1), maximum_attempts=5)


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, request: RetentionRequest) -> RetentionSummary:
        at = workflow.now()
        budget = timedelta(seconds=request.budget_seconds)
        summary = await refs.run(
            refs.RETENTION_PURGE,
            PurgeRequest(
                at=at, batch_size=request.batch_size, budget_seconds=request.budget_seconds, tenant_id=request.tenant_id
            ),
            start_to_close_timeout=budget + timedelta(minutes=2),  # a batch begun just before the budget ends
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RETRY,
            summary="delete resolved alerts and idle series past each tenant's retention",
        )
        workflow.logger.info(
            "retention: %s rows deleted (%s alerts) in %.1f s, complete=%s",
            summary.rows,
            summary.alerts,
            summary.seconds,
            summary.complete,
        )
        return summary
