"""`herald config` (export, check, apply, import-alertmanager) run as the command, against the real API served by
uvicorn on 127.0.0.1 (real PostgreSQL), and an imported Alertmanager configuration routing as `amtool config routes
test` routes the original."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import cli
from api.app import create_app
from configcode.alertmanager import convert
from devstack.ports import free_port
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import make_keys
from tests.support.alertmanager import amtool_binary

DEBIAN_EXAMPLE = Path("/usr/share/doc/prometheus-alertmanager/examples/simple.yml")
EVERY_RECEIVER = """
global:
  resolve_timeout: 5m
  slack_api_url: https://hooks.slack.com/services/T000/B000/XXXX
  smtp_smarthost: smtp.example.org:587
  smtp_from: alerts@example.org
  opsgenie_api_key: opsgenie-key
templates: ['/etc/alertmanager/*.tmpl']
route:
  receiver: hook
  group_by: [alertname]
  routes:
    - matchers: ['team="db"']
      receiver: db
      continue: true
    - match: {team: db}
      match_re: {env: "prod|dr"}
      receiver: pager
      mute_time_intervals: [nights]
    - matchers: ['team=~"web|app"']
      receiver: chat
      routes:
        - matchers: ['env="dev"']
          receiver: nobody
    - matchers: ['team="ops"']
      receiver: legacy
receivers:
  - name: hook
    webhook_configs: [{url: 'http://127.0.0.1:9/hook', max_alerts: 5}]
  - name: db
    email_configs: [{to: 'db@example.org, dba@example.org'}]
    slack_configs: [{channel: '#db', title: '{{ .CommonLabels.alertname }}'}]
  - name: pager
    pagerduty_configs: [{routing_key: 0123456789abcdef0123456789abcdef}]
  - name: chat
    discord_configs: [{webhook_url: 'https://discord.com/api/webhooks/1/abc'}]
    msteams_configs: [{webhook_url: 'https://example.webhook.office.com/webhookb2/x'}]
  - name: nobody
  - name: legacy
    opsgenie_configs: [{responders: [{name: ops, type: team}]}]
    victorops_configs: [{api_key: k, routing_key: r}]
    telegram_configs: [{bot_token: '1:x', chat_id: 1}]
    sns_configs: [{topic_arn: 'arn:aws:sns:us-east-1:123456789012:t', sigv4: {region: us-east-1}}]
mute_time_intervals:
  - name: nights
    time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
inhibit_rules:
  - source_matchers: ['alertname="ClusterDown"']
    target_matchers: ['alertname="InstanceDown"']
    equal: [cluster]
"""


@dataclass
class Served:
    url: str
    key: str
    http: httpx.AsyncClient
    directory: Path

    async def herald(self, *argv: str) -> tuple[int, str, str]:
        """`herald config --url ... --api-key ... <argv>` in a thread (the API answers on this loop)."""
        return await asyncio.to_thread(run, ["config", "--url", self.url, "--api-key", self.key, *argv])

    def file(self, name: str, text: str) -> str:
        path = self.directory / name
        path.write_text(text)
        return str(path)

    async def get(self, path: str) -> Any:
        answer = await self.http.get(f"/api/v1/{path}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = await self.http.post(f"/api/v1/{path}", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()


def run(argv: list[str]) -> tuple[int, str, str]:
    """The exit code of `herald <argv>` and what it printed (stdout, stderr), each read from its own file."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exited:
        cli.main(argv)
    return int(exited.value.code or 0), out.getvalue(), err.getvalue()


@pytest.fixture
async def served(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[Served]:
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    headers = (await make_keys(sessions, tenant))[Role.ADMIN]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, headers=headers) as http:
            yield Served(url, headers["Authorization"].removeprefix("Bearer "), http, tmp_path)
    finally:
        server.should_exit = True
        await task


async def seed(served: Served) -> None:
    """A channel, a time interval, an inhibit rule, a silence, and a tree naming them."""
    channel = await served.post(
        "channels", {"name": "ops", "type": "webhook", "config": {"url": "http://127.0.0.1:9/ops"}}
    )
    await served.post("time-intervals", {"name": "weekends", "time_intervals": [{"weekdays": ["saturday", "sunday"]}]})
    await served.post("inhibit-rules", {"source_matchers": 'alertname="Down"', "target_matchers": 'alertname="Slow"'})
    ends = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await served.post("silences", {"matchers": ['job="batch"'], "ends_at": ends, "comment": "maintenance"})
    tree = {
        "group_by": ["alertname"],
        "routes": [{"matchers": ['team="ops"'], "channels": [channel["id"]], "mute_time_intervals": ["weekends"]}],
    }
    answer = await served.http.put("/api/v1/routes", json={"tree": tree}, headers={"If-Match": '"0"'})
    assert answer.status_code == 200, answer.text


async def test_export_then_apply_changes_nothing_and_a_dry_run_writes_nothing(served: Served) -> None:
    await seed(served)
    code, exported, _ = await served.herald("export")
    assert code == 0
    data = yaml.safe_load(exported)
    assert data["routes"]["routes"][0]["channels"] == ["ops"]  # by name, not id
    assert [s["comment"] for s in data["silences"]] == ["maintenance"]
    path = served.file("herald.yaml", exported)
    assert await served.herald("check", "-f", path) == (0, f"{path}: valid\n", "")
    assert await served.herald("apply", "-f", path) == (0, "no changes\n", "")

    data["routes"]["routes"][0]["group_wait"] = "1m"
    data["time_intervals"].append({"name": "nights", "time_intervals": [{"times": [{"start_time": "22:00", "end_time": "24:00"}]}]})  # fmt: skip
    data["inhibit_rules"] = []
    data["silences"][0]["ends_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    changed = served.file("changed.yaml", yaml.safe_dump(data))
    before = [await served.get(p) for p in ("routes", "time-intervals", "inhibit-rules", "silences")]
    code, out, err = await served.herald("apply", "-f", changed, "--dry-run")
    assert (code, err) == (0, "")
    assert "create time interval nights" in out
    assert 'delete inhibit rule alertname="Down" -> alertname="Slow"' in out
    assert "update silence" in out
    assert "+    group_wait: 1m" in out and "update routing tree (version 1)" in out
    assert [await served.get(p) for p in ("routes", "time-intervals", "inhibit-rules", "silences")] == before

    code, applied, err = await served.herald("apply", "-f", changed)
    assert (code, err) == (0, "")
    assert out.endswith("\n(dry run: nothing written)\n")
    assert applied == out.removesuffix("(dry run: nothing written)\n")
    routes = await served.get("routes")
    assert (routes["version"], routes["tree"]["routes"][0]["group_wait"]) == (2, "1m")
    assert await served.get("inhibit-rules") == []
    assert sorted(i["name"] for i in await served.get("time-intervals")) == ["nights", "weekends"]
    assert await served.herald("apply", "-f", changed) == (0, "no changes\n", "")


async def test_a_bad_file_names_the_field_and_writes_nothing(served: Served) -> None:
    await seed(served)
    code, out, err = await asyncio.to_thread(run, ["config", "--url", served.url, "--api-key", "nope", "export"])
    assert (code, out) == (2, "")
    assert err.startswith("herald config export: Herald's API refused GET /api/v1/routes: 401 ")
    bad = served.file(
        "bad.yaml",
        "routes:\n  routes:\n    - matchers: ['team=\"db\"']\n      group_wait: soon\n"
        "inhibit_rules: []\ntime_intervals: []\n",
    )
    before = [await served.get(p) for p in ("routes", "time-intervals", "inhibit-rules")]
    for command in ("check", "apply"):
        code, out, err = await served.herald(command, "-f", bad)
        assert (code, out) == (1, "")
        assert err.startswith(f"{bad}: routes.routes[0].group_wait: ") and err.count("\n") == 1, err
    unknown = served.file("unknown.yaml", "routes:\n  channels: [nowhere]\n")
    code, _, err = await served.herald("apply", "-f", unknown)
    assert (code, err) == (1, f"{unknown}: routes.channels[0]: unknown channel 'nowhere' (channels are named)\n")
    dropped = served.file("dropped.yaml", "time_intervals: []\n")  # the server's tree still names `weekends`
    code, _, err = await served.herald("apply", "-f", dropped)
    assert (code, err) == (1, f"{dropped}: time_intervals: the server's routing tree names it "
                              "(routes.routes[0].mute_time_intervals[0]): unknown time interval 'weekends'\n")  # fmt: skip
    assert [await served.get(p) for p in ("routes", "time-intervals", "inhibit-rules")] == before


def amtool_receivers(config: Path, labels: dict[str, str]) -> list[str]:
    argv = [amtool_binary(), "config", "routes", "test", f"--config.file={config}"]
    done = subprocess.run(
        [*argv, *(f'{k}="{v}"' for k, v in labels.items())], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.strip().split(",")


LABEL_SETS = [
    {},
    {"service": "foo1", "severity": "critical"},
    {"service": "baz"},
    {"service": "files", "severity": "critical"},
    {"service": "database", "owner": "team-X"},
    {"service": "database", "owner": "team-Y", "severity": "critical"},
    {"team": "db", "env": "prod"},
    {"team": "db"},
    {"team": "web", "env": "dev"},
    {"team": "app"},
    {"team": "ops"},
]


def source_text(source: str) -> str:
    return DEBIAN_EXAMPLE.read_text() if source == "debian-simple" else EVERY_RECEIVER


@pytest.mark.parametrize("source", ["debian-simple", "every-receiver"])
async def test_an_imported_alertmanager_config_routes_as_amtool_says(served: Served, source: str) -> None:
    text = source_text(source)
    original = Path(served.file("alertmanager.yml", text))
    output = str(served.directory / "herald.yaml")
    code, out, err = await served.herald("import-alertmanager", str(original), "-o", output, "--create-channels")
    assert (code, out) == (3, "")  # written, with unmapped fields
    assert "unmapped: templates: " in err
    if source == "every-receiver":
        for path in ("opsgenie_configs", "victorops_configs", "telegram_configs", "sns_configs"):
            assert f"unmapped: receivers[5].{path}: Herald has no " in err
        for path in ("global.resolve_timeout", "receivers[0].webhook_configs[0].max_alerts"):
            assert f"unmapped: {path}: " in err
        assert "unmapped: receivers[1].slack_configs[0].title: a message template" in err
        types = {c["name"]: c["type"] for c in await served.get("channels")}
        assert types == {
            "hook": "webhook",
            "db/email0": "email",
            "db/slack0": "slack",
            "pager": "pagerduty",
            "chat/discord0": "discord",
            "chat/msteams0": "teams",
        }
    code, dry_run, _ = await served.herald("apply", "-f", output, "--dry-run")
    assert code == 0 and "update routing tree" in dry_run
    assert await served.herald("apply", "-f", output) == (0, dry_run.removesuffix("(dry run: nothing written)\n"), "")
    assert await served.herald("apply", "-f", output) == (0, "no changes\n", "")

    # Debian's Alertmanager (0.25) predates msteams_configs (0.26): routing does not depend on a receiver's configs
    data = yaml.safe_load(text)
    for receiver in data["receivers"]:
        receiver.pop("msteams_configs", None)
    served.file("alertmanager.yml", yaml.safe_dump(data))
    receivers = convert(yaml.safe_load(text)).receivers
    names = {c["id"]: c["name"] for c in await served.get("channels")}
    for labels in LABEL_SETS:
        body = {"labels": labels, **({"severity": "critical"} if labels.get("severity") == "critical" else {})}
        answer = await served.http.post("/api/v1/routes/test", json=body)
        assert answer.status_code == 200, answer.text
        herald = [[names[c] for c in match["channels"]] for match in answer.json()["matches"]]
        assert herald == [receivers[r] for r in amtool_receivers(original, labels)], labels


async def test_an_api_that_does_not_answer_is_said_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = await asyncio.to_thread(run, ["config", "--url", url, "export"])
    assert (code, out) == (2, "")
    assert err.startswith(f"herald config export: cannot reach Herald's API at {url}: ") and err.count("\n") == 1
    bad = tmp_path / "alertmanager.yml"
    bad.write_text("receivers: []\n")
    output = tmp_path / "out.yaml"
    code, out, err = await asyncio.to_thread(run, ["config", "import-alertmanager", str(bad), "-o", str(output)])
    assert (code, out, output.exists()) == (1, "", False)
    assert err == f"{bad}: not an Alertmanager configuration: it has no `route`\n"
    path = tmp_path / "herald.yaml"
    path.write_text("routes:\n  group_wait: 10s\n")
    code, out, err = await asyncio.to_thread(run, ["config", "--url", url, "check", "-f", str(path)])
    assert (code, err) == (0, "")
    assert out.startswith(f"{path}: valid (checked locally: cannot reach Herald's API at {url}")
