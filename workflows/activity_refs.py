"""Every activity a workflow calls, by reference: its stable name, its input and its result type.

Workflows call `run(ref, arg, ...)` or `run_local(ref, arg, ...)`, which pass the name and the
result type and are type-checked against the reference's input and output; the activity
classes declare `@activity.defn(name=ref.name)`; tests register fakes under `ref.name`; and
`tests/unit/test_activity_refs.py` checks that the worker registers every reference. A name
never changes once released: the histories of running workflows carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.payloads import (
        AbandonInput,
        ChannelRef,
        ChoosePolicyInput,
        DeliveryResult,
        DrainResult,
        MuteCheck,
        MuteCheckInput,
        NotifyInput,
        OpenAlertInput,
        OpenedAlert,
        PolicyChoice,
        RecordInput,
        ResolvedLevel,
        ResolveLevelInput,
    )
    from workflows.retention_payloads import PurgeRequest, RetentionSummary
    from workflows.rule_payloads import BatchRequest, BatchResult, DueRequest, EmitResult, HeartbeatAlert

In = TypeVar("In")
Out = TypeVar("Out")

# Projection writes and lookups are local activities: short, idempotent, no extra server round-trip.
LOCAL_TIMEOUT = timedelta(seconds=10)
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10))


class NoInput:
    """The input type of an activity that takes no argument."""


@dataclass(frozen=True)
class ActivityRef(Generic[In, Out]):
    name: str
    result_type: Any = None  # what the data converter decodes the result as (None: no result)


# AlertWorkflow
ALERT_OPEN: ActivityRef[OpenAlertInput, list[ChannelRef]] = ActivityRef(
    "alert.open", list[ChannelRef]
)  # pre-policy histories
ALERT_OPEN_ESCALATING: ActivityRef[OpenAlertInput, OpenedAlert] = ActivityRef("alert.open_escalating", OpenedAlert)
ALERT_RECORD: ActivityRef[RecordInput, None] = ActivityRef("alert.record")
ESCALATION_POLICY: ActivityRef[ChoosePolicyInput, PolicyChoice] = ActivityRef("escalation.policy", PolicyChoice)
ESCALATION_LEVEL: ActivityRef[ResolveLevelInput, ResolvedLevel] = ActivityRef("escalation.level", ResolvedLevel)
NOTIFY_SEND: ActivityRef[NotifyInput, DeliveryResult] = ActivityRef("notify.send", DeliveryResult)
NOTIFY_ABANDON: ActivityRef[AbandonInput, None] = ActivityRef("notify.abandon")
NOTIFY_MUTED: ActivityRef[MuteCheckInput, MuteCheck] = ActivityRef("notify.muted", MuteCheck)
# RuleEvaluationWorkflow
RULES_DUE: ActivityRef[DueRequest, list[list[str]]] = ActivityRef("rules.due", list[list[str]])
RULES_EVALUATE: ActivityRef[BatchRequest, BatchResult] = ActivityRef("rules.evaluate", BatchResult)
RULES_EMIT: ActivityRef[NoInput, EmitResult] = ActivityRef("rules.emit", EmitResult)
METRICS_PRUNE: ActivityRef[datetime, int] = ActivityRef("metrics.prune", int)
# HeartbeatWorkflow
HEARTBEAT_ALERT: ActivityRef[HeartbeatAlert, str] = ActivityRef("heartbeats.alert", str)
# InboxDrainWorkflow
INBOX_DRAIN: ActivityRef[NoInput, DrainResult] = ActivityRef("inbox.drain", DrainResult)
# RetentionWorkflow
RETENTION_PURGE: ActivityRef[PurgeRequest, RetentionSummary] = ActivityRef("retention.purge", RetentionSummary)

ALL: tuple[ActivityRef[Any, Any], ...] = (
    ALERT_OPEN,
    ALERT_OPEN_ESCALATING,
    ALERT_RECORD,
    ESCALATION_POLICY,
    ESCALATION_LEVEL,
    NOTIFY_SEND,
    NOTIFY_ABANDON,
    NOTIFY_MUTED,
    RULES_DUE,
    RULES_EVALUATE,
    RULES_EMIT,
    METRICS_PRUNE,
    HEARTBEAT_ALERT,
    INBOX_DRAIN,
    RETENTION_PURGE,
)


def _args(arg: object) -> list[Any]:
    return [] if isinstance(arg, NoInput) else [arg]


async def run(ref: ActivityRef[In, Out], arg: In, **options: Any) -> Out:
    """`workflow.execute_activity` by reference; `options` are its keyword arguments."""
    result: Out = await workflow.execute_activity(ref.name, args=_args(arg), result_type=ref.result_type, **options)
    return result


async def run_local(
    ref: ActivityRef[In, Out],
    arg: In,
    *,
    summary: str | None = None,
    start_to_close_timeout: timedelta = LOCAL_TIMEOUT,
    retry_policy: RetryPolicy = LOCAL_RETRY,
) -> Out:
    """`workflow.execute_local_activity` by reference, with the local defaults above."""
    result: Out = await workflow.execute_local_activity(
        ref.name,
        args=_args(arg),
        result_type=ref.result_type,
        summary=summary,
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
    )
    return result
