"""A real Prometheus server (Debian's package) scraping a target the test serves, and a peer that
replays Prometheus HTTP API answers for the error cases a real server will not produce on demand."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from devstack.ports import free_port
from tests.support.http_peer import HttpPeer


class ScrapeTarget(HttpPeer):
    """Serves `text` at /metrics, in Prometheus text exposition format."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.serve_routes([Route("/metrics", self._metrics)])

    async def _metrics(self, request: Request) -> Response:
        return PlainTextResponse(self.text, media_type="text/plain; version=0.0.4")


def prometheus_binary() -> str:
    found = shutil.which("prometheus") or ("/usr/bin/prometheus" if Path("/usr/bin/prometheus").exists() else None)
    if found is None:
        raise RuntimeError("Prometheus is missing: `make test` installs Debian's `prometheus` package")
    return found


class PrometheusServer:
    """`prometheus` on 127.0.0.1 scraping one target every second, with its data in `directory`."""

    def __init__(self, directory: Path, target_port: int) -> None:
        self.port = free_port()
        self.directory = directory
        config = directory / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: herald-test\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
        )
        self._argv = [
            prometheus_binary(),
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with (self.directory / "prometheus.log").open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(*self._argv, stdout=log, stderr=subprocess.STDOUT)
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self._process.returncode is not None:
                    raise RuntimeError(f"prometheus exited: {(self.directory / 'prometheus.log').read_text()[-2000:]}")
                try:
                    if (await http.get(f"{self.url}/-/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("prometheus did not become ready within 30 s")

    async def wait_for_series(self, query: str, within: float = 30.0) -> list[dict[str, Any]]:
        """Until an instant query returns something (the first scrapes take a second or two)."""
        async with httpx.AsyncClient() as http:
            for _ in range(int(within * 10)):
                body = (await http.get(f"{self.url}/api/v1/query", params={"query": query})).json()
                if body["data"]["result"]:
                    return list(body["data"]["result"])
                await asyncio.sleep(0.1)
        raise AssertionError(f"Prometheus has no {query} after {within} s")

    async def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), timeout=30)


@dataclass
class Replayed:
    status: int
    body: Any  # JSON, or bytes sent as they are


class PrometheusReplay(HttpPeer):
    """Answers /api/v1/query from a script (else an empty vector) and keeps the requests; parses every query."""

    def __init__(self) -> None:
        super().__init__()
        self.script: deque[Replayed] = deque()
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.serve_routes(
            [Route("/api/v1/query", self._answer, methods=["GET", "POST"]), Route("/api/v1/parse_query", self._parsed)]
        )

    async def _parsed(self, request: Request) -> Response:
        return JSONResponse({"status": "success", "data": {}})

    async def _answer(self, request: Request) -> Response:
        form = (
            dict(parse_qsl((await request.body()).decode())) if request.method == "POST" else dict(request.query_params)
        )
        self.requests.append((request.url.path, form, dict(request.headers)))
        empty = {"status": "success", "data": {"resultType": "vector", "result": []}}
        answer = self.script.popleft() if self.script else Replayed(200, empty)
        if isinstance(answer.body, bytes):
            return Response(answer.body, status_code=answer.status)
        return JSONResponse(answer.body, status_code=answer.status)
