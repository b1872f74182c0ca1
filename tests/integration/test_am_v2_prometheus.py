"""A real Prometheus (Debian's) pointed at Herald with only a target and a credential
(`alerting.alertmanagers`): its alerts open an incident, group, resolve by `endsAt`, and a
Prometheus restart re-sends them without duplicating anything."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from models.api_keys import Role
from models.tables import Alert, AlertMember
from settings import Settings
from tests.support.alerts import add_webhook, eventually
from tests.support.http_peer import HttpPeer
from tests.support.prometheus import prometheus_binary
from tests.support.receiver import WebhookReceiver
from tests.support.served import ServedHerald, served_herald

RULES = """groups:
  - name: herald-test
    interval: 1s
    rules:
      - alert: TargetDown
        expr: up{job="herald-am"} == 0
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.instance }} is down"
          description: "no scrape answered"
          runbook_url: https://runbooks.example/target-down
"""


class FlakyTarget(HttpPeer):
    """A scrape target that answers 503 while `down` (Prometheus's `up` is then 0)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.serve_routes([Route("/metrics", self._metrics)])

    async def _metrics(self, request: Request) -> Response:
        if self.down:
            return PlainTextResponse("down", status_code=503)
        return PlainTextResponse("herald_test_up 1\n", media_type="text/plain; version=0.0.4")


class AlertingPrometheus:
    """Prometheus evaluating RULES every second and sending to Herald (API v2, a bearer credential)."""

    def __init__(self, directory: Path, herald_port: int, key: str, targets: list[int]) -> None:
        self.port = free_port()
        self.directory = directory
        (directory / "rules.yml").write_text(RULES)
        listed = ", ".join(f"'127.0.0.1:{port}'" for port in targets)
        (directory / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: ['{directory / 'rules.yml'}']\n"
            "alerting:\n  alertmanagers:\n"
            f"    - static_configs: [{{targets: ['127.0.0.1:{herald_port}']}}]\n"
            f"      authorization: {{credentials: '{key}'}}\n"
            "      api_version: v2\n"
            f"scrape_configs:\n  - job_name: herald-am\n    static_configs: [{{targets: [{listed}]}}]\n"
        )
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        argv = [
            prometheus_binary(),
            f"--config.file={self.directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--rules.alert.resend-delay=3s",  # firing alerts then carry endsAt = now + 12 s
            "--log.level=warn",
        ]
        with (self.directory / "prometheus.log").open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(*argv, stdout=log, stderr=subprocess.STDOUT)
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                assert self._process.returncode is None, (self.directory / "prometheus.log").read_text()[-2000:]
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/-/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("prometheus did not become ready within 30 s")

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), timeout=30)


@pytest.fixture
async def herald(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[ServedHerald]:
    async with served_herald(dev_settings, sessions, dev_env.client) as served:
        yield served


async def incidents(sessions: async_sessionmaker[AsyncSession], tenant: str) -> list[tuple[Alert, list[AlertMember]]]:
    async with sessions() as session:
        alerts = (await session.scalars(select(Alert).where(Alert.tenant_id == tenant))).all()
        found = []
        for alert in alerts:
            members = (await session.scalars(select(AlertMember).where(AlertMember.alert_id == alert.id))).all()
            found.append((alert, list(members)))
        return found


def shape(found: list[tuple[Alert, list[AlertMember]]]) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(a.status, sorted((m.status, m.transitions) for m in members)) for a, members in found]


async def test_prometheus_alerts_open_group_and_resolve_and_a_restart_duplicates_nothing(
    herald: ServedHerald, sessions: async_sessionmaker[AsyncSession], tmp_path: Path, receiver: WebhookReceiver
) -> None:
    await add_webhook(sessions, herald.tenant, receiver.url)
    tree = {"group_by": ["alertname"], "group_wait": "1s", "group_interval": "1m"}
    answer = await herald.http.put("/api/v1/routes", json={"tree": tree}, headers={"If-Match": '"0"'})
    assert answer.status_code == 200, answer.text
    targets = [FlakyTarget(), FlakyTarget()]
    for target in targets:
        target.down = True
        await target.start()
    prometheus = AlertingPrometheus(tmp_path, herald.port, herald.keys[Role.RESPONDER], [t.port for t in targets])
    await prometheus.start()
    try:
        firing = await eventually(
            lambda: incidents(sessions, herald.tenant),
            lambda found: shape(found) == [("triggered", [("firing", 1), ("firing", 1)])],
            within=60,
        )
        [(alert, members)] = firing
        assert alert.severity == "critical"
        assert alert.title in {f"127.0.0.1:{t.port} is down" for t in targets}
        for member in members:
            assert member.annotations["runbook_url"] == "https://runbooks.example/target-down"
            assert member.generator_url.startswith("http://") and "/graph?g0.expr=" in member.generator_url
            assert member.starts_at is not None and member.ends_at is not None and member.ends_at > member.starts_at
            assert member.labels["alertname"] == "TargetDown" and member.labels["job"] == "herald-am"
        [first] = await receiver.wait_for(1)  # one notice for the group, with the runbook and the source link
        assert first.json["event"] == "triggered" and first.json["alert"]["firing_members"] == 2
        assert first.json["alert"]["annotations"]["runbook_url"] == "https://runbooks.example/target-down"
        assert "/graph?g0.expr=" in first.json["alert"]["generator_url"]

        await prometheus.stop()  # restarted: it evaluates afresh and re-sends both
        await prometheus.start()
        await asyncio.sleep(6)  # two re-sends at least (resend-delay 3 s)
        assert shape(await incidents(sessions, herald.tenant)) == [("triggered", [("firing", 1), ("firing", 1)])]

        for target in targets:
            target.down = False
        resolved = await eventually(
            lambda: incidents(sessions, herald.tenant),
            lambda found: shape(found) == [("resolved", [("resolved", 2), ("resolved", 2)])],
            within=30,
        )
        [(alert, _)] = resolved
        assert alert.resolved_by == "alertmanager-api"  # by endsAt, not by expiry (that would be herald)
        await asyncio.sleep(5)  # Prometheus keeps re-sending the resolved alerts: nothing reopens
        assert shape(await incidents(sessions, herald.tenant)) == [("resolved", [("resolved", 2), ("resolved", 2)])]
        assert receiver.events() == ["triggered", "resolved"]  # re-sends and the restart told nobody anything
    finally:
        await prometheus.stop()
        for target in targets:
            await target.stop()
