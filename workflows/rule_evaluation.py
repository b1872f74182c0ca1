"""RuleEvaluationWorkflow: one short pass over the due rules, started by a Temporal Schedule.

due → evaluate batches in parallel (a few at a time) → emit the outbox → prune old samples.
The evaluation instant is the workflow's start time, so every rule of a pass sees one `now`
and a replay sees the same one. A batch that keeps failing does not stop the others: it is
counted and its rules stay due for the next pass.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows.rule_payloads import (
        BatchRequest,
        BatchResult,
        DueRequest,
        EvaluationRequest,
        EvaluationSummary,
    )

PARALLEL_BATCHES = 4
QUICK = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=3)
# Emission must get through (it is the only way a transition reaches its alert): retry for
# longer, then leave the rest in the outbox for the next pass.
PERSISTENT = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=10
)


@workflow.defn(name="RuleEvaluationWorkflow")
class RuleEvaluationWorkflow:
    @workflow.run
    async def run(self, request: EvaluationRequest) -> EvaluationSummary:
        at = workflow.now()
        summary = EvaluationSummary(at=at)
        batches = await refs.run(
            refs.RULES_DUE,
            DueRequest(at=at, rule_ids=request.rule_ids, tenant_id=request.tenant_id, force=request.force),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=QUICK,
        )
        summary.batches = len(batches)
        slots = asyncio.Semaphore(PARALLEL_BATCHES)

        async def evaluate(batch: list[str]) -> BatchResult | None:
            async with slots:
                try:
                    return await refs.run(
                        refs.RULES_EVALUATE,
                        BatchRequest(rule_ids=batch, at=at, force=request.force),
                        start_to_close_timeout=timedelta(seconds=120),
                        heartbeat_timeout=timedelta(seconds=60),
                        retry_policy=QUICK,
                    )
                except ActivityError:
                    return None

        for result in await asyncio.gather(*(evaluate(batch) for batch in batches)):
            if result is None:
                summary.failed_batches += 1
                continue
            summary.evaluated += result.evaluated
            summary.firing += result.firing
            summary.pending += result.pending
            summary.errors += result.errors
            summary.transitions += result.transitions
        try:
            emitted = await refs.run(
                refs.RULES_EMIT,
                refs.NoInput(),
                start_to_close_timeout=timedelta(minutes=2),
                heartbeat_timeout=timedelta(seconds=60),
                retry_policy=PERSISTENT,
            )
            summary.sent = emitted.sent
        except ActivityError:
            workflow.logger.warning("emission failed; the outbox keeps the events for the next pass")
        if request.prune_metrics:
            summary.pruned_samples = await refs.run(
                refs.METRICS_PRUNE, at, start_to_close_timeout=timedelta(minutes=5), retry_policy=QUICK
            )
        return summary
