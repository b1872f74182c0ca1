"""A real Alertmanager (Debian's `prometheus-alertmanager`, on 127.0.0.1) sends its webhooks to Herald
served by uvicorn, with a worker on the Temporal dev server: what Alertmanager really sends (its
grouping, `send_resolved`, `max_alerts` truncation, its Authorization header) makes the incidents
Herald promises."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import make_keys
from tests.support.alerts import eventually
from tests.support.served_api import ThreadedApi
from worker import build_worker

# Installed by `make test` with amtool (Debian's prometheus-alertmanager package; tests/support/alertmanager.py).
BINARY = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def config(herald: str, key: str) -> str:
    """Two receivers: every alert of team a, and team b's with at most one alert per notification."""
    hook = f"url: {herald}/api/v1/integrations/alertmanager\n        send_resolved: true\n"
    auth = f"        http_config:\n          authorization:\n            credentials: {key}\n"
    return (
        "route:\n  receiver: all\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n"
        "  repeat_interval: 1h\n  routes:\n    - receiver: truncated\n      matchers: ['team=\"b\"']\n"
        "receivers:\n"
        f"  - name: all\n    webhook_configs:\n      - {hook}{auth}"
        f"  - name: truncated\n    webhook_configs:\n      - {hook}        max_alerts: 1\n{auth}"
    )


def start(tmp_path: Path, port: int, text: str) -> subprocess.Popen[bytes]:
    (tmp_path / "alertmanager.yml").write_text(text)
    return subprocess.Popen(
        [
            BINARY,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "alertmanager.log").open("wb"),
    )


def alert(host: str, team: str, *, ended: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "labels": {"alertname": f"DiskFull-{team}", "team": team, "host": host, "severity": "warning"},
        "annotations": {"summary": f"Disk full on {host}"},
        "startsAt": (now - timedelta(minutes=5)).isoformat(),
        "generatorURL": f"http://prometheus.example/graph?host={host}",
    }
    if ended:
        body["endsAt"] = (now - timedelta(seconds=1)).isoformat()
    return body


async def test_a_real_alertmanager_fires_truncates_and_resolves_incidents(
    dev_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    dev_settings: Settings,
    tmp_path: Path,
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    keys = await make_keys(sessions, tenant)
    port = free_port()
    with ThreadedApi(dev_settings) as herald:
        process = start(tmp_path, port, config(herald, keys[Role.RESPONDER]["Authorization"].removeprefix("Bearer ")))
        try:
            async with (
                build_worker(dev_env.client, sessions, dev_settings) as worker,
                worker,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as am,
                httpx.AsyncClient(base_url=herald, headers=keys[Role.VIEWER]) as api,
            ):

                async def ready() -> int:
                    try:
                        return (await am.get("/-/ready")).status_code
                    except httpx.TransportError:
                        return 0

                await eventually(ready, lambda code: code == 200)

                async def incidents() -> list[dict[str, Any]]:
                    answer = await api.get("/api/v1/alerts/", params={"sort": "created_at"})
                    assert answer.status_code == 200, answer.text
                    return answer.json()["items"]  # type: ignore[no-any-return]

                posted = await am.post("/api/v2/alerts", json=[alert(h, "a") for h in ("db1", "db2", "db3")])
                assert posted.status_code == 200, posted.text
                [group] = await eventually(
                    incidents, lambda items: len(items) == 1 and items[0]["firing_members"] == 3, within=60
                )
                assert (group["title"], group["severity"], group["source"]) == (
                    "Disk full on db1",
                    "medium",
                    "alertmanager",
                )

                posted = await am.post("/api/v2/alerts", json=[alert(h, "b") for h in ("web1", "web2")])
                assert posted.status_code == 200, posted.text
                # Alertmanager may notify the group before and after both alerts are in it: wait for the
                # notice that truncated one of them.
                both = await eventually(
                    incidents,
                    lambda items: (
                        len(items) == 2 and items[1]["annotations"].get("alertmanager_truncated_alerts") == "1"
                    ),
                    within=60,
                )
                truncated = both[1]
                assert truncated["labels"]["team"] == "b" and truncated["firing_members"] == 1

                ended = await am.post("/api/v2/alerts", json=[alert(h, "a", ended=True) for h in ("db1", "db2", "db3")])
                assert ended.status_code == 200, ended.text
                done = await eventually(incidents, lambda items: items[0]["status"] == "resolved", within=60)
                assert (done[0]["id"], done[0]["resolved_members"], done[0]["firing_members"]) == (group["id"], 3, 0)
                assert done[1]["status"] == "triggered"
        finally:
            process.terminate()
            process.wait(timeout=30)
