"""Run the whole Herald stack as supervised child processes.

Order up: PostgreSQL (pgserver) → Temporal dev server (SQLite file, WAL) → search
attributes → migrations → bootstrap → worker → API. Order down is the reverse, on
Ctrl-C, SIGTERM, or the unexpected exit of any child. Everything lives in `--data-dir`,
so a second run resumes every alert, open workflow and timer.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from devstack.bootstrap import admin_key_for, bootstrap, secret_key_for
from devstack.embedded_postgres import EmbeddedPostgres
from devstack.ports import ensure_free, free_port
from devstack.state import clear_state, write_state
from gateway.connect import connect
from gateway.namespace_setup import register_search_attributes
from models.migrate import upgrade_async
from settings import Settings

BIN = Path(sys.executable).parent
PR_SET_PDEATHSIG = 1  # linux/prctl.h
DEV_EGRESS_ALLOW = "127.0.0.0/8,::1"  # what `herald dev` lets outbound calls reach although internal


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the supervisor dies, even by
    SIGKILL, so no orphaned server keeps the ports (and the data dir) busy."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class DevOptions:
    data_dir: Path
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233
    inbox_port: int = 8001
    tenant: str = "default"
    temporal_metrics_port: int | None = None  # the dev server's Prometheus metrics; None: any free port
    workers: int = 1  # worker processes on the one task queue (logs/worker.log, logs/worker-2.log, ...)


class StackFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"herald dev: {message}", flush=True)


class Supervisor:
    def __init__(self, options: DevOptions) -> None:
        self.options = options
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.postgres: EmbeddedPostgres | None = None
        self.stop = asyncio.Event()
        self.logs = options.data_dir / "logs"

    # ------------------------------------------------------------------ services

    def start_postgres(self) -> EmbeddedPostgres:
        self.postgres = EmbeddedPostgres(self.options.data_dir / "postgres")
        return self.postgres

    async def ensure_database(self, postgres: EmbeddedPostgres) -> None:
        conn = await asyncpg.connect(host=postgres.socket_dir, user="postgres", database="postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = 'herald'"):
                await conn.execute("CREATE DATABASE herald")
        finally:
            await conn.close()

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None, *, terminal: bool = False) -> None:
        """Start a child; its output goes to `logs/<name>.log`, its stdout to our terminal if `terminal`."""
        log = open(self.logs / f"{name}.log", "ab")  # stays open for the child's life
        process = subprocess.Popen(
            argv,
            stdout=None if terminal else log,
            stderr=log,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
            preexec_fn=_die_with_parent,
        )
        self.children.append((name, process))

    def start_temporal(self) -> None:
        o = self.options
        self.spawn(
            "temporal",
            [
                str(BIN / "temporal"),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                str(o.temporal_port),
                "--ui-port",
                str(o.ui_port),
                "--http-port",
                str(free_port()),
                "--metrics-port",
                str(o.temporal_metrics_port or free_port()),
                "--db-filename",
                str(o.data_dir / "temporal.db"),
                "--namespace",
                "default",
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
                "--log-level",
                "warn",
                # Hand a scheduled activity straight back to the worker that completed the workflow
                # task (the SDK asks for it): one server round-trip less per notification.
                "--dynamic-config-value",
                "system.enableActivityEagerExecution=true",
            ],
        )

    async def wait_for_temporal(self, settings: Settings) -> None:
        for _ in range(300):
            self.check_children()
            try:
                client = await connect(settings)
                await register_search_attributes(client, settings.temporal_namespace)
                return
            except (RuntimeError, OSError) as err:
                last = err
            await asyncio.sleep(0.1)
        raise StackFailed(f"the Temporal dev server did not start: {last}")

    async def wait_for_api(self) -> None:
        url = f"http://127.0.0.1:{self.options.api_port}/healthz"
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                self.check_children()
                try:
                    if (await http.get(url, timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise StackFailed("the API did not start; see logs/api.log")

    def check_children(self) -> None:
        for name, process in self.children:
            code = process.poll()
            if code is not None:
                raise StackFailed(f"{name} exited with code {code}; see {self.logs / (name + '.log')}")

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> int:
        o = self.options
        ports = {
            "api-port": o.api_port,
            "temporal-port": o.temporal_port,
            "ui-port": o.ui_port,
            "inbox-port": o.inbox_port,
        }
        if o.temporal_metrics_port is not None:
            ports["temporal-metrics-port"] = o.temporal_metrics_port
        ensure_free(ports)
        o.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        try:
            return await self._run()
        finally:
            self.shutdown()

    async def _run(self) -> int:
        o = self.options
        say(f"data in {o.data_dir.resolve()}")
        postgres = await asyncio.to_thread(self.start_postgres)
        database_url = postgres.url("herald")
        await self.ensure_database(postgres)
        say("PostgreSQL ready (embedded)")
        self.start_temporal()
        public_url = f"http://127.0.0.1:{o.api_port}"
        ui_url = f"http://127.0.0.1:{o.ui_port}"
        env = {
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{o.temporal_port}",
            "TEMPORAL_NAMESPACE": "default",
            "HERALD_PUBLIC_URL": public_url,
            "HERALD_TEMPORAL_UI_URL": ui_url,
            "HERALD_DEFAULT_TENANT": o.tenant,
            "HERALD_SECRET_KEY": secret_key_for(o.data_dir)[0],
            # Local development talks to local receivers: loopback is allowed unless the environment says otherwise.
            "HERALD_EGRESS_ALLOW": os.environ.get("HERALD_EGRESS_ALLOW", DEV_EGRESS_ALLOW),
        }
        settings = Settings(**env)  # type: ignore[arg-type]
        await self.wait_for_temporal(settings)
        say(f"Temporal dev server ready on 127.0.0.1:{o.temporal_port} (SQLite {o.data_dir / 'temporal.db'})")
        await upgrade_async(database_url)
        admin_key, origin = admin_key_for(o.data_dir)
        await bootstrap(database_url, o.tenant, admin_key)
        inbox_url = f"http://127.0.0.1:{o.inbox_port}"
        self.spawn(
            "inbox",
            [sys.executable, "-m", "devstack.inbox", "--port", str(o.inbox_port), "--data-dir", str(o.data_dir)],
            terminal=True,
        )
        for number in range(1, o.workers + 1):
            self.spawn("worker" if number == 1 else f"worker-{number}", [sys.executable, "-m", "cli", "worker"], env)
        self.spawn("api", [sys.executable, "-m", "cli", "api", "--host", "127.0.0.1", "--port", str(o.api_port)], env)
        await self.wait_for_api()
        write_state(
            o.data_dir,
            database_url=database_url,
            temporal_address=env["TEMPORAL_ADDRESS"],
            api_url=public_url,
            ui_url=ui_url,
            inbox_url=inbox_url,
            tenant=o.tenant,
        )
        print(
            "\n"
            f"  Console         {public_url}/  (sign in with the admin API key below)\n"
            f"  Herald API      {public_url}  (docs: {public_url}/docs)\n"
            f"  Temporal UI     {ui_url}\n"
            f"  Inbox           {inbox_url}/hook  (a webhook receiver: what it gets shows here; list: {inbox_url}/)\n"
            f"  Admin API key   {admin_key}  ({origin})\n"
            f"  Logs            {self.logs}\n\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not self.stop.is_set():
            try:
                self.check_children()
            except StackFailed as err:
                say(str(err))
                return 1
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=0.5)
            except TimeoutError:
                pass
        say("stopping")
        return 0

    def shutdown(self) -> None:
        clear_state(self.options.data_dir)
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    say(f"{name} did not stop in 15 s; killing it")
                    process.kill()
                    process.wait()
        self.children.clear()
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
