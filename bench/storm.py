"""An alert storm, side by side: Debian's Alertmanager and Herald receive the same alerts.

10,000 alerts (50 alertnames x 200 instances by default) are posted in batches of 256 (as
Prometheus posts them, 4 batches in flight), each system delivering to its own webhook receiver on
127.0.0.1. Two routes: (a) `group_by: [alertname]`, (b) `group_by: ['...']`, both with the same
`group_wait` / `group_interval` (1 s by default) and a 4 h repeat. For each system and route it
prints: seconds until all alerts were accepted (2xx), seconds until every alert had reached the
receiver in some notification, the delivered rate, and peak RSS; with route b, also the no-op
workflow ceiling of the same Temporal server (bench/ingest.py's a2) and Herald's share of it.
Herald's side runs on a fresh
`herald dev` stack (bench/stack.py); Alertmanager (`prometheus-alertmanager`, installed by
`make test`'s setup) runs from a temp dir with clustering off.

Herald is fed exactly as Prometheus feeds Alertmanager (`POST /api/v2/alerts`, `--door v2`, the default),
or through its own events API (`--door v1`).

Usage: .venv/bin/python bench/storm.py [--names 50] [--instances 200] [--routes a,b] [--wait 1] [--door v2]
Traffic goes only to 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import noop_ceiling  # noqa: E402
from bench.stack import PeakRss, Stack  # noqa: E402
from devstack.ports import free_port  # noqa: E402

BATCH = 256  # Prometheus's max_alerts_per_send default
IN_FLIGHT = 4
DELIVERY_LIMIT = 900.0  # seconds a run may take to deliver before it is reported as incomplete


@dataclass
class Seen:
    """What a receiver has seen: alert identities (alertname, instance) and when the last new one came."""

    expected: int
    ids: set[tuple[str, str]] = field(default_factory=set)
    notifications: int = 0
    complete_at: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, labels: dict[str, str]) -> None:
        if "alertname" in labels and "instance" in labels:
            self.ids.add((labels["alertname"], labels["instance"]))
        if len(self.ids) >= self.expected and self.complete_at is None:
            self.complete_at = time.perf_counter()
            self.done.set()


class Receiver:
    """A webhook receiver on 127.0.0.1 that understands Alertmanager's and Herald's payloads."""

    def __init__(self) -> None:
        self.port = free_port()
        self.seen = Seen(0)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def expect(self, count: int) -> Seen:
        self.seen = Seen(count)
        return self.seen

    async def _hook(self, request: Request) -> Response:
        body = await request.json()
        seen = self.seen
        seen.notifications += 1
        if "alerts" in body:  # Alertmanager webhook, version 4
            for alert in body["alerts"]:
                if alert.get("status") == "firing":
                    seen.add(alert["labels"])
        elif "alert" in body and body.get("event") in ("triggered", "renotified", "escalated"):
            alert = body["alert"]
            for member in alert.get("members") or []:
                if member["status"] == "firing":
                    seen.add(member["labels"])
            if not alert.get("members"):
                seen.add(alert["labels"])
        return Response(status_code=200)

    async def __aenter__(self) -> Receiver:
        app = Starlette(routes=[Route("/{path:path}", self._hook, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 (bounded by uvicorn's own start-up)
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await self._task


def storm(names: int, instances: int, run: str) -> list[dict[str, str]]:
    return [
        {"alertname": f"Storm{n:03}", "instance": f"host-{i:04}:9100", "run": run}
        for n in range(names)
        for i in range(instances)
    ]


async def post_batches(http: httpx.AsyncClient, path: str, bodies: list[Any]) -> float:
    """POST every body, `IN_FLIGHT` at a time; seconds until all were answered 2xx."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def post(body: Any) -> None:
        async with slots:
            response = await http.post(path, json=body)
            if response.status_code >= 300:
                raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(post(body) for body in bodies))
    return time.perf_counter() - started


@dataclass
class Result:
    system: str
    route: str
    alerts: int
    accepted_s: float
    delivered_s: float | None
    notifications: int
    peak_rss: dict[str, int]

    def line(self) -> str:
        delivered = f"{self.delivered_s:8.1f} s" if self.delivered_s is not None else "  (incomplete)"
        rate = f"{self.alerts / self.delivered_s:8.0f}/s" if self.delivered_s else "       -"
        rss = ", ".join(f"{name} {value / 2**20:.0f} MiB" for name, value in sorted(self.peak_rss.items()))
        return (
            f"{self.system:13} {self.route:16} accepted {self.accepted_s:7.1f} s   delivered {delivered}  "
            f"rate {rate}   notifications {self.notifications:6}   peak RSS {rss}"
        )


async def measure(
    system: str,
    route: str,
    receiver: Receiver,
    send: Callable[[], Any],
    processes: dict[str, psutil.Process],
    count: int,
) -> Result:
    seen = receiver.expect(count)
    rss = PeakRss(processes)
    sampler = asyncio.create_task(rss.sample_forever())
    started = time.perf_counter()
    accepted = await send()
    try:
        await asyncio.wait_for(seen.done.wait(), DELIVERY_LIMIT)
    except TimeoutError:
        pass
    sampler.cancel()
    delivered = seen.complete_at - started if seen.complete_at is not None else None
    return Result(system, route, count, accepted, delivered, seen.notifications, dict(rss.peak))


# ---------------------------------------------------------------- Alertmanager


def prometheus_batches(labels: list[dict[str, str]]) -> list[list[dict[str, Any]]]:
    """The alerts as Prometheus posts them to Alertmanager's API v2: batches of `BATCH` PostableAlerts,
    each firing for the next hour (`startsAt` now, `endsAt` in an hour)."""
    starts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    alerts = [{"labels": item, "startsAt": starts, "endsAt": ends} for item in labels]
    return [alerts[start : start + BATCH] for start in range(0, len(alerts), BATCH)]


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        raise SystemExit("Alertmanager is missing: `make test` installs Debian's prometheus-alertmanager")
    return found


async def run_alertmanager(
    tmp: Path, group_by: str, wait: float, receiver: Receiver, labels: list[dict[str, str]]
) -> Result:
    port = free_port()
    config = tmp / f"alertmanager-{uuid.uuid4().hex[:6]}.yml"
    config.write_text(
        "route:\n"
        "  receiver: hook\n"
        f"  group_by: {group_by}\n"
        f"  group_wait: {wait:g}s\n  group_interval: {wait:g}s\n  repeat_interval: 4h\n"
        "receivers:\n"
        f"  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:{receiver.port}/am\n"
        "        max_alerts: 0\n"
    )
    storage = tmp / f"am-data-{uuid.uuid4().hex[:6]}"
    process = await asyncio.create_subprocess_exec(
        alertmanager_binary(),
        f"--config.file={config}",
        f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await http.get("/-/ready")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("Alertmanager did not start")
                await asyncio.sleep(0.1)
            bodies = prometheus_batches(labels)
            return await measure(
                "alertmanager",
                f"group_by {group_by}",
                receiver,
                lambda: post_batches(http, "/api/v2/alerts", bodies),
                {"alertmanager": psutil.Process(process.pid)},
                len(labels),
            )
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


# ---------------------------------------------------------------- Herald


async def set_route(http: httpx.AsyncClient, group_by: list[str], wait: float) -> None:
    current = await http.get("/api/v1/routes")
    current.raise_for_status()
    tree = {
        "group_by": group_by,
        "group_wait": f"{wait:g}s",
        "group_interval": f"{wait:g}s",
        "repeat_interval": "4h",
    }
    answer = await http.put("/api/v1/routes", json={"tree": tree}, headers={"If-Match": current.headers["etag"]})
    if answer.status_code != 200:
        raise SystemExit(f"PUT /api/v1/routes answered {answer.status_code}: {answer.text[:300]}")


async def run_herald(
    stack: Stack, group_by: list[str], wait: float, receiver: Receiver, labels: list[dict[str, str]], door: str
) -> Result:
    """Herald fed through `door`: `v2` posts exactly what Alertmanager is sent (`POST /api/v2/alerts`),
    `v1` posts Herald's own events (`POST /api/v1/events`)."""
    headers = {"Authorization": f"Bearer {stack.key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.api_port}", headers=headers, timeout=300) as http:
        await set_route(http, group_by, wait)
        bodies: list[Any]
        if door == "v2":
            path, bodies = "/api/v2/alerts", prometheus_batches(labels)
        else:
            events = [{"title": item["alertname"], "labels": item, "severity": "high"} for item in labels]
            path, bodies = (
                "/api/v1/events",
                [{"events": events[start : start + BATCH]} for start in range(0, len(events), BATCH)],
            )
        return await measure(
            f"herald ({door})",
            f"group_by {group_by}",
            receiver,
            lambda: post_batches(http, path, bodies),
            stack.processes(),
            len(labels),
        )


async def add_channel(stack: Stack, receiver: Receiver) -> None:
    headers = {"Authorization": f"Bearer {stack.key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.api_port}", headers=headers, timeout=60) as http:
        channel = await http.post(
            "/api/v1/channels",
            json={
                "name": f"storm-{uuid.uuid4().hex[:6]}",
                "type": "webhook",
                "config": {"url": f"http://127.0.0.1:{receiver.port}/herald"},
                "is_default": True,
            },
        )
        channel.raise_for_status()


ROUTES = {"a": (["alertname"], "[alertname]"), "b": (["..."], "['...']")}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=50, help="distinct alertnames")
    parser.add_argument("--instances", type=int, default=200, help="instances per alertname")
    parser.add_argument("--routes", default="a,b", help="a: group_by [alertname], b: group_by ['...']")
    parser.add_argument("--wait", type=float, default=1.0, help="group_wait and group_interval, seconds, both systems")
    parser.add_argument("--systems", default="alertmanager,herald")
    parser.add_argument(
        "--door",
        choices=["v2", "v1"],
        default="v2",
        help="Herald's side: v2 posts Prometheus's batches to POST /api/v2/alerts; v1 posts /api/v1/events",
    )
    args = parser.parse_args()
    systems = args.systems.split(",")
    count = args.names * args.instances
    print(
        f"storm bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores: {count} alerts "
        f"({args.names} alertnames x {args.instances} instances), batches of {BATCH}, {IN_FLIGHT} in flight, "
        f"group_wait = group_interval = {args.wait:g} s"
    )
    results: list[Result] = []
    ceiling: float | None = None
    with tempfile.TemporaryDirectory(prefix="herald-storm-") as tmp_name:
        tmp = Path(tmp_name)
        async with Receiver() as receiver:
            for route in args.routes.split(","):
                group_by, shown = ROUTES[route]
                if "alertmanager" in systems:
                    labels = storm(args.names, args.instances, uuid.uuid4().hex[:6])
                    results.append(await run_alertmanager(tmp, shown, args.wait, receiver, labels))
                    print(results[-1].line(), flush=True)
            if "herald" in systems:
                stack = Stack(tmp / "herald", max_cached_workflows=12_000)
                stack.start()
                try:
                    await add_channel(stack, receiver)
                    for route in args.routes.split(","):
                        group_by, _ = ROUTES[route]
                        labels = storm(args.names, args.instances, uuid.uuid4().hex[:6])
                        results.append(await run_herald(stack, group_by, args.wait, receiver, labels, args.door))
                        print(results[-1].line(), flush=True)
                    if "b" in args.routes.split(","):
                        # Route b opens one workflow per alert: compare with the least such a design costs.
                        ceiling = await noop_ceiling(stack, count)
                        print(f"no-op workflow ceiling on this server (bench/ingest.py a2): {ceiling:.0f} workflows/s")
                finally:
                    stack.stop()
    herald_b = next((r for r in results if r.system == "herald" and r.route == f"group_by {ROUTES['b'][0]}"), None)
    if herald_b is not None and herald_b.delivered_s and ceiling:
        rate = herald_b.alerts / herald_b.delivered_s
        print(f"route b: Herald's delivered rate is {rate / ceiling:.2f}x the no-op workflow ceiling")
    by = {(r.system, r.route): r for r in results}
    for route in args.routes.split(","):
        shown = f"group_by {ROUTES[route][1]}"
        am = by.get(("alertmanager", shown))
        herald = by.get((f"herald ({args.door})", f"group_by {ROUTES[route][0]}"))
        if am and herald and am.delivered_s and herald.delivered_s:
            print(
                f"route {route}: Herald's delivered rate is {am.delivered_s / herald.delivered_s:.2f}x Alertmanager's"
            )


if __name__ == "__main__":
    asyncio.run(main())
