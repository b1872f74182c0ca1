"""What one cached alert costs a worker: RSS growth per alert workflow held in the sticky cache.

One in-process worker (Herald's sandbox runner and data converter, a cache larger than the alerts) on the
time-skipping test server runs the real AlertWorkflow over the fast tier's canned activities
(tests/workflow/fakes.py: no PostgreSQL, no HTTP, so only the workflow side is measured). It opens
`--warm-up` alerts, then `--alerts` more, each on a two-level policy whose level 1 pages at once and whose
level 2 is an hour away (`--no-policy`: told to one channel, no ladder), waits until every first notice is
delivered and no workflow task or activity is in flight, drops the canned activities' record of their calls, and
prints the worker process's RSS growth (after `gc.collect()` and glibc's `malloc_trim`) divided by the alerts,
with one alert's history: its events and the bytes of payload data in them by event type.

`--levels 2` then skips the server's clock past level 2, waits until every alert (warm-up included) paged it, and
prints what that added per alert (RSS after level 2 minus RSS after level 1, over every alert).

Usage: .venv/bin/python bench/cached_alert_memory.py [--alerts 1000] [--warm-up 200] [--no-policy] [--levels 1]
       [--label-bytes 0] [--tracemalloc] [--repeat 1]
`--label-bytes` pads every alert's labels (how the figure grows with it says how many copies of an alert's payloads
a run keeps); `--tracemalloc` also prints the Python heap's growth per alert by line. Take each figure from a fresh
process: a second run in the same one reuses the memory the first run's alerts freed (`--repeat` shows it).
Figures go to docs/performance.md, never into tests.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import os
import sys
import tracemalloc
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psutil
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.client import AlertingClient, IngestItem  # noqa: E402
from gateway.data_converter import herald_data_converter  # noqa: E402
from gateway.namespace_setup import register_search_attributes  # noqa: E402
from gateway.sandbox import workflow_runner  # noqa: E402
from tests.support.alerts import trigger  # noqa: E402
from tests.workflow.fakes import FakeActivities, channel, person, policy  # noqa: E402
from workflows.alert import AlertWorkflow  # noqa: E402

BIN = Path(sys.executable).parent


def rss_mib() -> float:
    """RSS after the collector ran and glibc gave back the free pages of its heaps (transient peaks of the
    opening would otherwise count as what the cached runs hold)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return float(psutil.Process().memory_info().rss) / 2**20


async def open_alerts(
    alerting: AlertingClient, fakes: FakeActivities, tenant: str, count: int, label_bytes: int
) -> list[str]:
    """Open `count` alerts (50 per call) and wait until each has paged level 1."""
    ids: list[str] = []
    labels = {"host": "db1", "padding": "x" * label_bytes}
    for start in range(0, count, 50):
        event = trigger(repeat=timedelta(hours=24), labels=labels)
        items = [IngestItem(tenant, f"k{start + i}", event) for i in range(50)]
        items = items[: count - start]
        ids += [outcome.workflow_id for outcome in await alerting.ingest(items)]
    await fakes.wait_for(count, within=600)
    return ids


def forget_calls(fakes: FakeActivities) -> None:
    """Drop the fakes' record of every call (the worker's runs do not hold these; the test's activities do)."""
    for calls in (fakes.opened, fakes.records, fakes.lookups, fakes.reached, fakes.delivered):
        calls.clear()


async def quiet(env: WorkflowEnvironment, ids: list[str]) -> None:
    """Until no alert has a workflow task or an activity in flight (their histories stop growing)."""
    for wf_id in ids:
        for _ in range(200):
            description = await env.client.get_workflow_handle(wf_id).describe()
            raw = description.raw_description
            if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
                break
            await asyncio.sleep(0.05)


def payload_bytes(history: WorkflowHistory) -> Counter[str]:
    """Bytes of payload data in a history, by event type (what the SDK's core keeps copies of per run)."""
    found: Counter[str] = Counter()

    def walk(message: Message, kind: str) -> None:
        for descriptor, value in message.ListFields():
            if descriptor.message_type is None:
                continue
            if isinstance(value, Message):
                items = [value]
            elif hasattr(value, "values"):
                items = list(value.values())  # a map (a marker's details)
            else:
                items = list(value)
            for item in items:
                if isinstance(item, Payload):
                    found[kind] += len(item.data)
                else:
                    walk(item, kind)

    for event in history.events:
        walk(event, EventType.Name(event.event_type).removeprefix("EVENT_TYPE_"))
    return found


def heap_growth(before: tracemalloc.Snapshot | None, alerts: int, what: str) -> None:
    """With --tracemalloc: the Python heap's growth since `before`, per alert, and its top lines."""
    if before is None:
        return
    heap = tracemalloc.take_snapshot().compare_to(before, "lineno")
    print(f"Python heap per alert, {what}: {sum(d.size_diff for d in heap) / alerts / 1024:.1f} KiB; the top lines:")
    for diff in heap[:25]:
        print(f"  {diff.size_diff / alerts:8.0f} B  {diff.traceback}")


async def measure(
    env: WorkflowEnvironment, alerts: int, warm_up: int, label_bytes: int, escalating: bool = True, levels: int = 1
) -> tuple[float, float | None, WorkflowHistory]:
    """KiB of RSS per cached alert once level 1 paged; with `levels` 2, also what level 2 added per alert (every
    alert, warm-up included, runs it); and the last alert's history."""
    fakes = FakeActivities()
    fakes.channels = [] if escalating else [channel("ops")]
    fakes.policy = policy("alice", "bob", minutes=60) if escalating else None
    fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    task_queue = f"memory-{uuid.uuid4().hex[:8]}"
    alerting = AlertingClient(env.client, task_queue=task_queue, update_timeout=30, ingest_concurrency=16)
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[AlertWorkflow],
        activities=fakes.all(),
        workflow_runner=workflow_runner("shared"),
        max_cached_workflows=alerts + warm_up + 100,
    ):
        tenant = f"t-{uuid.uuid4().hex[:8]}"
        await quiet(env, await open_alerts(alerting, fakes, tenant + "w", warm_up, label_bytes))
        forget_calls(fakes)
        before = rss_mib()
        heap_before = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
        ids = await open_alerts(alerting, fakes, tenant, alerts, label_bytes)
        await quiet(env, ids)
        forget_calls(fakes)
        at_level_1 = rss_mib()
        heap_growth(heap_before, alerts, "level 1 paged")
        every = ids + [f"alert/{tenant}w/k{i}" for i in range(warm_up)]
        second: float | None = None
        if levels == 2:
            heap_before = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
            try:
                await env.sleep(timedelta(minutes=61))  # level 2 falls due an hour after level 1
            except RPCError as err:  # a slow worker (--tracemalloc) outlasts the call while the server fires the
                if err.status not in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):  # timers: wait below
                    raise
            await fakes.wait_for(len(every), within=600)
            await quiet(env, every)
            forget_calls(fakes)
            second = (rss_mib() - at_level_1) * 1024 / len(every)
            heap_growth(heap_before, len(every), "what level 2 added")
        history = await env.client.get_workflow_handle(ids[-1]).fetch_history()
        for wf_id in every:
            await env.client.get_workflow_handle(wf_id).terminate("measured")
    return (at_level_1 - before) * 1024 / alerts, second, history


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--warm-up", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python heap's growth by line")
    parser.add_argument("--no-policy", action="store_true", help="alerts that notify one channel and do not escalate")
    parser.add_argument("--label-bytes", type=int, default=0, help="a label of this many bytes on every alert")
    parser.add_argument(
        "--levels", type=int, choices=(1, 2), default=1, help="2: also skip to level 2 and print what it added"
    )
    args = parser.parse_args()
    if args.levels == 2 and args.no_policy:
        parser.error("--levels 2 needs a ladder: leave out --no-policy")
    if args.tracemalloc:
        tracemalloc.start()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=herald_data_converter
    )
    async with env:
        await register_search_attributes(env.client, "default")
        for run in range(args.repeat):
            per_alert, second, history = await measure(
                env, args.alerts, args.warm_up, args.label_bytes, not args.no_policy, args.levels
            )
            sizes = payload_bytes(history)
            kind = "non-escalating" if args.no_policy else "escalating"
            print(
                f"run {run + 1}: {per_alert:.1f} KiB of worker RSS per cached {kind} alert; one alert's history: "
                f"{len(history.events)} events, {sum(sizes.values())} payload bytes ({dict(sizes.most_common())})"
            )
            if second is not None:
                print(f"run {run + 1}: level 2 added {second:.1f} KiB of worker RSS per cached alert")


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)  # the SDK's threads can abort the interpreter's own shutdown; nothing is left to clean
