"""Ingest benchmark against a `herald dev` stack that this script starts in a temp dir.

Prints:
  (a) raw Temporal signal-with-start rate on the same server (baseline, no Herald code);
  (a2) a no-op workflow started the same way and completed by a worker: the ceiling for
      any design that runs one workflow per alert on this server;
  (b) Herald's ingest rate through POST /api/v1/events for N distinct alerts, measured
      until every alert is projected in PostgreSQL, and its ratio to (a);
  (c) event → webhook delivery latency p50 / p99 at steady rates (default 5 and 20 events/s);
  (d) peak RSS of the worker, the API and the Temporal server.

Usage: .venv/bin/python bench/ingest.py [--alerts 10000] [--rates 5,20] [--seconds 30]
Traffic goes only to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import PeakRss, Stack, percentile, post_events  # noqa: E402
from devstack.ports import free_port  # noqa: E402


async def signal_with_start_many(client: Client, workflow_type: str, task_queue: str, count: int) -> str:
    """Signal-with-start `count` workflows of one type, 64 in flight; returns their id prefix."""
    prefix = f"{task_queue}-{uuid.uuid4().hex[:6]}-"
    slots = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with slots:
            await client.start_workflow(
                workflow_type,
                id=f"{prefix}{i}",
                task_queue=task_queue,
                start_signal="fire",
                start_signal_args=[{"i": i}],
            )

    await asyncio.gather(*(one(i) for i in range(count)))
    return prefix


async def baseline(stack: Stack, count: int) -> float:
    """(a) signal-with-start of a workflow type no worker runs: Temporal's own ceiling."""
    client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
    started = time.perf_counter()
    await signal_with_start_many(client, "BenchBaseline", "bench-baseline", count)
    return count / (time.perf_counter() - started)


@workflow.defn(name="BenchNoop")
class BenchNoop:
    """The least any workflow-per-alert design must do: one workflow task, then close."""

    @workflow.run
    async def run(self) -> None:
        return None

    @workflow.signal
    def fire(self, _: dict[str, int]) -> None:
        pass


async def noop_ceiling(stack: Stack, count: int) -> float:
    """(a2) signal-with-start of a workflow that a worker completes at once, until all closed."""
    client = await Client.connect(f"127.0.0.1:{stack.temporal_port}")
    async with Worker(
        client, task_queue="bench-noop", workflows=[BenchNoop], workflow_runner=UnsandboxedWorkflowRunner()
    ):
        started = time.perf_counter()
        prefix = await signal_with_start_many(client, "BenchNoop", "bench-noop", count)
        query = f'WorkflowType = "BenchNoop" AND ExecutionStatus = "Running" AND WorkflowId STARTS_WITH "{prefix}"'
        deadline = time.monotonic() + 900
        while (await client.count_workflows(query)).count > 0 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        return count / (time.perf_counter() - started)


async def herald_ingest(http: httpx.AsyncClient, count: int, batch: int = 500) -> tuple[float, float]:
    """(b) POST /api/v1/events until every alert is projected; returns (accept rate, projected rate)."""
    run = uuid.uuid4().hex[:6]
    events = [{"title": f"bench {i}", "labels": {"bench": run, "n": str(i)}} for i in range(count)]
    started = time.perf_counter()
    await post_events(http, events)
    accepted = time.perf_counter() - started
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        page = (await http.get("/api/v1/alerts/", params={"label": f"bench={run}", "limit": 1})).json()
        if page["total"] >= count:
            break
        await asyncio.sleep(0.2)
    projected = time.perf_counter() - started
    return count / accepted, count / projected


async def latency(http: httpx.AsyncClient, rate: float, seconds: float) -> list[float]:
    """(c) steady rate of new alerts to a webhook channel; seconds from POST to receipt."""
    sent: dict[str, float] = {}
    got: dict[str, float] = {}

    async def hook(request: Request) -> Response:
        body = await request.json()
        if body["event"] == "triggered":
            got.setdefault(body["alert"]["labels"]["lat"], time.perf_counter())
        return Response(status_code=204)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=[Route("/", hook, methods=["POST"])]), port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    channel = await http.post(
        "/api/v1/channels",
        json={
            "name": f"bench-{uuid.uuid4().hex[:6]}",
            "type": "webhook",
            "config": {"url": f"http://127.0.0.1:{port}/"},
        },
    )
    channel.raise_for_status()
    channel_id = channel.json()["id"]
    total = int(rate * seconds)
    started = time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tag = uuid.uuid4().hex
        sent[tag] = time.perf_counter()
        response = await http.post(
            "/api/v1/events", json={"events": [{"title": "latency", "labels": {"lat": tag}, "channels": [channel_id]}]}
        )
        response.raise_for_status()
    deadline = time.monotonic() + 60
    while len(got) < total and time.monotonic() < deadline:  # noqa: ASYNC110 (bounded wait for deliveries)
        await asyncio.sleep(0.1)
    server.should_exit = True
    await task
    return sorted(got[t] - sent[t] for t in got)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--rates", default="5,20", help="steady event rates for (c), comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        stack = Stack(Path(tmp) / "data", max_cached_workflows=12_000)
        stack.start()
        try:
            rss = PeakRss(stack.processes())
            sampler = asyncio.create_task(rss.sample_forever())
            print(f"herald bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {args.alerts} alerts")
            headers = {"Authorization": f"Bearer {stack.key}"}
            base_url = f"http://127.0.0.1:{stack.api_port}"
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
                accepted, projected = await herald_ingest(http, args.alerts)
                latencies = {
                    rate: await latency(http, rate, args.seconds) for rate in map(float, args.rates.split(","))
                }
            # (a) runs last: its workflows stay open (terminating 10,000 costs minutes) and disturb nothing after.
            ceiling = await noop_ceiling(stack, args.alerts)
            raw = await baseline(stack, args.alerts)
            sampler.cancel()
            print(f"(a) raw signal-with-start:        {raw:8.0f} workflows/s  (same server, measured last)")
            print(f"(a2) no-op workflow, closed:      {ceiling:8.0f} workflows/s  (ceiling for one workflow per alert)")
            print(f"(b) Herald ingest, accepted:      {accepted:8.0f} alerts/s   (ratio to (a): {accepted / raw:.2f})")
            print(
                f"    Herald ingest, projected:     {projected:8.0f} alerts/s   (ratio to (a): {projected / raw:.2f})"
            )
            for rate, lat in latencies.items():
                print(
                    f"(c) event → webhook at {rate:g}/s:      p50 {percentile(lat, 0.5) * 1000:6.0f} ms, "
                    f"p99 {percentile(lat, 0.99) * 1000:6.0f} ms  ({len(lat)} of {int(rate * args.seconds)} delivered)"
                )
            peaks = ", ".join(f"{name} {value / 2**20:.0f} MiB" for name, value in sorted(rss.peak.items()))
            print(f"(d) peak RSS: {peaks}")
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
