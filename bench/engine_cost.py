"""The cost of one alert: Temporal persistence requests and CPU per unit of work, on a `herald dev` stack.

Three phases on one stack this script starts in a temp dir, each measured by the difference of the
Temporal dev server's own metrics (`persistence_requests` by operation, from its Prometheus endpoint) and of
each process's CPU seconds (psutil) before and after:

  noop        N no-op workflows, signal-with-started and closed by a worker in their first task: the least any
              workflow-per-alert design costs on this server;
  new alert   N new alerts through POST /api/v1/events, each notifying one webhook channel, until the receiver
              got all N (ungrouped: one incident per alert);
  escalation  N alerts on a two-level policy (level 2 one minute after level 1, by webhook): from the moment
              every level 1 has paged until every level 2 has, i.e. one escalation step each; printed as measured
              and net of what the idle stack does in as long (measured for --idle-seconds before it).

With `--profile`, py-spy samples the worker process through each Herald phase (100 Hz, `--nonblocking`: the
worker is never paused) and the script prints where the worker's time went: the top functions by their own
time and by time including what they call, and a breakdown by library (pydantic, the workflow sandbox, the
Temporal SDK, SQLAlchemy/asyncpg, jinja2, httpx, logging...).

The worker's own Temporal SDK metrics (bench/sdk_metrics.py) are read around each Herald phase too: workflow and
activity task schedule-to-start and execution latency, sticky cache hits, misses and evictions, per unit.

Usage: .venv/bin/python bench/engine_cost.py [--alerts 500] [--escalations 300] [--cache 12000] [--profile]
Traffic goes only to 127.0.0.1; every wait is bounded. Figures go to docs/performance.md, never into tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.escalation import receiver, setup  # noqa: E402
from bench.ingest import noop_ceiling  # noqa: E402
from bench.sdk_metrics import Snapshot, report_sdk, sdk_snapshot, since  # noqa: E402
from bench.stack import Stack, cpu_seconds, post_events, postgres_processes  # noqa: E402

# Persistence operations that write (a transaction on SQLite; on PostgreSQL one or more statements).
WRITE_PREFIXES = ("Create", "Update", "Append", "Delete", "Complete", "RangeComplete", "Put", "Conflict", "Set")
# Where a sampled frame's file lies, in the order tried: the first match names the frame's library.
LIBRARIES = (
    ("pydantic", ("pydantic",)),
    ("workflow sandbox", ("temporalio/worker/workflow_sandbox",)),
    ("temporal SDK (workflow runtime)", ("temporalio/worker/_workflow", "temporalio/workflow.py")),
    ("temporal SDK (converters)", ("temporalio/converter", "temporalio/api/", "google/protobuf")),
    ("temporal SDK (other)", ("temporalio/",)),
    ("sqlalchemy", ("sqlalchemy",)),
    ("asyncpg", ("asyncpg",)),
    ("jinja2", ("jinja2", "markupsafe")),
    ("httpx / httpcore", ("httpx", "httpcore", "h11", "h2/")),
    ("logging", ("logging/",)),
    ("json", ("json/",)),
    ("asyncio", ("asyncio/",)),
    ("herald workflows", ("(workflows/",)),
    ("herald activities", ("(activities/",)),
    ("herald channels", ("(channels/",)),
    ("herald models", ("(models/",)),
    ("herald (other)", ("(noise/", "(egress/", "(gateway/", "(rules/", "(telemetry/", "(worker.py")),
)
HERALD_FRAMES = tuple(needle for library, needles in LIBRARIES if library.startswith("herald") for needle in needles)
# Leaf frames of a thread or loop waiting for work: py-spy cannot always tell them from work under --nonblocking.
IDLE_LEAVES = ("EpollSelector.select", "_worker (concurrent/futures/thread.py", "Condition.wait", "Event.wait")


async def persistence_requests(http: httpx.AsyncClient, port: int) -> Counter[str]:
    """The dev server's `persistence_requests` counters summed by operation (over services and namespaces)."""
    text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    found: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        if family.name == "persistence_requests":
            for sample in family.samples:
                found[sample.labels.get("operation", "?")] += int(sample.value)
    return found


@dataclass
class Phase:
    name: str
    units: int
    requests: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # process → CPU seconds used during the phase
    seconds: float = 0.0
    profile: Path | None = None
    sdk: Snapshot = field(default_factory=dict)  # the worker's Temporal SDK metrics, after - before

    def writes(self) -> float:
        return sum(n for op, n in self.requests.items() if op.startswith(WRITE_PREFIXES))

    def net_of(self, idle: Phase) -> Phase:
        """This phase without what the stack does when idle for as long (task-queue leases, metadata reads)."""
        share = self.seconds / idle.seconds
        net = Phase(f"{self.name} (net)", self.units, seconds=self.seconds)
        for op in self.requests | idle.requests:
            net.requests[op] = max(0, round(self.requests[op] - idle.requests[op] * share))
        net.cpu = {name: max(0.0, used - idle.cpu.get(name, 0.0) * share) for name, used in self.cpu.items()}
        return net


class Meter:
    """Snapshots of the server's persistence counters and the processes' CPU, and the optional profiler."""

    def __init__(self, stack: Stack, data_dir: Path, http: httpx.AsyncClient, profile_dir: Path | None) -> None:
        self.stack, self.data_dir, self.http, self.profile_dir = stack, data_dir, http, profile_dir
        self.processes = stack.processes()

    def _cpu(self) -> dict[str, float]:
        cpu = {name: cpu_seconds([process]) for name, process in self.processes.items()}
        # PostgreSQL's backends come and go (a pool's connection that closes takes its CPU time with it), so this
        # figure is only a lower bound, and can come out negative: the report says n/a then.
        cpu["postgres"] = cpu_seconds(postgres_processes(self.data_dir))
        return cpu

    async def measure(self, phase: Phase, work: Callable[[], Awaitable[None]], *, sampled: bool = True) -> Phase:
        spy = None
        if sampled and self.profile_dir is not None:
            phase.profile = self.profile_dir / f"{phase.name.replace(' ', '-')}.txt"
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(self.processes["worker"].pid),
                "--rate", "100", "--nonblocking", "--format", "raw", "--output", str(phase.profile),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        before, cpu_before = await persistence_requests(self.http, self.stack.temporal_metrics_port), self._cpu()
        sdk_before = await sdk_snapshot(self.http, self.stack.sdk_metrics_address)
        started = time.perf_counter()
        await work()
        phase.seconds = time.perf_counter() - started
        after, cpu_after = await persistence_requests(self.http, self.stack.temporal_metrics_port), self._cpu()
        phase.sdk = since(await sdk_snapshot(self.http, self.stack.sdk_metrics_address), sdk_before)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await asyncio.wait_for(spy.wait(), timeout=60)
        phase.requests = after - before
        phase.cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        return phase


async def wait_until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


def report(phases: list[Phase]) -> None:
    print("\npersistence requests per unit (Temporal dev server, all services), by operation:")
    operations = sorted(
        {op for p in phases for op in p.requests}, key=lambda op: -max(p.requests[op] / p.units for p in phases)
    )
    print(f"  {'operation':<36}" + "".join(f"{p.name:>18}" for p in phases))
    for op in operations:
        row = [p.requests[op] / p.units for p in phases]
        if max(row) >= 0.05:
            print(f"  {op:<36}" + "".join(f"{v:18.2f}" for v in row))
    print(f"  {'all requests':<36}" + "".join(f"{sum(p.requests.values()) / p.units:18.2f}" for p in phases))
    print(f"  {'writes (Create/Update/Append/...)':<36}" + "".join(f"{p.writes() / p.units:18.2f}" for p in phases))
    print("\nCPU milliseconds per unit, by process:")
    names = sorted({n for p in phases for n in p.cpu})
    print(f"  {'process':<36}" + "".join(f"{p.name:>18}" for p in phases))
    for name in names:
        cells = [p.cpu.get(name, 0.0) * 1000 / p.units for p in phases]
        print(f"  {name:<36}" + "".join(f"{c:18.1f}" if c >= 0 else f"{'n/a':>18}" for c in cells))
    print(f"  {'units / wall seconds':<36}" + "".join(f"{p.units / p.seconds:18.1f}" for p in phases))


def library_of(frame: str) -> str:
    for library, needles in LIBRARIES:
        if any(needle in frame for needle in needles):
            return library
    return "other"


def summarise_profile(phase: Phase, top: int = 20) -> None:
    """py-spy's raw (collapsed) stacks: `frame;frame;... count` per line, the leaf last."""
    if phase.profile is None or not phase.profile.is_file():
        return
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    total = 0
    for line in phase.profile.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        libraries[library_of(frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return
    idle = sum(n for frame, n in own.items() if frame.startswith(IDLE_LEAVES))
    print(
        f"\nworker profile, {phase.name}: {total} samples ({total / 100:.1f} s sampled, {idle / total:.0%} of them "
        f"waiting for work); shares below are of the {total - idle} busy samples"
    )
    if total == idle:
        return
    for frame in [f for f in own if f.startswith(IDLE_LEAVES)]:
        libraries[library_of(frame)] -= own.pop(frame)
    total -= idle
    print("  own time by library:")
    for library, count in libraries.most_common():
        print(f"    {count / total:6.1%}  {library}")
    print(f"  top {top} functions by own time:")
    for frame, count in own.most_common(top):
        print(f"    {count / total:6.1%}  {frame[:140]}")
    print(f"  top {top} of Herald's functions including what they call:")
    shown = 0
    for frame, count in inclusive.most_common():
        if any(needle in frame for needle in HERALD_FRAMES):
            print(f"    {count / total:6.1%}  {frame[:140]}")
            shown += 1
            if shown == top:
                break


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=500, help="no-op workflows and new alerts")
    parser.add_argument("--escalations", type=int, default=300, help="alerts that take one escalation step")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="how long the idle stack is measured")
    parser.add_argument("--profile", action="store_true", help="sample the worker with py-spy through each phase")
    parser.add_argument("--profile-dir", type=Path, default=None, help="keep py-spy's raw stacks here")
    parser.add_argument(
        "--cache",
        type=int,
        default=12_000,
        help="the worker's workflow cache; the default holds every alert, one smaller than --escalations makes "
        "escalation steps replay their workflow first (LRU order is opening order)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="herald-cost-") as tmp:
        data_dir = Path(tmp) / "data"
        stack = Stack(data_dir, max_cached_workflows=args.cache, sdk_metrics=True)
        stack.start()
        profile_dir = (args.profile_dir or Path(tmp)) if args.profile else None
        if profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)
        try:
            print(f"herald engine cost {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
            headers = {"Authorization": f"Bearer {stack.key}"}
            base_url = f"http://127.0.0.1:{stack.api_port}"
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
                meter = Meter(stack, data_dir, http, profile_dir)
                hook, counts, server = await receiver()
                phases = []

                async def noop() -> None:
                    await noop_ceiling(stack, args.alerts)

                phases.append(await meter.measure(Phase("noop", args.alerts), noop, sampled=False))

                channel = await http.post(
                    "/api/v1/channels",
                    json={"name": f"cost-{uuid.uuid4().hex[:6]}", "type": "webhook", "config": {"url": f"{hook}/new"}},
                )
                channel.raise_for_status()
                run = uuid.uuid4().hex[:6]

                async def new_alerts() -> None:
                    events = [
                        {"title": f"cost {i}", "labels": {"cost": run, "n": str(i)}, "channels": [channel.json()["id"]]}
                        for i in range(args.alerts)
                    ]
                    await post_events(http, events)
                    await wait_until(lambda: counts.get("new", 0) >= args.alerts, 900, "the new alerts' deliveries")

                phases.append(await meter.measure(Phase("new alert", args.alerts), new_alerts))

                async def nothing() -> None:
                    await asyncio.sleep(args.idle_seconds)

                idle = await meter.measure(Phase("idle", 1), nothing, sampled=False)

                policy_id = await setup(http, hook, 60)
                escalating = uuid.uuid4().hex[:6]
                events = [
                    {
                        "title": f"step {i}",
                        "labels": {"step": escalating, "n": str(i)},
                        "escalation_policy_id": policy_id,
                    }
                    for i in range(args.escalations)
                ]
                opened = time.monotonic()
                await post_events(http, events)
                await wait_until(lambda: counts.get("first", 0) >= args.escalations, 600, "level 1 of every alert")
                if time.monotonic() - opened > 55:
                    print("warning: level 1 took longer than the one-minute delay; lower --escalations")

                async def steps() -> None:
                    await wait_until(lambda: counts.get("second", 0) >= args.escalations, 600, "level 2 of every alert")

                escalation = await meter.measure(Phase("escalation", args.escalations), steps)
                phases += [escalation, escalation.net_of(idle)]
                server.should_exit = True
            print(
                f"idle stack: {sum(idle.requests.values()) / idle.seconds:.1f} persistence requests/s, "
                f"CPU {', '.join(f'{n} {c * 1000 / idle.seconds:.0f} ms/s' for n, c in sorted(idle.cpu.items()))}"
            )
            report(phases)
            report_sdk([(p.name, p.units, p.sdk) for p in phases if p.sdk and p.name in ("new alert", "escalation")])
            for phase in phases:
                summarise_profile(phase)
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
