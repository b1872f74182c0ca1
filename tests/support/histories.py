"""How big a workflow's histories are, run by run, measured against Temporal's limits.

Temporal refuses a payload (a signal's input, a continue-as-new input, an activity result) over
2 MB (`limit.blobSize.error`, warning from 512 KB) and warns when one run's history passes 10,240
events or 10 MB (`limit.historyCount.warn`, `limit.historySize.warn`; it terminates the run at
51,200 events or 50 MB). A workflow that continues-as-new keeps each run far below them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowHistory

BLOB_LIMIT = 2 * 1024 * 1024  # bytes: Temporal's limit for one payload
BLOB_WARN = 512 * 1024  # bytes: Temporal warns of a payload this big
HISTORY_EVENTS_WARN = 10_240  # events in one run
HISTORY_BYTES_WARN = 10 * 1024 * 1024  # bytes of one run's history


@dataclass(frozen=True)
class RunSize:
    """One run of a workflow: its history's events and bytes, and its largest payload (bytes,
    and where it was: the event's attribute field, e.g. `workflow_execution_signaled_event_attributes`),
    and how many of its workflow tasks failed (e.g. a continue-as-new that signals overtook: the server
    refuses to close a run with signals it has not handled, and the next task takes them in)."""

    events: int
    bytes: int
    largest_payload: int
    largest_payload_in: str
    continued_as_new: bool
    failed_tasks: tuple[str, ...]  # the cause of each (WorkflowTaskFailedCause names)


async def run_histories(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of `workflow_id`, first run first: from the latest run back along the chain of
    continue-as-new (`continued_execution_run_id` of each run's start event)."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return histories[::-1]
        run_id = started.continued_execution_run_id


def _payloads(message: Message) -> list[Payload]:
    """Every payload inside `message`, however deep (fields, repeated fields, maps)."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for _, value in message.ListFields():
        if isinstance(value, Message):
            items: Iterable[object] = [value]
        elif isinstance(value, Mapping):
            items = value.values()
        elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
            continue
        else:
            items = value
        for item in items:
            if isinstance(item, Message):
                found += _payloads(item)
    return found


def measure(history: WorkflowHistory) -> RunSize:
    """The size of one run's history (its events' protobuf bytes) and of its largest payload."""
    largest, where = 0, ""
    for event in history.events:
        attributes = event.WhichOneof("attributes") or ""
        for payload in _payloads(event):
            if payload.ByteSize() > largest:
                largest, where = payload.ByteSize(), attributes
    last = history.events[-1]
    return RunSize(
        events=len(history.events),
        bytes=sum(event.ByteSize() for event in history.events),
        largest_payload=largest,
        largest_payload_in=where,
        continued_as_new=last.HasField("workflow_execution_continued_as_new_event_attributes"),
        failed_tasks=tuple(
            WorkflowTaskFailedCause.Name(event.workflow_task_failed_event_attributes.cause)
            for event in history.events
            if event.HasField("workflow_task_failed_event_attributes")
        ),
    )


def patches(history: WorkflowHistory) -> list[str]:
    """The ids of the `workflow.patched` markers in one run's history, in order."""
    found = []
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if event.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_patch":
            found += [json.loads(p.data)["id"] for p in marker.details["patch-data"].payloads]
    return found
