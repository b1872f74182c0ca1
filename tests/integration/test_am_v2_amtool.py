"""The real amtool (generated from Alertmanager's OpenAPI document, and checking what it reads) as the
conformance client of Herald's Alertmanager API v2, over real HTTP to a served API and a worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from amapi.fingerprint import fingerprint
from models.api_keys import Role
from settings import Settings
from tests.support.alerts import eventually
from tests.support.amtool_client import Amtool
from tests.support.served import ServedHerald, served_herald


@pytest.fixture
async def herald(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[ServedHerald]:
    async with served_herald(dev_settings, sessions, dev_env.client) as served:
        yield served


async def post(herald: ServedHerald, alerts: list[dict[str, Any]]) -> None:
    answer = await herald.http.post("/api/v2/alerts", json=alerts, headers=herald.headers(Role.RESPONDER))
    assert answer.status_code == 200, answer.text


async def test_amtool_queries_alerts_with_alertmanagers_fingerprints(herald: ServedHerald, tmp_path: Path) -> None:
    amtool = Amtool(tmp_path, herald.url, herald.keys[Role.VIEWER])
    rule = await herald.http.post(
        "/api/v1/inhibit-rules",
        json={"source_matchers": 'alertname="NodeDown"', "target_matchers": 'alertname="DiskSlow"', "equal": ["host"]},
    )
    assert rule.status_code == 201, rule.text
    await post(
        herald,
        [
            {"labels": {"alertname": "NodeDown", "host": "db1"}, "annotations": {"summary": "db1 is down"}},
            {"labels": {"alertname": "DiskSlow", "host": "db1"}},
            {"labels": {"alertname": "DiskSlow", "host": "db2"}},
            {"labels": {"alertname": "Batch", "job": "nightly"}},
        ],
    )
    responder = Amtool(tmp_path, herald.url, herald.keys[Role.RESPONDER])
    await responder.ok("silence", "add", "-c", "nightly batch", "--author", "ann", 'job="nightly"')

    async def listed() -> list[dict[str, Any]]:
        return list(await amtool.json("alert", "query"))

    shown = await eventually(listed, lambda alerts: len(alerts) == 2)  # default: active only
    assert sorted(a["labels"]["alertname"] + "/" + a["labels"].get("host", "") for a in shown) == [
        "DiskSlow/db2",
        "NodeDown/db1",
    ]
    for alert in shown:
        assert alert["fingerprint"] == fingerprint(alert["labels"]) and alert["status"]["state"] == "active"

    silenced = await amtool.json("alert", "query", "--silenced")
    assert [a["labels"]["alertname"] for a in silenced] == ["Batch"]
    assert silenced[0]["status"]["state"] == "suppressed" and len(silenced[0]["status"]["silencedBy"]) == 1
    inhibited = await amtool.json("alert", "query", "--inhibited")
    assert [(a["labels"]["alertname"], a["labels"]["host"]) for a in inhibited] == [("DiskSlow", "db1")]
    assert inhibited[0]["status"]["inhibitedBy"]
    filtered = await amtool.json("alert", "query", "-a", "-s", "-i", 'alertname=~"Disk.*"')
    assert sorted(a["labels"]["host"] for a in filtered) == ["db1", "db2"]
    simple = await amtool.ok("alert", "query", "alertname=NodeDown")
    assert "NodeDown" in simple and "db1 is down" in simple


async def test_amtool_adds_queries_expires_and_imports_silences(herald: ServedHerald, tmp_path: Path) -> None:
    amtool = Amtool(tmp_path, herald.url, herald.keys[Role.RESPONDER], basic=True)
    first = (await amtool.ok("silence", "add", "-c", "deploy", "--author", "ann", "-d", "2h", 'service="api"')).strip()
    second = (await amtool.ok("silence", "add", "-c", "db work", 'env=~"prod|dr"', "host!=db9")).strip()
    queried = await amtool.json("silence", "query")
    assert {s["id"] for s in queried} == {first, second}
    mine = next(s for s in queried if s["id"] == second)
    assert {(m["name"], m["value"], m["isRegex"], m["isEqual"]) for m in mine["matchers"]} == {
        ("env", "prod|dr", True, True),
        ("host", "db9", False, False),
    }
    assert mine["status"]["state"] == "active" and mine["comment"] == "db work"
    assert [s["id"] for s in await amtool.json("silence", "query", 'service="api"')] == [first]

    await amtool.ok("silence", "expire", first)
    assert {s["id"] for s in await amtool.json("silence", "query")} == {second}
    expired = await amtool.json("silence", "query", "--expired")
    assert [(s["id"], s["status"]["state"]) for s in expired] == [(first, "expired")]

    exported = await amtool.ok("-o", "json", "silence", "query")  # `second`, active
    await amtool.ok("silence", "expire", second)
    await amtool.ok("silence", "import", stdin=exported.encode())  # its id has expired: made anew
    [imported] = await amtool.json("silence", "query")
    assert imported["id"] not in (first, second) and imported["comment"] == "db work"
    assert {m["name"] for m in imported["matchers"]} == {"env", "host"}

    viewer = Amtool(tmp_path, herald.url, herald.keys[Role.VIEWER])
    code, _, err = await viewer.run("silence", "add", "-c", "no", 'a="b"')
    assert code != 0, err  # a viewer key reads but cannot silence


async def test_amtool_reads_status_and_the_config_as_alertmanager_yaml(herald: ServedHerald, tmp_path: Path) -> None:
    channel = await herald.http.post(
        "/api/v1/channels", json={"name": "ops", "type": "webhook", "config": {"url": "http://127.0.0.1:9/ops"}}
    )
    assert channel.status_code == 201, channel.text
    tree = {"group_by": ["alertname"], "routes": [{"matchers": ['team="ops"'], "channels": [channel.json()["id"]]}]}
    answer = await herald.http.put("/api/v1/routes", json={"tree": tree}, headers={"If-Match": '"0"'})
    assert answer.status_code == 200, answer.text
    amtool = Amtool(tmp_path, herald.url, herald.keys[Role.VIEWER])
    shown = await amtool.ok("config", "show")
    assert "receiver: ops" in shown and 'team="ops"' in shown and "resolve_timeout: 5m" in shown
    routes = await amtool.ok("config", "routes")
    assert "ops" in routes and "default" in routes
    receivers = (await herald.http.get("/api/v2/receivers")).json()
    assert [r["name"] for r in receivers] == ["default", "ops"]
