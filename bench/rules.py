"""Rule evaluation benchmark: N alert rules over pushed metrics on a `herald dev` stack this script starts.

Setup: the rule-evaluation schedule is paused (so that setup is not evaluated piecemeal and a
manual pass is not raced by a scheduled one, which would skip the rows it holds); N rules are
created through POST /api/v1/alerts/rules/ (`--concurrency` in flight), rule i reading
`bench_metric_{i % 100}{host="h{(i // 100) % 50}"}` (5,000 series); samples are pushed to every
series (value ~50) and rule i's threshold is 10 when i % `--fire-every` == 0 (it fires), else 1000.

Prints:
  (a) per manual pass (POST /api/v1/alerts/evaluate `{}`: every enabled rule of the tenant, force):
      seconds per cycle seen by the client, the pass's counts (evaluated, firing, transitions, sent),
      and where the time went, from the workflow's history: `rules.due`, the `rules.evaluate` batches
      (wall time from first scheduled to last done, and per batch), `rules.emit`; plus the CPU used by
      the worker and PostgreSQL during the pass (a Python worker is bound at 100% of one core);
      the first pass fires the alerts (transitions); the same worker then opens those alerts, and the
      bench waits until its CPU falls idle (and says how long) before the next, steady-state, passes;
  (b) the pass the schedule runs once it is resumed (all rules fall due together, `interval_seconds`
      after the last manual pass), read from the workflow's history the same way;
  how many of the fired alerts the alerts API shows, and peak RSS of the worker, API and Temporal.

Note: a manual pass is a workflow with a 60 s execution timeout (gateway.client.EVALUATE_TIMEOUT);
a slower pass answers 503 and is reported as timed out; the scheduled pass has 10 minutes.

Usage: .venv/bin/python bench/rules.py [--rules 10000] [--concurrency 16] [--fire-every 100] [--passes 3]
       [--no-scheduled]
Target (docs): under 10 s per cycle for 10,000 rules. Traffic goes only to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import PeakRss, Stack, cpu_seconds, postgres_processes  # noqa: E402

METRICS, HOSTS = 100, 50  # 5,000 series
POINTS, STEP = 5, 30  # samples per series, seconds apart, the newest at "now"
INTERVAL = 60  # each rule's interval_seconds
AGGREGATIONS = ("last", "avg", "max", "p95")
CLOSED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "completed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "failed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "timed out",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "canceled",
}


def rule_body(i: int, run: str, fire_every: int) -> dict[str, Any]:
    return {
        "name": f"bench {run} {i}",
        "query": f'bench_metric_{i % METRICS}{{host="h{(i // METRICS) % HOSTS}"}}',
        "aggregation": AGGREGATIONS[i % len(AGGREGATIONS)],
        "window_seconds": 600,
        "comparator": ">",
        "threshold": 10.0 if i % fire_every == 0 else 1000.0,
        "interval_seconds": INTERVAL,
        "labels": {"bench": run},
    }


async def create_rules(http: httpx.AsyncClient, count: int, run: str, fire_every: int, concurrency: int) -> float:
    """POST the rules, `concurrency` in flight; seconds it took."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def client() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            response = await http.post("/api/v1/alerts/rules/", json=rule_body(i, run, fire_every))
            if response.status_code != 201:
                raise SystemExit(f"POST /api/v1/alerts/rules/: {response.status_code} {response.text[:500]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started


async def push_samples(http: httpx.AsyncClient) -> int:
    """POINTS samples per series, value ~50, the newest now; returns how many."""
    now = datetime.now(UTC)
    samples = [
        {
            "name": f"bench_metric_{m}",
            "labels": {"host": f"h{h}"},
            "value": 50.0 + (m + h + k) % 7,
            "timestamp": (now - timedelta(seconds=STEP * k)).isoformat(),
        }
        for m in range(METRICS)
        for h in range(HOSTS)
        for k in range(POINTS)
    ]
    for start in range(0, len(samples), 5000):
        response = await http.post("/api/v1/metrics", json={"samples": samples[start : start + 5000]})
        response.raise_for_status()
    return len(samples)


@dataclass
class Activity:
    name: str
    scheduled: float
    started: float | None = None
    closed: float | None = None
    how: str = "running"


@dataclass
class Pass:
    workflow_id: str
    status: str
    origin: float  # epoch seconds of the workflow's start
    seconds: float  # workflow start → close
    summary: dict[str, Any]
    activities: list[Activity] = field(default_factory=list)


async def read_pass(client: Client, workflow_id: str) -> Pass:
    """The pass's duration, summary and activity timings (seconds from the workflow's start), from its history."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    origin = history.events[0].event_time.ToMicroseconds() / 1e6
    by_id: dict[int, Activity] = {}
    summary: dict[str, Any] = {}
    status, closed_at = "running", origin
    for event in history.events:
        at = event.event_time.ToMicroseconds() / 1e6 - origin
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = event.activity_task_scheduled_event_attributes.activity_type.name
            by_id[event.event_id] = Activity(name, at)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            by_id[event.activity_task_started_event_attributes.scheduled_event_id].started = at
        elif kind in CLOSED:
            scheduled_id = {
                EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: event.activity_task_completed_event_attributes,
                EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: event.activity_task_failed_event_attributes,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: event.activity_task_timed_out_event_attributes,
                EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: event.activity_task_canceled_event_attributes,
            }[kind].scheduled_event_id  # type: ignore[attr-defined]
            activity = by_id[scheduled_id]
            activity.closed, activity.how = at, CLOSED[kind]
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            status, closed_at = "completed", at + origin
            payloads = event.workflow_execution_completed_event_attributes.result.payloads
            summary = json.loads(payloads[0].data) if payloads else {}
        elif kind in (
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        ):
            status, closed_at = EventType.Name(kind).removeprefix("EVENT_TYPE_WORKFLOW_EXECUTION_").lower(), at + origin
    return Pass(workflow_id, status, origin, closed_at - origin, summary, list(by_id.values()))


def breakdown(p: Pass) -> list[str]:
    """Where the pass's time went."""

    def ran(a: Activity) -> float:
        return (a.closed or p.seconds) - (a.started if a.started is not None else a.scheduled)

    lines = []
    for name in ("rules.due", "rules.evaluate", "rules.emit", "metrics.prune"):
        mine = [a for a in p.activities if a.name == name]
        if not mine:
            continue
        wall = max(a.closed or p.seconds for a in mine) - min(a.scheduled for a in mine)
        waits = [(a.started - a.scheduled) for a in mine if a.started is not None]
        runs = sorted(ran(a) for a in mine)
        attempts = f", {len(mine)} attempts" if len(mine) > 1 and name != "rules.evaluate" else ""
        problems = [a.how for a in mine if a.how != "completed"]
        text = f"    {name:<15} wall {wall:6.2f} s ({wall / p.seconds:4.0%} of the pass){attempts}"
        if name == "rules.evaluate":
            text += (
                f"; {len(mine)} batch(es), each ran mean {sum(runs) / len(runs):.2f} s, max {runs[-1]:.2f} s, "
                f"sum {sum(runs):.1f} s"
            )
        if waits and max(waits) > 0.05:
            text += f"; queue wait max {max(waits):.2f} s"
        if problems:
            text += f"; NOT completed: {', '.join(sorted(set(problems)))} ({len(problems)})"
        lines.append(text)
    accounted = 0.0
    if p.activities:
        accounted = max(a.closed or p.seconds for a in p.activities) - min(a.scheduled for a in p.activities)
    lines.append(f"    {'other':<15} {p.seconds - accounted:6.2f} s (workflow tasks before/after the activities)")
    return lines


class CpuTrace:
    """Cumulative CPU seconds of the worker and of PostgreSQL, sampled twice a second, to charge to a pass."""

    def __init__(self, worker: psutil.Process, data_dir: Path) -> None:
        self.worker = worker
        self.data_dir = data_dir
        self.samples: list[tuple[float, float, float]] = []  # (epoch seconds, worker, postgres)

    async def sample_forever(self) -> None:
        while True:
            pg = cpu_seconds(postgres_processes(self.data_dir))
            self.samples.append((time.time(), cpu_seconds([self.worker]), pg))
            await asyncio.sleep(0.5)

    async def wait_idle(self, within: float, share: float = 0.2, window: float = 2.0) -> float:
        """Wait until the worker used under `share` of a core over `window` seconds; seconds waited."""
        started = time.time()
        while time.time() - started < within:
            await asyncio.sleep(0.5)
            recent = [s for s in self.samples if s[0] >= time.time() - window - 0.25]
            if len(recent) >= 2 and recent[-1][0] - recent[0][0] >= window * 0.9:
                if (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0]) < share:
                    break
        return time.time() - started

    def _at(self, when: float) -> tuple[float, float]:
        before = [s for s in self.samples if s[0] <= when] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= when] or self.samples[-1:]
        (t0, w0, p0), (t1, w1, p1) = before[-1], after[0]
        share = (when - t0) / (t1 - t0) if t1 > t0 else 0.0
        return w0 + (w1 - w0) * share, p0 + (p1 - p0) * share

    def line(self, start: float, end: float) -> str:
        (w0, p0), (w1, p1) = self._at(start), self._at(end)
        wall = max(end - start, 1e-6)
        return (
            f"    CPU during the pass: worker {w1 - w0:.1f} s ({(w1 - w0) / wall:.0%} of a core), "
            f"PostgreSQL {p1 - p0:.1f} s ({(p1 - p0) / wall:.0%} of a core)"
        )


async def workflow_ids(client: Client, query: str) -> list[str]:
    return [wf.id async for wf in client.list_workflows(query)]


async def new_workflow(client: Client, query: str, seen: set[str], within: float = 15) -> str | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        fresh = [wid for wid in await workflow_ids(client, query) if wid not in seen]
        if fresh:
            seen.update(fresh)
            return fresh[0]
        await asyncio.sleep(0.5)
    return None


async def find_schedule(client: Client, within: float = 60) -> str:
    """The rule-evaluation schedule's id (the worker creates it when it starts)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async for schedule in await client.list_schedules():
            if schedule.id.startswith("rule-evaluation/"):
                return schedule.id
        await asyncio.sleep(0.5)
    raise SystemExit("no rule-evaluation schedule: did the worker start?")


def print_pass(label: str, p: Pass, cpu: CpuTrace, client_seconds: float | None = None) -> None:
    s = p.summary
    seen = f" (client saw {client_seconds:.2f} s)" if client_seconds is not None else ""
    if p.status != "completed":
        print(f"{label}: {p.status} after {p.seconds:.2f} s{seen}  [{p.workflow_id}]")
    else:
        print(
            f"{label}: {s.get('evaluated', 0)} rules in {p.seconds:.2f} s per cycle{seen}, "
            f"{s.get('evaluated', 0) / p.seconds:.0f} rules/s; firing {s.get('firing')}, pending {s.get('pending')}, "
            f"errors {s.get('errors')}, transitions {s.get('transitions')}, sent {s.get('sent')}, "
            f"batches {s.get('batches')} (failed {s.get('failed_batches')})"
        )
    for line in breakdown(p):
        print(line)
    print(cpu.line(p.origin, p.origin + p.seconds))


async def wait_closed(client: Client, workflow_id: str, within: float) -> None:
    handle = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + within
    while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    await asyncio.sleep(0.6)  # one more CPU sample after the close


async def manual_passes(
    http: httpx.AsyncClient, client: Client, sid: str, cpu: CpuTrace, passes: int, run: str
) -> list[Pass]:
    query = f'WorkflowType = "RuleEvaluationWorkflow" AND WorkflowId STARTS_WITH "{sid}/manual/"'
    seen = set(await workflow_ids(client, query))
    done: list[Pass] = []
    for n in range(passes):
        if n == 1:
            # The same worker runs the alerts the first pass raised: let it finish opening them (its CPU
            # falls idle) before the steady-state passes, which would otherwise share the core with them.
            fired = next((p.summary.get("firing", 0) for p in done if p.status == "completed"), 0)
            waited = time.perf_counter()
            deadline = time.monotonic() + 120
            while (count := await alerts_of(http, run)) < fired and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(1)
            listed = time.perf_counter() - waited
            idle = await cpu.wait_idle(within=180) + listed
            print(
                f"alerts raised by the bench rules (alerts API): {count} of {fired} firing instances, listed "
                f"{listed:.1f} s after pass 1; the worker was busy opening them for {idle:.1f} s"
            )
        started = time.perf_counter()
        response = await http.post("/api/v1/alerts/evaluate", json={}, timeout=180)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            print(f"(a) pass {n + 1}: HTTP {response.status_code} after {elapsed:.2f} s: {response.text[:300]}")
        wid = await new_workflow(client, query, seen)
        if wid is None:
            print(f"(a) pass {n + 1}: its workflow was not found in visibility")
            continue
        await wait_closed(client, wid, 120)
        found = await read_pass(client, wid)
        if response.status_code == 200:
            answer = response.json()
            found.summary = {**found.summary, **{k: v for k, v in answer.items() if k != "at"}}
        print_pass(f"(a) pass {n + 1}", found, cpu, elapsed)
        done.append(found)
    return done


async def scheduled_pass(client: Client, sid: str, cpu: CpuTrace, expected: int, within: float) -> Pass | None:
    """Resume the schedule; the first scheduled pass that evaluates at least `expected` rules."""
    query = (
        f'WorkflowType = "RuleEvaluationWorkflow" AND WorkflowId STARTS_WITH "{sid}-" AND ExecutionStatus != "Running"'
    )
    seen = set(await workflow_ids(client, query))
    await client.get_schedule_handle(sid).unpause(note="bench: measure a scheduled pass")
    deadline = time.monotonic() + within
    idle = 0
    while time.monotonic() < deadline:
        for wid in [w for w in await workflow_ids(client, query) if w not in seen]:
            seen.add(wid)
            await asyncio.sleep(0.6)  # one more CPU sample after the close
            found = await read_pass(client, wid)
            if found.summary.get("evaluated", 0) >= expected or found.status != "completed":
                return found
            if found.summary.get("evaluated", 0) == 0:
                idle += 1
            else:
                print_pass("(b) scheduled pass (partial)", found, cpu)
        await asyncio.sleep(1)
    print(f"(b) no scheduled pass evaluated {expected} rules within {within:.0f} s ({idle} passes found nothing due)")
    return None


async def alerts_of(http: httpx.AsyncClient, run: str) -> int:
    page = (await http.get("/api/v1/alerts/", params={"label": f"bench={run}", "limit": 1})).json()
    return int(page["total"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16, help="rule POSTs in flight")
    parser.add_argument("--fire-every", type=int, default=100, help="1 rule in this many fires")
    parser.add_argument("--passes", type=int, default=3, help="manual passes for (a)")
    parser.add_argument("--no-scheduled", action="store_true", help="skip (b), the scheduled pass")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        stack = Stack(data_dir)
        stack.start()
        try:
            processes = stack.processes()
            rss = PeakRss(processes)
            sampler = asyncio.create_task(rss.sample_forever())
            cpu = CpuTrace(processes["worker"], data_dir)
            tracer = asyncio.create_task(cpu.sample_forever())
            print(
                f"herald rules bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                f"{args.rules} rules over {METRICS * HOSTS} series, 1 in {args.fire_every} fires"
            )
            client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
            sid = await find_schedule(client)
            await client.get_schedule_handle(sid).pause(note="bench: setup")
            headers = {"Authorization": f"Bearer {stack.key}"}
            base_url = f"http://127.0.0.1:{stack.api_port}"
            limits = httpx.Limits(max_connections=args.concurrency + 4)
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120, limits=limits) as http:
                before = len((await http.get("/api/v1/alerts/rules/")).json())
                run = uuid.uuid4().hex[:6]
                seconds = await create_rules(http, args.rules, run, args.fire_every, args.concurrency)
                print(
                    f"created {args.rules} rules in {seconds:.1f} s ({args.rules / seconds:.0f}/s, "
                    f"{args.concurrency} in flight); the tenant had {before} before"
                )
                started = time.perf_counter()
                pushed = await push_samples(http)
                print(f"pushed {pushed} samples in {time.perf_counter() - started:.1f} s")
                passes = await manual_passes(http, client, sid, cpu, args.passes, run)
                if not args.no_scheduled:
                    await push_samples(http)  # fresh data for the scheduled pass
                    slowest = max((p.seconds for p in passes), default=60.0)
                    found = await scheduled_pass(client, sid, cpu, args.rules, within=INTERVAL + 30 + 3 * slowest)
                    if found is not None:
                        print_pass("(b) scheduled pass", found, cpu)
            sampler.cancel()
            tracer.cancel()
            peaks = ", ".join(f"{name} {value / 2**20:.0f} MiB" for name, value in sorted(rss.peak.items()))
            print(f"peak RSS: {peaks}")
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
