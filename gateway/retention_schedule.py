"""The Temporal Schedule that drives retention (`herald-retention/<task queue>`), created or updated
when a worker starts, beside the rule-evaluation schedule.

Interval = `HERALD_RETENTION_INTERVAL_SECONDS` (default hourly), overlap SKIP (a long pass is never
doubled), catch-up window one minute. Pausing it in the Temporal UI stops retention.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from gateway.rule_schedule import CATCHUP_WINDOW, ensure_schedule
from settings import Settings
from workflows.ids import retention_schedule_id
from workflows.retention import RetentionWorkflow
from workflows.retention_payloads import RetentionRequest


def retention_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionRequest(),
            id=retention_schedule_id(settings.temporal_task_queue),  # the schedule appends the start time
            task_queue=settings.temporal_task_queue,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.retention_interval_seconds))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(note="Herald: deletes resolved alerts and idle metric series past each tenant's retention"),
    )


async def ensure_retention_schedule(client: Client, settings: Settings) -> str:
    """Create the retention schedule or update it (keeping its paused state). Returns what it did."""
    return await ensure_schedule(
        client, retention_schedule_id(settings.temporal_task_queue), retention_schedule(settings)
    )
