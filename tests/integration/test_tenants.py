"""`/api/v1/tenants` for a platform admin: creation seeded exactly as `herald init` seeds, listing, settings,
per-tenant keys; a disabled tenant refused at every door and at its rule and heartbeat passes, and restored by
enabling it; the `herald tenant` command on the same code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.heartbeats import HeartbeatActivities
from activities.rules import RuleActivities
from devstack.bootstrap import bootstrap
from gateway.client import AlertingClient
from models.api_keys import Role, new_key, store_key
from models.rule_tables import Rule
from models.secrets import secret_box
from models.tables import EscalationPolicy, RoutingTree, Team, Template
from noise.route_store import Routable, route_events
from tests.integration.conftest import Stack
from workflows.payloads import FireEvent
from workflows.rule_payloads import DueRequest, HeartbeatAlert

PATH = "/api/v1/tenants"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def platform(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """A platform admin's key in the stack's tenant."""
    key = new_key()
    async with sessions.begin() as session:
        await store_key(session=session, tenant_id=stack.tenant, name="platform-key", role=Role.PLATFORM, key=key)
    return bearer(key)


def fresh_id() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


async def create(stack: Stack, platform: dict[str, str], **body: Any) -> dict[str, Any]:
    made = await stack.http.post(PATH, headers=platform, json={"id": fresh_id(), **body})
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


async def seeded(sessions: async_sessionmaker[AsyncSession], tenant_id: str) -> dict[str, Any]:
    """The tenant's team, policies, templates, rules and routing tree, ids replaced by names: comparable
    across tenants."""
    skip = {"id", "tenant_id", "created_at", "updated_at", "next_evaluation_at"}

    def plain(row: Any) -> dict[str, Any]:
        return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}

    async with sessions() as session:
        teams = list(await session.scalars(select(Team).where(Team.tenant_id == tenant_id)))
        policies = list(await session.scalars(select(EscalationPolicy).where(EscalationPolicy.tenant_id == tenant_id)))
        templates = list(await session.scalars(select(Template).where(Template.tenant_id == tenant_id)))
        rules = list(await session.scalars(select(Rule).where(Rule.tenant_id == tenant_id)))
        tree = await session.scalar(select(RoutingTree.tree).where(RoutingTree.tenant_id == tenant_id))
    names = {t.id: t.name for t in teams} | {p.id: p.name for p in policies}
    text = json.dumps(
        {
            "teams": sorted((plain(r) for r in teams), key=str),
            "policies": sorted((plain(r) for r in policies), key=str),
            "templates": sorted((plain(r) for r in templates), key=str),
            "rules": sorted((plain(r) for r in rules), key=str),
            "tree": tree,
        },
        default=str,
        sort_keys=True,
    )
    for row_id, name in names.items():
        text = text.replace(row_id, f"<{name}>")
    found: dict[str, Any] = json.loads(text)
    return found


async def test_a_new_tenant_is_seeded_exactly_as_herald_init_seeds(
    stack: Stack, platform: dict[str, str], sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    made = await create(stack, platform, name="Acme", time_zone="Europe/Paris", admin_key={"name": "ops"})
    assert (made["name"], made["time_zone"], made["disabled"], made["active_keys"]) == (
        "Acme",
        "Europe/Paris",
        False,
        1,
    )
    assert made["admin_key"]["role"] == "admin" and made["admin_key"]["key"].startswith("hk_")
    by_init = fresh_id()
    await bootstrap(database_url, by_init, None)  # what `herald init` runs

    ours, theirs = await seeded(sessions, made["id"]), await seeded(sessions, by_init)
    assert [t["name"] for t in ours["teams"]] == ["Operations"]
    assert sorted(p["name"] for p in ours["policies"]) == ["Critical Alert Escalation", "Standard Escalation"]
    assert len(ours["templates"]) == 6 and len(ours["rules"]) == 6 and ours["tree"] is not None
    assert ours == theirs

    # The first admin key works in its tenant, and only there.
    own = bearer(made["admin_key"]["key"])
    policies = await stack.http.get("/api/v1/escalation-policies", headers=own)
    assert policies.status_code == 200 and len(policies.json()) == 2
    assert (await stack.http.get("/api/v1/tenant", headers=own)).json()["id"] == made["id"]


async def test_only_a_platform_admin_manages_tenants(stack: Stack, platform: dict[str, str]) -> None:
    for headers in (stack.admin, stack.responder, stack.viewer):
        refused = await stack.http.get(PATH, headers=headers)
        assert refused.status_code == 403, refused.text
        assert "needs the platform role" in refused.json()["detail"]
    refused = await stack.http.post(PATH, headers=stack.admin, json={"id": fresh_id()})
    assert refused.status_code == 403 and "platform" in refused.json()["detail"]
    # A tenant admin cannot make itself a platform admin.
    escalate = await stack.http.post("/api/v1/api-keys", headers=stack.admin, json={"name": "x", "role": "platform"})
    assert escalate.status_code == 403 and "cannot create a platform key" in escalate.json()["detail"]
    # The platform key is its own tenant's admin too.
    assert (await stack.http.get("/api/v1/api-keys", headers=platform)).status_code == 200


async def test_creation_refuses_an_existing_or_bad_id_and_bad_settings(stack: Stack, platform: dict[str, str]) -> None:
    made = await create(stack, platform)
    again = await stack.http.post(PATH, headers=platform, json={"id": made["id"]})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    taken = await stack.http.post(PATH, headers=platform, json={"id": stack.tenant})
    assert taken.status_code == 409
    for bad in ("has/slash", "-lead", "x" * 64, ""):
        answer = await stack.http.post(PATH, headers=platform, json={"id": bad})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["id"], answer.text
    for field, value in (("default_repeat_interval", "1m"), ("retention_days", 0), ("time_zone", "Mars/Base")):
        refused_id = fresh_id()
        answer = await stack.http.post(PATH, headers=platform, json={"id": refused_id, field: value})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field, answer.text
        # Nothing of a refused creation is left.
        assert (await stack.http.get(f"{PATH}/{refused_id}", headers=platform)).status_code == 404


async def test_list_pages_by_id_with_counts_and_get_and_patch(stack: Stack, platform: dict[str, str]) -> None:
    first = await create(stack, platform, admin_key={"name": "a"})
    await create(stack, platform)
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await stack.http.get(PATH, headers=platform, params=params)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    ids = [t["id"] for t in seen]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) and first["id"] in ids
    mine = next(t for t in seen if t["id"] == first["id"])
    assert (mine["active_keys"], mine["open_alerts"]) == (1, 0)
    assert (await stack.http.get(PATH, headers=platform, params={"cursor": "nope"})).status_code == 422

    one = f"{PATH}/{first['id']}"
    assert (await stack.http.get(one, headers=platform)).json()["id"] == first["id"]
    assert (await stack.http.get(f"{PATH}/no-such-tenant", headers=platform)).status_code == 404
    changed = await stack.http.patch(
        one,
        headers=platform,
        json={"name": "Renamed", "retention_days": 30, "default_repeat_interval": "2h", "max_silence_duration": "1w"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["retention_days"], body["default_repeat_interval"], body["max_silence_duration"]) == (
        "Renamed",
        30,
        "2h",
        "1w",
    )
    bad = await stack.http.patch(one, headers=platform, json={"resolve_timeout": "9d"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "resolve_timeout"
    assert (await stack.http.patch(f"{PATH}/nope", headers=platform, json={"name": "x"})).status_code == 404


async def test_the_tenant_default_repeat_interval_applies_where_no_route_sets_one(
    stack: Stack, platform: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = await create(stack, platform, admin_key={"name": "a"})
    admin = bearer(made["admin_key"]["key"])
    tree = {"tree": {"group_by": ["..."], "routes": [{"matchers": ['team="db"'], "repeat_interval": "15m"}]}}
    put = await stack.http.put("/api/v1/routes", headers=admin | {"If-Match": '"1"'}, json=tree)
    assert put.status_code == 200, put.text

    async def repeat(labels: dict[str, str]) -> timedelta:
        event = FireEvent(action="trigger", received_at=datetime.now(UTC), actor="test")
        item = Routable(event=event, labels=labels, severity="high", category="system")
        async with sessions() as session:
            [[routed]] = await route_events(session, made["id"], [item])
        return routed.event.options.repeat_interval

    assert await repeat({"team": "web"}) == timedelta(hours=4)  # nobody sets one: the tree's default
    patched = await stack.http.patch(f"{PATH}/{made['id']}", headers=platform, json={"default_repeat_interval": "2h"})
    assert patched.status_code == 200, patched.text
    assert await repeat({"team": "web"}) == timedelta(hours=2)
    assert await repeat({"team": "db"}) == timedelta(minutes=15)  # the route's own wins
    await stack.http.patch("/api/v1/tenant", headers=admin, json={"default_repeat_interval": None})
    assert await repeat({"team": "web"}) == timedelta(hours=4)


async def test_a_platform_admin_manages_any_tenants_keys(stack: Stack, platform: dict[str, str]) -> None:
    made = await create(stack, platform)
    keys = f"{PATH}/{made['id']}/api-keys"
    key = await stack.http.post(
        keys, headers=platform, json={"name": "grafana", "role": "viewer", "expires_in_days": 1}
    )
    assert key.status_code == 201, key.text
    assert key.json()["expires_at"] is not None
    viewer = bearer(key.json()["key"])
    assert (await stack.http.get("/api/v1/tenant", headers=viewer)).json()["id"] == made["id"]
    listed = await stack.http.get(keys, headers=platform)
    assert [k["name"] for k in listed.json()] == ["grafana"] and key.json()["key"] not in listed.text
    rotated = await stack.http.post(f"{keys}/{key.json()['id']}/rotate", headers=platform, json={"grace_seconds": 0})
    assert rotated.status_code == 201, rotated.text
    assert (await stack.http.get("/api/v1/tenant", headers=viewer)).status_code == 401
    assert (await stack.http.delete(f"{keys}/{rotated.json()['id']}", headers=platform)).status_code == 204
    assert (await stack.http.get("/api/v1/tenant", headers=bearer(rotated.json()["key"]))).status_code == 401
    # Another tenant's key is not found through this tenant's path.
    own = (await stack.http.get("/api/v1/api-keys", headers=stack.admin)).json()[0]["id"]
    assert (await stack.http.delete(f"{keys}/{own}", headers=platform)).status_code == 404
    assert (await stack.http.get(f"{PATH}/nope/api-keys", headers=platform)).status_code == 404
    assert (
        await stack.http.post(f"{PATH}/nope/api-keys", headers=platform, json={"name": "x", "role": "viewer"})
    ).status_code == 404


async def test_a_disabled_tenant_is_refused_at_every_door_until_enabled(
    stack: Stack, platform: dict[str, str], sessions: async_sessionmaker[AsyncSession], dev_env: WorkflowEnvironment
) -> None:
    made = await create(stack, platform, admin_key={"name": "ops"})
    tenant = made["id"]
    admin = bearer(made["admin_key"]["key"])
    pd = await stack.http.post("/api/v1/integrations", headers=admin, json={"name": "pd", "kind": "pagerduty"})
    assert pd.status_code == 201, pd.text
    monitor = await stack.http.post(
        "/api/v1/heartbeats", headers=admin, json={"name": "backup", "interval_seconds": 3600}
    )
    assert monitor.status_code == 201, monitor.text
    browser = stack.http  # its cookie jar keeps the console session; requests with a key use the key
    if True:
        signed = await browser.post("/api/v1/session", json={"api_key": made["admin_key"]["key"]})
        assert signed.status_code == 200, signed.text

        event = {"events": [{"title": "Disk full", "severity": "high", "labels": {"host": "db1"}}]}
        doors: list[tuple[str, str, dict[str, Any] | list[Any] | None, dict[str, str]]] = [
            ("POST", "/api/v1/events", event, admin),
            ("POST", "/api/v2/alerts", [{"labels": {"alertname": "DiskFull"}}], admin),
            (
                "POST",
                "/api/v1/integrations/alertmanager",
                {
                    "version": "4",
                    "groupKey": "{}:{}",
                    "status": "firing",
                    "receiver": "herald",
                    "groupLabels": {},
                    "commonLabels": {},
                    "commonAnnotations": {},
                    "externalURL": "http://am.example",
                    "alerts": [
                        {
                            "status": "firing",
                            "labels": {"alertname": "X"},
                            "annotations": {},
                            "startsAt": "2026-07-17T08:00:00Z",
                        }
                    ],
                },
                admin,
            ),
            ("POST", "/v2/enqueue", {"routing_key": pd.json()["key"], "event_action": "resolve", "dedup_key": "x"}, {}),
            ("POST", "/api/v1/heartbeats/backup/ping", None, admin),
            ("GET", "/api/v1/alerts/", None, admin),
        ]

        async def knock() -> list[int]:
            codes = []
            for method, path, body, headers in doors:
                answer = await stack.http.request(method, path, headers=headers, json=body)
                codes.append(answer.status_code)
                if answer.status_code == 403:
                    assert f"tenant {tenant} is disabled" in answer.text, (path, answer.text)
            session = await browser.get("/api/v1/alerts/")
            codes.append(session.status_code)
            return codes

        assert 403 not in await knock()
        disabled = await stack.http.post(f"{PATH}/{tenant}/disable", headers=platform)
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["disabled"] is True and disabled.json()["disabled_at"] is not None
        assert await knock() == [403] * (len(doors) + 1)
        again = await browser.post("/api/v1/session", json={"api_key": made["admin_key"]["key"]})
        assert again.status_code == 403 and f"tenant {tenant} is disabled" in again.json()["detail"]

        # Its rules wait and its monitors stay quiet.
        alerting = AlertingClient(
            dev_env.client, task_queue=stack.settings.temporal_task_queue, update_timeout=30, ingest_concurrency=1
        )
        settings = stack.settings
        async with httpx.AsyncClient() as http:
            rules = RuleActivities(sessions, http, secret_box(settings.secret_key), alerting, settings)
            due = DueRequest(at=datetime.now(UTC), tenant_id=tenant, force=True)
            assert await rules.due(due) == []
            heartbeats = HeartbeatActivities(sessions, alerting, settings)
            missed = HeartbeatAlert(
                tenant_id=tenant, heartbeat_id=monitor.json()["id"], action="trigger", at=datetime.now(UTC)
            )
            assert await heartbeats.alert(missed) == "tenant disabled"

            enabled = await stack.http.post(f"{PATH}/{tenant}/enable", headers=platform)
            assert enabled.status_code == 200 and enabled.json()["disabled"] is False
            assert 403 not in await knock()
            assert sum(len(batch) for batch in await rules.due(due)) == 6

    listed = (await stack.http.get(f"{PATH}/{tenant}", headers=platform)).json()
    assert listed["active_keys"] == 1  # nothing was deleted


async def test_a_platform_admin_cannot_disable_its_own_tenant(stack: Stack, platform: dict[str, str]) -> None:
    refused = await stack.http.post(f"{PATH}/{stack.tenant}/disable", headers=platform)
    assert refused.status_code == 409 and "your own" in refused.json()["detail"]
    assert (await stack.http.get("/api/v1/tenant", headers=stack.admin)).status_code == 200
    assert (await stack.http.post(f"{PATH}/nope/disable", headers=platform)).status_code == 404


def herald(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "herald"), "tenant", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"DATABASE_URL": database_url},
        check=False,
    )


async def test_the_cli_makes_a_platform_key(stack: Stack, database_url: str) -> None:
    argv = ["api-key", "create", "--tenant", stack.tenant, "--name", "ops", "--role", "platform"]
    made = subprocess.run(  # noqa: ASYNC221 (a short CLI run)
        [str(Path(sys.executable).parent / "herald"), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"DATABASE_URL": database_url},
        check=False,
    )
    assert made.returncode == 0, made.stderr
    key = bearer(made.stdout.strip())
    assert (await stack.http.get(PATH, headers=key)).status_code == 200
    assert (await stack.http.get("/api/v1/channels", headers=key)).status_code == 200  # its tenant's admin too


async def test_the_cli_creates_lists_renames_disables_and_enables(stack: Stack, database_url: str) -> None:
    tenant = fresh_id()
    made = herald(database_url, "create", tenant, "--name", "Acme", "--admin-key", "ops", "--retention-days", "30")
    assert made.returncode == 0, made.stderr
    shown = json.loads(made.stdout)
    assert (shown["id"], shown["name"], shown["retention_days"], shown["active_keys"]) == (tenant, "Acme", 30, 1)
    key = bearer(shown["admin_key"]["key"])
    assert len((await stack.http.get("/api/v1/escalation-policies", headers=key)).json()) == 2  # seeded

    listed = herald(database_url, "list")
    assert listed.returncode == 0, listed.stderr
    [line] = [row for row in listed.stdout.splitlines() if row.startswith(tenant + " ")]
    assert line.split()[1:4] == ["enabled", "1", "0"] and line.endswith("Acme")

    assert herald(database_url, "rename", tenant, "Acme Corp").returncode == 0
    disabled = herald(database_url, "disable", tenant)
    assert disabled.returncode == 0 and "disabled" in disabled.stdout, disabled.stderr
    refused = await stack.http.get("/api/v1/tenant", headers=key)
    assert refused.status_code == 403 and f"tenant {tenant} is disabled" in refused.text
    assert json.loads(herald(database_url, "show", tenant).stdout)["name"] == "Acme Corp"
    assert herald(database_url, "enable", tenant).returncode == 0
    assert (await stack.http.get("/api/v1/tenant", headers=key)).status_code == 200
    logged = (await stack.http.get("/api/v1/audit", headers=key, params={"limit": 50})).json()["items"]
    done = [(row["resource"], row["action"], row["actor"]["via"]) for row in reversed(logged)]
    assert done == [
        ("tenant", "create", "cli"),
        ("api_key", "create", "cli"),
        ("tenant", "update", "cli"),
        ("tenant", "disable", "cli"),
        ("tenant", "enable", "cli"),
    ], done

    exists = herald(database_url, "create", tenant)
    assert exists.returncode == 2 and "already exists" in exists.stderr
    bad = herald(database_url, "create", "no/slash")
    assert bad.returncode == 2 and "--id:" in bad.stderr, bad.stderr
    zone = herald(database_url, "create", fresh_id(), "--time-zone", "Mars/Base")
    assert zone.returncode == 2 and "--time-zone" in zone.stderr, zone.stderr
    missing = herald(database_url, "disable", "no-such-tenant")
    assert missing.returncode == 2 and "not found" in missing.stderr
