"""Escalation benchmark: N alerts escalating at once on one worker of a `herald dev` stack.

Every alert follows one policy: level 1 pages "first", level 2 pages "second" `--delay`
seconds later (both by webhook to a receiver in this process). The delay is chosen longer
than opening all alerts takes, so every level-2 escalation falls due while all N are open.

Prints:
  how fast the alerts opened (level 1 paged), and when the last one did;
  lateness of each level-2 escalation: when the workflow ran it minus when it was due
  (level 1's time + delay, both from the workflow's own clock, read from the projection),
  p50 / p99 / max, counting only escalations due after the last alert opened;
  peak RSS of the worker, the API and the Temporal server;
  where the lateness of a sample of level-2 escalations went, from their Temporal histories: the server
  firing the timer late (TimerFired - TimerStarted - duration) and the wait for a worker to start the
  task it scheduled (WorkflowTaskStarted - TimerFired);
  with one worker, its Temporal SDK metrics over the opening and the escalation phases (bench/sdk_metrics.py:
  sticky cache hits and misses, task schedule-to-start and execution latency), its RSS once every
  alert is open, and the most threads it ran at once.

Usage: .venv/bin/python bench/escalation.py [--alerts 10000] [--delay 900] [--cache 2000] [--workers 1]
Traffic goes only to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.client import Client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sdk_metrics import report_sdk, sdk_snapshot, since  # noqa: E402
from bench.stack import PeakRss, Stack, percentile, post_events  # noqa: E402
from devstack.ports import free_port  # noqa: E402
from gateway.data_converter import herald_data_converter  # noqa: E402

BACKGROUND: set[asyncio.Task[None]] = set()


async def receiver() -> tuple[str, dict[str, int], uvicorn.Server]:
    counts = {"first": 0, "second": 0}

    async def hook(request: Request) -> Response:
        counts[request.path_params["who"]] = counts.get(request.path_params["who"], 0) + 1
        return Response(status_code=204)

    port = free_port()
    app = Starlette(routes=[Route("/{who}", hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    BACKGROUND.add(asyncio.create_task(server.serve()))
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    return f"http://127.0.0.1:{port}", counts, server


async def setup(http: httpx.AsyncClient, hook: str, delay: int) -> str:
    ids = []
    for who in ("first", "second"):
        body = {
            "name": who,
            "email": f"{who}-{uuid.uuid4().hex[:6]}@bench.test",
            "contact_methods": [{"type": "webhook", "address": f"{hook}/{who}"}],
        }
        response = await http.post("/api/v1/users", json=body)
        response.raise_for_status()
        ids.append(response.json()["id"])
    levels = [{"targets": [{"type": "user", "id": uid}], "delay_minutes": max(1, delay // 60)} for uid in ids]
    response = await http.post(
        "/api/v1/escalation-policies", json={"name": f"bench-{uuid.uuid4().hex[:6]}", "levels": levels}
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def open_alerts(http: httpx.AsyncClient, count: int, policy_id: str, run: str) -> float:
    events = [
        {"title": f"escalation bench {i}", "labels": {"bench": run, "n": str(i)}, "escalation_policy_id": policy_id}
        for i in range(count)
    ]
    return await post_events(http, events)


async def lateness_split(temporal_address: str, workflow_ids: list[str], delay: timedelta) -> None:
    """Print, over the level-2 timers of `workflow_ids`, how late the server fired them and how long the
    task they scheduled waited for a worker (p50 / p99 / max, seconds)."""
    client = await Client.connect(temporal_address, data_converter=herald_data_converter)
    fired_late: list[float] = []
    picked_up: list[float] = []
    for wf_id in workflow_ids:
        events = [event async for event in client.get_workflow_handle(wf_id).fetch_history_events()]
        started_at: dict[int, tuple[datetime, float]] = {}
        for index, event in enumerate(events):
            if event.HasField("timer_started_event_attributes"):
                timeout = event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
                if 0.9 * delay.total_seconds() <= timeout <= delay.total_seconds() + 1:  # the level-2 timer
                    started_at[event.event_id] = (event.event_time.ToDatetime(UTC), timeout)
            elif event.HasField("timer_fired_event_attributes"):
                begun = started_at.get(event.timer_fired_event_attributes.started_event_id)
                if begun is None:
                    continue
                fired = event.event_time.ToDatetime(UTC)
                fired_late.append((fired - begun[0]).total_seconds() - begun[1])
                task = next((e for e in events[index:] if e.HasField("workflow_task_started_event_attributes")), None)
                if task is not None:
                    picked_up.append((task.event_time.ToDatetime(UTC) - fired).total_seconds())
    for name, values in (("server fired the timer late", fired_late), ("task waited for a worker", picked_up)):
        values.sort()
        if values:
            print(
                f"  {name}: p50 {percentile(values, 0.5):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
                f"max {values[-1]:.2f} s ({len(values)} of {len(workflow_ids)} sampled alerts)"
            )


async def pages_at(http: httpx.AsyncClient, run: str, ids: list[str] | None = None) -> list[list[datetime]]:
    """Per alert of this run, the workflow-clock times at which its levels ran (from the projection);
    `ids` (when given) collects the alerts' workflow ids in the same order."""
    found: list[list[datetime]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"label": f"bench={run}", "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/api/v1/alerts/", params=params)).json()
        for alert in page["items"]:
            levels = (alert["escalation"] or {}).get("pages", [])
            found.append([datetime.fromisoformat(level["at"]) for level in levels])
            if ids is not None:
                ids.append(alert["workflow_id"])
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def wait_for(http: httpx.AsyncClient, run: str, count: int, levels: int, within: float) -> list[list[datetime]]:
    deadline = time.monotonic() + within
    while True:
        pages = await pages_at(http, run)
        done = sum(1 for p in pages if len(p) >= levels)
        if done >= count or time.monotonic() > deadline:
            return pages
        await asyncio.sleep(5)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--delay", type=int, default=900, help="seconds between level 1 and level 2 (whole minutes)")
    parser.add_argument(
        "--cache", type=int, default=None, help="HERALD_WORKER_MAX_CACHED_WORKFLOWS (default: Herald's)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (`herald dev --workers`)")
    parser.add_argument("--sample", type=int, default=300, help="alerts whose histories split the lateness")
    args = parser.parse_args()
    delay = timedelta(minutes=max(1, args.delay // 60))

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        stack = Stack(Path(tmp) / "data", max_cached_workflows=args.cache, workers=args.workers, sdk_metrics=True)
        stack.start()
        try:
            rss = PeakRss(stack.processes())
            sampler = asyncio.create_task(rss.sample_forever())
            print(
                f"herald escalation bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                f"{args.alerts} alerts, level 2 after {delay}, {args.workers} worker(s), cache {args.cache or 'default'} each"
            )
            hook, counts, server = await receiver()
            headers = {"Authorization": f"Bearer {stack.key}"}
            base_url = f"http://127.0.0.1:{stack.api_port}"
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
                sdk_started = await sdk_snapshot(http, stack.sdk_metrics_address)
                policy = await setup(http, hook, int(delay.total_seconds()))
                run = uuid.uuid4().hex[:6]
                accepted = await open_alerts(http, args.alerts, policy, run)
                opened = await wait_for(http, run, args.alerts, 1, within=delay.total_seconds())
                first_pages = [p[0] for p in opened if p]
                all_open = max(first_pages)
                span = (all_open - min(first_pages)).total_seconds()
                print(
                    f"accepted {args.alerts} in {accepted:.0f} s; level 1 paged for {len(first_pages)} in {span:.0f} s"
                )
                at_rest = {name: process.memory_info().rss for name, process in rss.processes.items()}
                sdk_opened = await sdk_snapshot(http, stack.sdk_metrics_address)
                final = await wait_for(http, run, args.alerts, 2, within=delay.total_seconds() + span + 600)
                sdk_escalated = await sdk_snapshot(http, stack.sdk_metrics_address)
            sampler.cancel()
            server.should_exit = True
            lateness = sorted(
                (p[1] - p[0] - delay).total_seconds() for p in final if len(p) >= 2 and p[0] + delay >= all_open
            )
            escalated = sum(1 for p in final if len(p) >= 2)
            print(f"level 2 ran for {escalated} of {args.alerts}; {len(lateness)} fell due after the last alert opened")
            if lateness:
                print(
                    f"lateness: p50 {percentile(lateness, 0.5):.2f} s, p99 {percentile(lateness, 0.99):.2f} s, "
                    f"max {lateness[-1]:.2f} s"
                )
            print(f"pages received: first {counts.get('first', 0)}, second {counts.get('second', 0)}")
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
                ids: list[str] = []
                await pages_at(http, run, ids)
            sample = ids[:: max(1, len(ids) // args.sample)][: args.sample]
            print(f"where the lateness went (Temporal histories of {len(sample)} alerts):")
            await lateness_split(f"127.0.0.1:{stack.temporal_port}", sample, delay)
            peaks = ", ".join(f"{name} {value / 2**20:.0f} MiB" for name, value in sorted(rss.peak.items()))
            print(f"peak RSS: {peaks}")
            print(f"RSS once every alert was open: {', '.join(f'{n} {v / 2**20:.0f} MiB' for n, v in at_rest.items())}")
            print(f"most threads at once: {', '.join(f'{n} {v}' for n, v in sorted(rss.threads.items()))}")
            if stack.sdk_metrics_address is not None:
                report_sdk(
                    [
                        ("opening", args.alerts, since(sdk_opened, sdk_started)),
                        ("escalation", args.alerts, since(sdk_escalated, sdk_opened)),
                    ]
                )
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
