"""Metric ingest benchmark: POST /api/v1/metrics against a `herald dev` stack this script starts in a temp dir.

Pushes `--samples` samples over `--series` series in batches of `--batch`, `--clients` requests
in flight, once as JSON (`{"samples": [...]}`) and once as Prometheus text format
(`Content-Type: text/plain`). Every body is built before the clock starts, so the figures are
the stack's, not this script's JSON encoder's. A 200 means the batch is committed in PostgreSQL.
Before each timed run the series are created by a warm-up push (one sample each), so the timed
run measures steady-state ingest; `--no-warm` times first pushes too (new series are inserted
in key order, so concurrent first pushes of overlapping series do not deadlock).

Prints, per format:
  samples/s accepted end-to-end (all requests answered 200, divided by wall time);
  request latency p50 / p99 / max;
  CPU seconds used by the API process and by PostgreSQL during the run (what bounds it);
  a read-back check: the points of one series, through GET /api/v1/metrics/query.
And the peak RSS of the API process (and of the worker and the Temporal server).

Usage: .venv/bin/python bench/metrics_ingest.py [--samples 400000] [--batch 5000] [--clients 4] [--series 2000]
       [--formats json,text] [--no-warm]
Target (docs): 20,000 samples/s. Traffic goes only to 127.0.0.1; every loop is bounded.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import PeakRss, Stack, cpu_seconds, percentile, postgres_processes  # noqa: E402

NAMES = 10  # metric names; the series are spread evenly over them


class CpuMeter:
    """CPU seconds of the API process and of PostgreSQL (backends come and go: re-listed at each read)."""

    def __init__(self, api: psutil.Process, data_dir: Path) -> None:
        self.api = api
        self.data_dir = data_dir

    def read(self) -> tuple[float, float]:
        return cpu_seconds([self.api]), cpu_seconds(postgres_processes(self.data_dir))


def log_tail(data_dir: Path, name: str, lines: int = 40) -> str:
    """The end of one of the stack's logs (the temp dir goes away with the stack)."""
    path = data_dir / "logs" / f"{name}.log"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else f"(no {path})"


def series_of(index: int, series: int, fmt: str, run: str) -> tuple[str, dict[str, str]]:
    per_name = max(1, series // NAMES)
    return f"bench_ingest_{index // per_name}", {"host": f"h{index}", "fmt": fmt, "run": run}


def json_bodies(samples: int, batch: int, series: int, run: str, start: datetime) -> list[bytes]:
    """Sample i belongs to series i % series and is (i // series) seconds after `start`."""
    bodies = []
    for first in range(0, samples, batch):
        items: list[dict[str, Any]] = []
        for i in range(first, min(samples, first + batch)):
            name, labels = series_of(i % series, series, "json", run)
            ts = start + timedelta(seconds=i // series)
            items.append({"name": name, "labels": labels, "value": float(i % 1000), "timestamp": ts.isoformat()})
        bodies.append(json.dumps({"samples": items}).encode())
    return bodies


def text_bodies(samples: int, batch: int, series: int, run: str, start: datetime) -> list[bytes]:
    """The same samples in Prometheus text exposition format (timestamps in milliseconds)."""
    bodies = []
    start_ms = int(start.timestamp() * 1000)
    for first in range(0, samples, batch):
        lines = []
        for i in range(first, min(samples, first + batch)):
            name, labels = series_of(i % series, series, "text", run)
            rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
            lines.append(f"{name}{{{rendered}}} {i % 1000} {start_ms + (i // series) * 1000}\n")
        bodies.append("".join(lines).encode())
    return bodies


async def push(
    http: httpx.AsyncClient, bodies: list[bytes], content_type: str, clients: int
) -> tuple[float, list[float], int]:
    """POST every body, `clients` in flight; returns (wall seconds, per-request latencies sorted, samples accepted)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    accepted = 0

    async def client() -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            sent = time.perf_counter()
            response = await http.post("/api/v1/metrics", content=body, headers={"Content-Type": content_type})
            latencies.append(time.perf_counter() - sent)
            if response.status_code != 200:
                raise RuntimeError(f"POST /api/v1/metrics: {response.status_code} {response.text[:500]}")
            result = response.json()
            accepted += result["accepted"]
            if result["skipped"]:
                raise RuntimeError(f"samples skipped: {result['skipped_reasons'][:3]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, sorted(latencies), accepted


async def read_back(http: httpx.AsyncClient, series: int, fmt: str, run: str, start: datetime) -> int:
    """Points stored for series 0 of this run and format (expected: samples // series, rounded up)."""
    name, labels = series_of(0, series, fmt, run)
    selector = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    params = {
        "query": selector,
        "start": (start - timedelta(seconds=1)).isoformat(),
        "end": datetime.now(UTC).isoformat(),
    }
    response = await http.get("/api/v1/metrics/query", params=params)
    response.raise_for_status()
    return sum(len(s["points"]) for s in response.json()["series"])


async def run_format(
    http: httpx.AsyncClient, meter: CpuMeter, fmt: str, args: argparse.Namespace, run: str
) -> dict[str, Any]:
    # Oldest sample a little more than the run's span ago, newest ~now: all inside retention, none in the future.
    span = -(-args.samples // args.series)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=span + 60)
    build = text_bodies if fmt == "text" else json_bodies
    content_type = "text/plain; version=0.0.4" if fmt == "text" else "application/json"
    warm = None
    if not args.no_warm:
        # One sample per series, one request at a time, 30 s before the run's first: creates the series.
        warm_bodies = build(args.series, args.batch, args.series, run, start - timedelta(seconds=30))
        warm, _, _ = await push(http, warm_bodies, content_type, 1)
    bodies = build(args.samples, args.batch, args.series, run, start)
    api_before, pg_before = meter.read()
    wall, latencies, accepted = await push(http, bodies, content_type, args.clients)
    api_after, pg_after = meter.read()
    stored = await read_back(http, args.series, fmt, run, start)
    return {
        "fmt": fmt,
        "wall": wall,
        "accepted": accepted,
        "requests": len(bodies),
        "mib": sum(map(len, bodies)) / 2**20,
        "latencies": latencies,
        "api_cpu": api_after - api_before,
        "pg_cpu": pg_after - pg_before,
        "stored": stored,
        "expected": span,
        "warm": warm,
    }


def report(r: dict[str, Any]) -> None:
    lat = r["latencies"]
    if r["warm"] is not None:
        print(f"{r['fmt']:>4}: warm-up: created the series (1 sample each, 1 request at a time) in {r['warm']:.1f} s")
    print(
        f"{r['fmt']:>4}: {r['accepted']} samples in {r['requests']} requests ({r['mib']:.1f} MiB) in {r['wall']:.1f} s"
        f" = {r['accepted'] / r['wall']:8.0f} samples/s  (target 20,000)"
    )
    print(
        f"      request latency p50 {percentile(lat, 0.5) * 1000:.0f} ms, p99 {percentile(lat, 0.99) * 1000:.0f} ms,"
        f" max {lat[-1] * 1000:.0f} ms"
    )
    print(
        f"      CPU during the run: API {r['api_cpu']:.1f} s ({r['api_cpu'] / r['wall']:.0%} of a core),"
        f" PostgreSQL {r['pg_cpu']:.1f} s ({r['pg_cpu'] / r['wall']:.0%} of a core)"
    )
    check = "ok" if r["stored"] == r["expected"] else "MISMATCH"
    print(f"      read back series 0: {r['stored']} points, expected {r['expected']} ({check})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=400_000, help="samples per format")
    parser.add_argument("--batch", type=int, default=5_000, help="samples per request (server max: 10,000)")
    parser.add_argument("--clients", type=int, default=4, help="requests in flight")
    parser.add_argument("--series", type=int, default=2_000)
    parser.add_argument("--formats", default="json,text", help="comma-separated: json, text")
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="skip creating the series before the timed run (then concurrent first pushes create them)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        stack = Stack(data_dir)
        stack.start()
        try:
            processes = stack.processes()
            rss = PeakRss(processes)
            sampler = asyncio.create_task(rss.sample_forever())
            meter = CpuMeter(processes["api"], data_dir)
            print(
                f"herald metrics ingest bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                f"{args.samples} samples per format over {args.series} series, batches of {args.batch}, "
                f"{args.clients} clients"
            )
            headers = {"Authorization": f"Bearer {stack.key}"}
            base_url = f"http://127.0.0.1:{stack.api_port}"
            limits = httpx.Limits(max_connections=args.clients + 2)
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300, limits=limits) as http:
                run = uuid.uuid4().hex[:6]
                for fmt in args.formats.split(","):
                    try:
                        report(await run_format(http, meter, fmt.strip(), args, run))
                    except RuntimeError as err:
                        await asyncio.sleep(1)  # the API logs the traceback after it answered
                        print(f"{fmt}: FAILED: {err}\n--- end of the API log ---\n{log_tail(data_dir, 'api')}")
            sampler.cancel()
            peaks = ", ".join(f"{name} {value / 2**20:.0f} MiB" for name, value in sorted(rss.peak.items()))
            print(f"peak RSS: {peaks}")
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
