"""Load-shedding benchmark against a `herald dev` stack that this script starts in a temp dir.

Single-event POSTs to /api/v1/events at increasing open-loop rates (a request is sent on
schedule whether or not the earlier ones have been answered), spread over several API keys so
the process-wide limit, not one key's, is what sheds. Prints per rate: accepted (202), shed
(429 / 503, each with Retry-After), other answers, client errors (resets, time-outs), and the
p50 / p99 latency of accepted and of shed requests. Then it checks that every accepted event's
alert exists (nothing accepted is lost) and prints the count.

Usage: .venv/bin/python bench/load_shedding.py [--rates 25,50,100,150] [--seconds 10] [--keys 8]
                                              [--max-in-flight N] [--max-in-flight-per-key N]
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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import Stack, cpu_seconds, percentile  # noqa: E402
from settings import Settings  # noqa: E402

CLIENT_TIMEOUT = 60.0


@dataclass
class Step:
    rate: float
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    accepted_latency: list[float] = field(default_factory=list)
    shed_latency: list[float] = field(default_factory=list)
    missing_retry_after: int = 0
    api_cpu: float = 0.0  # share of one core the API process used during the step
    accepted_tags: set[str] = field(default_factory=set)


async def run_rate(http: httpx.AsyncClient, keys: list[str], run: str, rate: float, seconds: float) -> Step:
    step = Step(rate)
    total = int(rate * seconds)

    async def one(i: int) -> None:
        tag = f"{rate:g}-{i}"
        body = {"events": [{"title": f"shed {tag}", "labels": {"bench": run, "n": tag}}]}
        headers = {"Authorization": f"Bearer {keys[i % len(keys)]}"}
        started = time.perf_counter()
        try:
            response = await http.post("/api/v1/events", json=body, headers=headers)
        except httpx.HTTPError as err:
            step.errors[type(err).__name__] += 1
            return
        elapsed = time.perf_counter() - started
        step.statuses[response.status_code] += 1
        if response.status_code == 202:
            step.accepted_latency.append(elapsed)
            step.accepted_tags.add(tag)
        elif response.status_code in (429, 503):
            step.shed_latency.append(elapsed)
            if "retry-after" not in response.headers:
                step.missing_retry_after += 1

    tasks = []
    started = time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i)))
        step.sent += 1
    await asyncio.gather(*tasks)  # each bounded by CLIENT_TIMEOUT
    step.accepted_latency.sort()
    step.shed_latency.sort()
    return step


async def stored_tags(http: httpx.AsyncClient, run: str) -> set[str]:
    """The `n` label of every alert of this run, page by page (bounded)."""
    tags: set[str] = set()
    cursor = None
    for _ in range(1000):
        params: dict[str, str | int] = {"label": f"bench={run}", "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/api/v1/alerts/", params=params)).json()
        tags.update(item["labels"]["n"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return tags


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:7.0f}" if values else "      -"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="25,50,100,150", help="events per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each rate")
    parser.add_argument("--keys", type=int, default=8, help="responder keys the requests are spread over")
    parser.add_argument("--max-in-flight", type=int, help="HERALD_MAX_IN_FLIGHT of the stack (else its default)")
    parser.add_argument("--max-in-flight-per-key", type=int, help="HERALD_MAX_IN_FLIGHT_PER_KEY of the stack")
    args = parser.parse_args()
    if args.max_in_flight is not None:
        os.environ["HERALD_MAX_IN_FLIGHT"] = str(args.max_in_flight)
    if args.max_in_flight_per_key is not None:
        os.environ["HERALD_MAX_IN_FLIGHT_PER_KEY"] = str(args.max_in_flight_per_key)
    settings = Settings()
    rates = [float(r) for r in args.rates.split(",")]

    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
        stack = Stack(Path(tmp) / "data")
        stack.start()
        try:
            load = os.getloadavg()
            print(
                f"herald load-shedding bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                f"load average {load[0]:.1f} / {load[1]:.1f} at start, {args.seconds:g} s per rate, {args.keys} keys, "
                f"HERALD_MAX_IN_FLIGHT={settings.max_in_flight}, _PER_KEY={settings.max_in_flight_per_key}"
            )
            base_url = f"http://127.0.0.1:{stack.api_port}"
            admin = {"Authorization": f"Bearer {stack.key}"}
            limits = httpx.Limits(max_connections=2000, max_keepalive_connections=200)
            async with httpx.AsyncClient(
                base_url=base_url, headers=admin, timeout=CLIENT_TIMEOUT, limits=limits
            ) as http:
                keys = []
                for k in range(args.keys):
                    created = await http.post("/api/v1/api-keys", json={"name": f"bench-{k}", "role": "responder"})
                    created.raise_for_status()
                    keys.append(created.json()["key"])
                run = uuid.uuid4().hex[:8]
                steps = []
                api = [stack.processes()["api"]]
                for rate in rates:
                    cpu, started = cpu_seconds(api), time.perf_counter()
                    step = await run_rate(http, keys, run, rate, args.seconds)
                    step.api_cpu = (cpu_seconds(api) - cpu) / (time.perf_counter() - started)
                    steps.append(step)
                    await asyncio.sleep(5)  # let the stack drain between rates
                print(
                    f"{'rate/s':>7} {'sent':>6} {'202':>6} {'429':>6} {'503':>6} {'other':>6} {'errors':>6}"
                    f" {'202 p50 ms':>10} {'202 p99 ms':>10} {'shed p50 ms':>11} {'API CPU':>7}"
                )
                for step in steps:
                    other = sum(n for code, n in step.statuses.items() if code not in (202, 429, 503))
                    print(
                        f"{step.rate:7g} {step.sent:6d} {step.statuses[202]:6d} {step.statuses[429]:6d}"
                        f" {step.statuses[503]:6d} {other:6d} {sum(step.errors.values()):6d}"
                        f"    {ms(step.accepted_latency, 0.5)}    {ms(step.accepted_latency, 0.99)}"
                        f"     {ms(step.shed_latency, 0.5)} {step.api_cpu:7.0%}"
                    )
                    if step.errors or other:
                        print(f"        errors: {dict(step.errors)}, other statuses: {dict(step.statuses)}")
                    if step.missing_retry_after:
                        print(f"        {step.missing_retry_after} shed answers had no Retry-After")
                accepted = set().union(*(step.accepted_tags for step in steps))
                # Accepted means durably in Temporal; the alert row appears once the worker has
                # opened the workflow, minutes later on a busy machine. Wait while rows still arrive.
                found: set[str] = set()
                deadline, stalled_since = time.monotonic() + 1200, time.monotonic()
                while time.monotonic() < deadline and time.monotonic() - stalled_since < 120:
                    now_found = await stored_tags(http, run)
                    if len(now_found) > len(found):
                        stalled_since = time.monotonic()
                    found = now_found
                    if accepted <= found:
                        break
                    await asyncio.sleep(5)
                lost = accepted - found
                print(
                    f"accepted {len(accepted)}, alerts found for them {len(accepted & found)}, missing {len(lost)}"
                    f" (alerts of the run in all: {len(found)}; checked {datetime.now(UTC):%H:%M} UTC)"
                )
                if lost:
                    print(f"        missing, first ten: {sorted(lost)[:10]}")
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
