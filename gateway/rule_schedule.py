"""The Temporal Schedule that drives rule evaluation, created or updated when a worker starts.

Interval = `HERALD_RULE_TICK_SECONDS` (each rule keeps its own interval: a pass evaluates only
the rules that are due), overlap SKIP (a slow pass is never doubled), catch-up window one
minute (after an outage, one pass catches up; missed ticks are not replayed one by one). An
update keeps the schedule's state: a schedule paused by an operator stays paused.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from settings import Settings
from workflows.ids import rule_schedule_id
from workflows.rule_evaluation import RuleEvaluationWorkflow
from workflows.rule_payloads import EvaluationRequest

CATCHUP_WINDOW = timedelta(minutes=1)


def rule_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RuleEvaluationWorkflow.run,
            EvaluationRequest(),
            id=rule_schedule_id(settings.temporal_task_queue),  # the schedule appends the start time
            task_queue=settings.temporal_task_queue,
            execution_timeout=timedelta(minutes=10),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.rule_tick_seconds))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(note="Herald: evaluates the rules that are due (pause to stop every rule)"),
    )


async def ensure_rule_schedule(client: Client, settings: Settings) -> str:
    """Create the schedule, or bring an existing one's action, spec and policy up to date. Returns what it did."""
    return await ensure_schedule(client, rule_schedule_id(settings.temporal_task_queue), rule_schedule(settings))


async def ensure_schedule(client: Client, sid: str, wanted: Schedule) -> str:
    """Create schedule `sid`, or bring an existing one's action, spec and policy up to date (its state,
    paused or not, is kept). Returns "created" or "updated"."""
    try:
        await client.create_schedule(sid, wanted)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule = current.description.schedule
        schedule.action, schedule.spec, schedule.policy = wanted.action, wanted.spec, wanted.policy
        return ScheduleUpdate(schedule=schedule)

    await client.get_schedule_handle(sid).update(keep_state)
    return "updated"
