"""A `herald dev` stack in a temp dir for benchmarks, and what they measure it with."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from devstack.ports import free_port
from models.api_keys import new_key


class Stack:
    def __init__(
        self, data_dir: Path, *, max_cached_workflows: int | None = None, workers: int = 1, sdk_metrics: bool = False
    ) -> None:
        self.max_cached_workflows = max_cached_workflows
        self.workers = workers
        # The worker's Temporal SDK metrics (bench/sdk_metrics.py) at this host:port; one worker only (one port).
        self.sdk_metrics_address = f"127.0.0.1:{free_port()}" if sdk_metrics and workers == 1 else None
        self.api_port, self.temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.temporal_metrics_port = free_port()  # the dev server's own Prometheus metrics (persistence requests)
        self.inbox_port = free_port()  # not herald dev's 8001: two benches (or a bench and a dev stack) may run at once
        self.key = new_key()
        self.data_dir = data_dir
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        argv = [
            str(Path(sys.executable).parent / "herald"), "dev", "--data-dir", str(self.data_dir),
            "--api-port", str(self.api_port), "--temporal-port", str(self.temporal_port), "--ui-port", str(self.ui_port),
            "--temporal-metrics-port", str(self.temporal_metrics_port), "--workers", str(self.workers),
            "--inbox-port", str(self.inbox_port),
        ]  # fmt: skip
        env = {**os.environ, "HERALD_ADMIN_API_KEY": self.key}
        if self.max_cached_workflows is not None:
            env["HERALD_WORKER_MAX_CACHED_WORKFLOWS"] = str(self.max_cached_workflows)
        if self.sdk_metrics_address is not None:
            env["HERALD_TEMPORAL_METRICS_ADDRESS"] = self.sdk_metrics_address
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        deadline = time.monotonic() + 120
        for line in self.process.stdout:
            if "Press Ctrl-C" in line:
                return
            if time.monotonic() > deadline:
                break
        raise SystemExit("herald dev did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def processes(self) -> dict[str, psutil.Process]:
        assert self.process is not None
        found: dict[str, psutil.Process] = {}
        workers = 0
        for child in sorted(psutil.Process(self.process.pid).children(recursive=True), key=lambda p: p.pid):
            cmdline = " ".join(child.cmdline())
            if "cli worker" in cmdline:
                workers += 1
                found["worker" if workers == 1 else f"worker-{workers}"] = child
            elif "cli api" in cmdline:
                found["api"] = child
            elif "start-dev" in cmdline:
                found["temporal"] = child
        return found


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The embedded PostgreSQL server of this data dir and its backends."""
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            if "postgres" in (process.info["name"] or "") and str(data_dir) in cmdline:
                return [process, *process.children(recursive=True)]
        except psutil.Error:
            continue
    return []


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


class PeakRss:
    def __init__(self, processes: dict[str, psutil.Process]) -> None:
        self.processes = processes
        self.peak = dict.fromkeys(processes, 0)
        self.threads = dict.fromkeys(processes, 0)  # the most threads each process had at once

    async def sample_forever(self) -> None:
        while True:
            for name, process in self.processes.items():
                try:
                    self.peak[name] = max(self.peak[name], process.memory_info().rss)
                    self.threads[name] = max(self.threads[name], process.num_threads())
                except psutil.Error:
                    pass
            await asyncio.sleep(0.25)


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


async def post_events(http: httpx.AsyncClient, events: list[dict[str, Any]], batch: int = 500) -> float:
    """POST the events to /api/v1/events in batches, 4 requests in flight; seconds until all got 202."""
    bodies = [{"events": events[start : start + batch]} for start in range(0, len(events), batch)]
    slots = asyncio.Semaphore(4)

    async def post(body: dict[str, Any]) -> None:
        async with slots:
            response = await http.post("/api/v1/events", json=body)
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(post(body) for body in bodies))
    return time.perf_counter() - started
