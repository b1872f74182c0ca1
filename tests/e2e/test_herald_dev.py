"""`herald dev` as a newcomer runs it: one command, real child processes, real HTTP.
Stopping it with SIGTERM stops everything; a second run on the same data dir keeps the
open alert (and its workflow); a port in use is a one-line error naming it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from devstack.ports import free_port
from models.api_keys import new_key
from tests.support.alerts import eventually

HERALD = str(Path(sys.executable).parent / "herald")


class DevStack:
    def __init__(self, data_dir: Path, *, cwd: Path | None = None) -> None:
        """With `cwd`, run as a newcomer does: in that directory, with the default data dir (`data_dir`
        must then be `cwd / ".herald"`)."""
        self.data_dir = data_dir
        self.cwd = cwd
        self.api_port, self.temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.inbox_port = free_port()
        self.admin_key = new_key()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def argv(self) -> list[str]:
        data_dir = [] if self.cwd is not None else ["--data-dir", str(self.data_dir)]
        return [
            HERALD, "dev", *data_dir, "--api-port", str(self.api_port),
            "--temporal-port", str(self.temporal_port), "--ui-port", str(self.ui_port),
            "--inbox-port", str(self.inbox_port),
        ]  # fmt: skip

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HERALD_DATA_DIR")}
        env["HERALD_ADMIN_API_KEY"] = self.admin_key
        self.process = subprocess.Popen(
            self.argv(), cwd=self.cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    async def line_with(self, text: str, within: float = 60) -> str:
        """Read herald dev's output until a line holds `text`; return that line."""
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout

        async def read() -> str:
            while True:
                line = await asyncio.to_thread(stdout.readline)
                if not line:
                    raise AssertionError(f"herald dev ended before printing {text!r}")
                if text in line:
                    return line

        return await asyncio.wait_for(read(), within)

    async def ready(self) -> str:
        """Wait until the banner is printed; return the output so far."""
        assert self.process is not None and self.process.stdout is not None
        lines: list[str] = []
        while True:
            line = await asyncio.to_thread(self.process.stdout.readline)
            if not line:
                raise AssertionError("herald dev exited early:\n" + "".join(lines))
            lines.append(line)
            if "Press Ctrl-C to stop" in line:
                return "".join(lines)

    def stop(self) -> int:
        assert self.process is not None
        children = psutil.Process(self.process.pid).children(recursive=True)
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"children left running: {[p.name() for p in alive]}"
        return code


@pytest.fixture
def dev_stack(tmp_path: Path) -> Iterator[DevStack]:
    stack = DevStack(tmp_path / "herald-data")
    yield stack
    if stack.process is not None and stack.process.poll() is None:
        stack.process.kill()


async def test_herald_dev_runs_stops_and_resumes(dev_stack: DevStack) -> None:
    dev_stack.start()
    banner = await dev_stack.ready()
    assert f"{dev_stack.url}/docs" in banner and f"127.0.0.1:{dev_stack.ui_port}" in banner
    assert dev_stack.admin_key in banner and "HERALD_ADMIN_API_KEY" in banner
    assert f"Console         {dev_stack.url}/" in banner
    auth = {"Authorization": f"Bearer {dev_stack.admin_key}"}
    async with httpx.AsyncClient(base_url=dev_stack.url, headers=auth, timeout=30) as http:
        console = await http.get("/")  # the web console (built by `make test` before the tests run)
        assert console.status_code == 200 and '<div id="root">' in console.text, console.text
        created = await http.post("/api/v1/alerts/", json={"title": "survives restarts", "dedup_key": "durable"})
        assert created.status_code == 201, created.text
        alert_id = created.json()["id"]
        health = await http.get("/api/v1/alerts/health")
        assert health.status_code == 200, health.text
        ui = await http.get(f"http://127.0.0.1:{dev_stack.ui_port}/")
        assert ui.status_code == 200

        # The six default rules, evaluated by the schedule that the worker created at start.
        async def rules() -> list[dict[str, Any]]:
            return list((await http.get("/api/v1/alerts/rules/")).json())

        evaluated = await eventually(rules, lambda found: all(r["last_evaluated_at"] for r in found), within=60)
        assert len(evaluated) == 6 and {r["health"] for r in evaluated} == {"ok"}
    assert dev_stack.stop() == 0

    # Run it again on the same data dir: the alert and its workflow are still there.
    dev_stack.start()
    await dev_stack.ready()
    async with httpx.AsyncClient(base_url=dev_stack.url, headers=auth, timeout=30) as http:
        alert = await http.get(f"/api/v1/alerts/{alert_id}")
        assert alert.status_code == 200 and alert.json()["status"] == "triggered"
        ack = await http.post(f"/api/v1/alerts/{alert_id}/acknowledge")  # the workflow is still alive
        assert ack.status_code == 200, ack.text

        clash = await asyncio.to_thread(
            subprocess.run,
            [HERALD, "dev", "--data-dir", str(dev_stack.data_dir) + "-2", "--api-port", str(dev_stack.api_port),
             "--temporal-port", str(free_port()), "--ui-port", str(free_port())],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert clash.returncode == 1
        assert f"port {dev_stack.api_port} (api-port) is already in use" in clash.stderr
    assert dev_stack.stop() == 0


async def test_killing_herald_dev_leaves_no_orphans(dev_stack: DevStack) -> None:
    dev_stack.start()
    await dev_stack.ready()
    assert dev_stack.process is not None
    children = [p for p in psutil.Process(dev_stack.process.pid).children(recursive=True) if "postgres" not in p.name()]
    assert len(children) >= 3  # temporal, worker, api
    dev_stack.process.kill()  # SIGKILL: no chance to clean up
    dev_stack.process.wait()
    _, alive = await asyncio.to_thread(psutil.wait_procs, children, 30)
    assert not alive, f"orphans: {[p.cmdline()[:3] for p in alive]}"

    dev_stack.start()  # same ports, same data dir: free again
    await dev_stack.ready()
    assert dev_stack.stop() == 0
    leftovers = [
        p for p in psutil.process_iter(["cmdline"]) if str(dev_stack.data_dir) in " ".join(p.info["cmdline"] or [])
    ]
    assert not leftovers, f"still running for this data dir: {[p.info['cmdline'][:3] for p in leftovers]}"


async def test_a_newcomer_follows_the_readme(tmp_path: Path) -> None:
    """In a fresh directory: `herald dev`, the README's channel (the local inbox), an event, and the
    first notification arrives on this machine; `herald api-key create` there makes a second tenant
    with no setup; stopped while a client keeps a connection open (the port is left in TIME_WAIT)
    it runs again at once on the same ports."""
    stack = DevStack(tmp_path / ".herald", cwd=tmp_path)
    stack.start()
    try:
        banner = await stack.ready()
        inbox = f"http://127.0.0.1:{stack.inbox_port}/hook"
        assert inbox in banner
        auth = {"Authorization": f"Bearer {stack.admin_key}"}
        async with httpx.AsyncClient(base_url=stack.url, headers=auth, timeout=30) as http:
            channel = await http.post(
                "/api/v1/channels",
                json={"name": "ops", "type": "webhook", "config": {"url": inbox, "secret": "change-me-please"},
                      "is_default": True},
            )  # fmt: skip
            assert channel.status_code == 201, channel.text
            event = {"title": "Disk 95% full", "severity": "critical", "labels": {"host": "db1", "check": "disk"}}
            assert (await http.post("/api/v1/events", json={"events": [event]})).status_code == 202
            arrived = await stack.line_with("inbox ←")
            assert "triggered [critical] 'Disk 95% full'" in arrived
            received = (await http.get(f"http://127.0.0.1:{stack.inbox_port}/")).json()
            assert received[0]["body"]["alert"]["title"] == "Disk 95% full"

            made = await asyncio.to_thread(
                subprocess.run,
                [HERALD, "api-key", "create", "--tenant", "acme", "--name", "ops", "--role", "admin"],
                cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert made.returncode == 0, made.stderr
            acme = {"Authorization": f"Bearer {made.stdout.strip()}"}
            policies = await http.get("/api/v1/escalation-policies", headers=acme)
            assert policies.status_code == 200 and len(policies.json()) == 2
            assert len((await http.get("/api/v1/alerts/rules/", headers=acme)).json()) == 6

            # A connection still open when the stack stops: the API closes it, leaving its port in TIME_WAIT.
            assert (await http.get("/healthz")).status_code == 200
            assert stack.stop() == 0
        stack.start()
        await stack.ready()
    finally:
        if stack.process is not None and stack.process.poll() is None:
            assert stack.stop() == 0
