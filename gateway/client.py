"""AlertingClient: fire, create, acknowledge, resolve and edit alerts through Temporal.

Translates Temporal's errors into `gateway.errors` by their type, never by their text, so
routes never import temporalio:

* an update rejected by a validator or failed by its handler → `TransitionRejected` with the
  workflow's words (its validators raise `ApplicationError`s typed in `workflows/alert.py`);
  the type `CLOSING` (the previous incident is still sending its resolution notices) is
  `AlertClosing`, which `create` retries;
* `NOT_FOUND` → `AlertNotFound`, unless the workflow exists and has closed → `TransitionRejected`;
* `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `CANCELLED`, an update that timed out, no worker answering
  within `update_timeout`, and `RuntimeError` (what the SDK raises when a lazily connected
  client cannot reach the server) → `EngineUnavailable`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from gateway.errors import AlertClosing, AlertNotFound, EngineUnavailable, TransitionRejected
from workflows.alert import CLOSING, AlertWorkflow
from workflows.heartbeat import HeartbeatWorkflow
from workflows.ids import alert_workflow_id, heartbeat_workflow_id, inbox_drain_workflow_id, manual_evaluation_id
from workflows.inbox import INBOX_DRAIN_WORKFLOW
from workflows.payloads import (
    AcknowledgeRequest,
    AlertStart,
    AlertStatus,
    AlertView,
    EditRequest,
    FireBatch,
    FireEvent,
    ResolveRequest,
)
from workflows.rule_evaluation import RuleEvaluationWorkflow
from workflows.rule_payloads import (
    EvaluationRequest,
    EvaluationSummary,
    HeartbeatPing,
    HeartbeatStart,
    HeartbeatTiming,
)
from workflows.search_attributes import LEVEL, RULE, search_attributes

T = TypeVar("T")
AlertAction = Literal["snooze", "escalate", "reassign", "add_note"]
FIRE = "fire"  # AlertWorkflow.fire: start_signal takes the signal's name
FIRE_BATCH = "fire_batch"  # AlertWorkflow.fire_batch
BATCH_MAX = 500  # events of one key per signal (a signal's payload stays far below Temporal's 2 MB)
ACTIONS = {
    "snooze": AlertWorkflow.snooze,
    "escalate": AlertWorkflow.escalate,
    "reassign": AlertWorkflow.reassign,
    "add_note": AlertWorkflow.add_note,
}
EVALUATE_TIMEOUT = 60.0  # seconds a manual evaluation pass may take before the API answers 503


def _start_metadata(tenant_id: str, key: str, event: FireEvent) -> dict[str, Any]:
    """What a new alert workflow carries for the Temporal UI: search attributes, summary, details."""
    assert event.content is not None
    content = event.content
    return {
        # HeraldLevel 0 until a policy's first level runs; naming it here makes a namespace that
        # lacks the attribute fail the start (a 503 that says so), not the workflow later.
        "search_attributes": TypedSearchAttributes(
            [
                *search_attributes(tenant_id, content, AlertStatus.TRIGGERED),
                SearchAttributePair(LEVEL, 0),
                *(
                    [SearchAttributePair(RULE, content.labels["herald_rule"])]
                    if "herald_rule" in content.labels
                    else []
                ),
            ]
        ),
        "static_summary": f"[{content.severity.value}] {content.title}"[:200],
        "static_details": f"tenant `{tenant_id}` · key `{key}` · source `{content.source}`",
    }


@dataclass(frozen=True)
class IngestItem:
    tenant_id: str
    key: str
    event: FireEvent


@dataclass(frozen=True)
class IngestOutcome:
    key: str
    workflow_id: str
    status: Literal["accepted", "ignored", "failed"]
    message: str = ""


@dataclass(frozen=True)
class WorkerHealth:
    temporal_ok: bool
    workflow_pollers: int
    activity_pollers: int
    message: str = ""


class AlertingClient:
    def __init__(self, client: Client, *, task_queue: str, update_timeout: float, ingest_concurrency: int) -> None:
        self._client = client
        self._task_queue = task_queue
        self._update_timeout = update_timeout
        self._ingest_slots = asyncio.Semaphore(ingest_concurrency)
        self._waking: asyncio.Task[None] | None = None  # wake_inbox_soon's wake on its way
        self._wake_again = False

    # ------------------------------------------------------------------ ingest

    async def ingest(self, items: list[IngestItem], *, cycle: int | None = None) -> list[IngestOutcome]:
        """Send a batch: keys in parallel, events of one key in order (several as one signal). With
        `cycle` (an ingest inbox drain cycle) every key's events go as batches naming it, so that
        a retried cycle changes nothing twice. Never raises."""
        outcomes: list[IngestOutcome | None] = [None] * len(items)
        by_key: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_key.setdefault(alert_workflow_id(item.tenant_id, item.key), []).append(index)

        async def send_key(indexes: list[int]) -> None:
            if len(indexes) == 1 and cycle is None:
                async with self._ingest_slots:
                    outcomes[indexes[0]] = await self._ingest_one(items[indexes[0]])
                return
            for number, start in enumerate(range(0, len(indexes), BATCH_MAX)):
                chunk = indexes[start : start + BATCH_MAX]
                batch = FireBatch(events=[items[i].event for i in chunk], cycle=cycle, chunk=number)
                async with self._ingest_slots:
                    answered = await self._ingest_many(items[chunk[0]], batch)
                for index, outcome in zip(chunk, answered, strict=True):
                    outcomes[index] = outcome

        await asyncio.gather(*(send_key(indexes) for indexes in by_key.values()))
        return [outcome for outcome in outcomes if outcome is not None]

    def wake_inbox_soon(self) -> None:
        """Wake the inbox drain without waiting for Temporal's answer (the API's answer does not
        wait for it). Wakes are coalesced: while one is on its way, later calls only ask for one
        more after it, so rows committed before any call are always followed by a wake that left
        after their commit. A wake lost with the process costs at most the drain's idle check."""
        if self._waking is not None and not self._waking.done():
            self._wake_again = True
            return
        self._waking = asyncio.create_task(self._wake_until_quiet())

    async def _wake_until_quiet(self) -> None:
        while True:
            self._wake_again = False
            await self.wake_inbox()
            if not self._wake_again:
                return

    async def wake_inbox(self) -> str | None:
        """Wake the ingest inbox drain of this task queue, starting it if it is not running. Never
        raises: None, or why Temporal could not be told (the events wait in the inbox for the
        drain's own check, or the worker's start)."""
        try:
            await self._client.start_workflow(
                INBOX_DRAIN_WORKFLOW,
                id=inbox_drain_workflow_id(self._task_queue),
                task_queue=self._task_queue,
                start_signal="wake",
                static_summary="hands the ingest inbox's events to their incidents",
            )
        except RPCError as err:
            return err.message
        except RuntimeError as err:
            return str(err)
        return None

    async def _ingest_one(self, item: IngestItem) -> IngestOutcome:
        wf_id = alert_workflow_id(item.tenant_id, item.key)
        try:
            if item.event.action != "trigger":  # a resolve or an acknowledge never starts a workflow
                delivered = await self._signal_open(wf_id, item.event)
                return IngestOutcome(
                    item.key,
                    wf_id,
                    "accepted" if delivered else "ignored",
                    "" if delivered else "no open alert with this key",
                )
            await self._signal_with_start(item.tenant_id, item.key, wf_id, item.event)
            return IngestOutcome(item.key, wf_id, "accepted")
        except RPCError as err:
            return IngestOutcome(item.key, wf_id, "failed", f"Temporal did not accept the event: {err.message}")
        except RuntimeError as err:
            return IngestOutcome(
                item.key, wf_id, "failed", f"Temporal is unreachable; the event was not accepted ({err})"
            )

    async def _ingest_many(self, first: IngestItem, batch: FireBatch) -> list[IngestOutcome]:
        """Events of one key, in order, as one signal (with start when one of them triggers). A
        resolve among them is `accepted`: whether it found the alert open is the workflow's to say."""
        wf_id = alert_workflow_id(first.tenant_id, first.key)
        items = batch.events
        opener = next((event for event in batch.events if event.action == "trigger"), None)
        try:
            if opener is None:
                handle = self._client.get_workflow_handle_for(AlertWorkflow.run, wf_id)
                try:
                    await handle.signal(AlertWorkflow.fire_batch, batch)
                except RPCError as err:
                    if err.status != RPCStatusCode.NOT_FOUND:
                        raise
                    return [IngestOutcome(first.key, wf_id, "ignored", "no open alert with this key") for _ in items]
            else:
                await self._client.start_workflow(
                    AlertWorkflow.run,
                    AlertStart(tenant_id=first.tenant_id, key=first.key),
                    id=wf_id,
                    task_queue=self._task_queue,
                    start_signal=FIRE_BATCH,
                    start_signal_args=[batch],
                    **_start_metadata(first.tenant_id, first.key, opener),
                )
        except RPCError as err:
            message = f"Temporal did not accept the event: {err.message}"
            return [IngestOutcome(first.key, wf_id, "failed", message) for _ in items]
        except RuntimeError as err:
            message = f"Temporal is unreachable; the event was not accepted ({err})"
            return [IngestOutcome(first.key, wf_id, "failed", message) for _ in items]
        return [IngestOutcome(first.key, wf_id, "accepted") for _ in items]

    async def _signal_with_start(self, tenant_id: str, key: str, wf_id: str, event: FireEvent) -> None:
        await self._client.start_workflow(
            AlertWorkflow.run,
            AlertStart(tenant_id=tenant_id, key=key),
            id=wf_id,
            task_queue=self._task_queue,
            start_signal=FIRE,
            start_signal_args=[event],
            **_start_metadata(tenant_id, key, event),
        )

    async def _signal_open(self, wf_id: str, event: FireEvent) -> bool:
        try:
            await self._client.get_workflow_handle_for(AlertWorkflow.run, wf_id).signal(AlertWorkflow.fire, event)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False  # unknown or closed: a resolve for it is a no-op
            raise
        return True

    # ------------------------------------------------------------------ single alert

    async def create(self, tenant_id: str, key: str, event: FireEvent) -> AlertView:
        """Open (or re-fire) one alert and answer with it once it is projected."""
        wf_id = alert_workflow_id(tenant_id, key)
        for _ in range(20):
            operation = WithStartWorkflowOperation(
                AlertWorkflow.run,
                AlertStart(tenant_id=tenant_id, key=key),
                id=wf_id,
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                **_start_metadata(tenant_id, key, event),
            )

            async def call(op: WithStartWorkflowOperation[AlertWorkflow, AlertView | None] = operation) -> AlertView:
                # The SDK's overload types an async update's result as its coroutine.
                return await self._client.execute_update_with_start_workflow(
                    AlertWorkflow.fire_and_wait,  # type: ignore[arg-type]
                    event,
                    start_workflow_operation=op,
                )

            try:
                async with self._translate():
                    return await self._bounded(call)
            except AlertClosing:
                await asyncio.sleep(0.1)  # the previous incident is sending its resolution notices
        raise EngineUnavailable("the previous alert with this key is still closing; retry shortly")

    async def acknowledge(self, wf_id: str, request: AcknowledgeRequest) -> AlertView:
        return await self._update(wf_id, AlertWorkflow.acknowledge, request)

    async def resolve(self, wf_id: str, request: ResolveRequest) -> AlertView:
        return await self._update(wf_id, AlertWorkflow.resolve, request)

    async def signal_transition(self, wf_id: str, request: AcknowledgeRequest | ResolveRequest) -> None:
        """Acknowledge or resolve by signal: durable once Temporal accepts it (milliseconds), needs no
        worker to answer, and changes nothing when repeated or sent to a later alert with the same key."""
        handle = self._client.get_workflow_handle_for(AlertWorkflow.run, wf_id)
        async with self._translate(handle):
            if isinstance(request, AcknowledgeRequest):
                await self._bounded(lambda: handle.signal(AlertWorkflow.acknowledge_signal, request))
            else:
                await self._bounded(lambda: handle.signal(AlertWorkflow.resolve_signal, request))

    async def edit(self, wf_id: str, request: EditRequest) -> AlertView:
        return await self._update(wf_id, AlertWorkflow.edit, request)

    async def act(self, wf_id: str, name: AlertAction, request: BaseModel) -> AlertView:
        """The escalation actions: snooze, escalate, reassign, add_note (each a validated update)."""
        return await self._update(wf_id, ACTIONS[name], request)

    async def _update(self, wf_id: str, update: Any, request: BaseModel) -> AlertView:
        """Run one of AlertWorkflow's updates (a method reference: its name and result type)."""
        handle = self._client.get_workflow_handle_for(AlertWorkflow.run, wf_id)
        async with self._translate(handle):
            view: AlertView = await self._bounded(lambda: handle.execute_update(update, request))
            return view

    # ------------------------------------------------------------------ rules

    async def evaluate_rules(self, request: EvaluationRequest) -> EvaluationSummary:
        """Run one evaluation pass now (what the schedule does) and wait for its summary."""
        try:
            async with self._translate():
                summary: EvaluationSummary = await asyncio.wait_for(
                    self._client.execute_workflow(
                        RuleEvaluationWorkflow.run,
                        request,
                        id=manual_evaluation_id(self._task_queue, str(uuid.uuid4())),
                        task_queue=self._task_queue,
                        execution_timeout=timedelta(seconds=EVALUATE_TIMEOUT),
                    ),
                    timeout=EVALUATE_TIMEOUT,
                )
                return summary
        except WorkflowFailureError as err:
            raise EngineUnavailable(f"the evaluation pass failed: {err.cause}") from err
        except TimeoutError as err:
            raise EngineUnavailable(
                f"the evaluation did not finish within {EVALUATE_TIMEOUT:g} s; is `herald worker` running?"
            ) from err

    # ------------------------------------------------------------------ heartbeats

    async def heartbeat_signal(
        self, start: HeartbeatStart, name: Literal["ping", "configure"], arg: HeartbeatPing | HeartbeatTiming
    ) -> None:
        """Signal the monitor's workflow, starting it first if it is not running (durable once accepted)."""
        async with self._translate():
            await self._bounded(
                lambda: self._client.start_workflow(
                    HeartbeatWorkflow.run,
                    start,
                    id=heartbeat_workflow_id(start.tenant_id, start.heartbeat_id),
                    task_queue=self._task_queue,
                    start_signal=name,
                    start_signal_args=[arg],
                    static_summary=f"heartbeat {start.heartbeat_id}",
                )
            )

    async def stop_heartbeat(self, tenant_id: str, heartbeat_id: str) -> None:
        """Stop watching (the workflow resolves its open alert first); a monitor not running is fine."""
        handle = self._client.get_workflow_handle_for(
            HeartbeatWorkflow.run, heartbeat_workflow_id(tenant_id, heartbeat_id)
        )
        try:
            async with self._translate():
                await self._bounded(lambda: handle.signal(HeartbeatWorkflow.stop))
        except AlertNotFound:
            pass

    # ------------------------------------------------------------------ health

    async def health(self) -> WorkerHealth:
        try:
            ok = await self._client.service_client.check_health(timeout=timedelta(seconds=3))
            counts = []
            for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
                response = await self._client.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=self._client.namespace,
                        task_queue=TaskQueue(name=self._task_queue),
                        task_queue_type=kind,
                    ),
                    timeout=timedelta(seconds=3),
                )
                counts.append(len(response.pollers))
        except RPCError as err:
            return WorkerHealth(False, 0, 0, f"Temporal unreachable: {err.message}")
        except RuntimeError as err:
            return WorkerHealth(False, 0, 0, f"Temporal unreachable: cannot connect ({err})")
        return WorkerHealth(bool(ok), counts[0], counts[1])

    # ------------------------------------------------------------------ error translation

    async def _bounded(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await asyncio.wait_for(call(), timeout=self._update_timeout)
        except TimeoutError as err:
            raise EngineUnavailable(
                f"no Herald worker answered within {self._update_timeout:g} s; is `herald worker` running?"
            ) from err

    @asynccontextmanager
    async def _translate(self, handle: WorkflowHandle[Any, Any] | None = None) -> AsyncIterator[None]:
        """Temporal's errors as domain errors, by type (see the module docstring)."""
        try:
            yield
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            if isinstance(cause, ApplicationError) and cause.type == CLOSING:
                raise AlertClosing(message) from err
            raise TransitionRejected(message) from err  # the workflow refused the change, whatever its type
        except WorkflowUpdateRPCTimeoutOrCancelledError as err:
            raise EngineUnavailable("Temporal did not complete the request in time") from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                if handle is not None and await self._closed(handle):
                    raise TransitionRejected("the alert is resolved and closed") from err
                raise AlertNotFound("no running workflow for this alert") from err
            if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise EngineUnavailable(f"Temporal is unavailable: {err.message}") from err
            raise
        except RuntimeError as err:
            raise EngineUnavailable(f"Temporal is unreachable; try again shortly ({err})") from err

    async def _closed(self, handle: WorkflowHandle[Any, Any]) -> bool:
        """Whether the workflow exists and has closed (NOT_FOUND also means "already completed")."""
        try:
            description = await handle.describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return description.status not in (None, WorkflowExecutionStatus.RUNNING)
