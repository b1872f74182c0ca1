"""Rules, data sources and heartbeats through the REST API on real PostgreSQL and the dev server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import ScheduleOverlapPolicy, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from api.schemas.rules import RuleIn
from gateway.rule_schedule import ensure_rule_schedule
from models.default_rules import DEFAULT_RULES, seed_rules
from models.defaults import seed_defaults
from tests.integration.conftest import Stack
from tests.support.alerts import add_webhook, eventually
from tests.support.heavy_templates import SILENT_LOOP
from workflows.ids import heartbeat_workflow_id, rule_schedule_id

RULE: dict[str, Any] = {
    "name": "High CPU",
    "query": 'cpu_usage_percent{env="prod"}',
    "aggregation": "avg",
    "window_seconds": 300,
    "comparator": ">",
    "threshold": 90,
    "severity": "high",
    "summary": "CPU {{ value | round(1) }}% on {{ labels.host }}",
}


async def push(stack: Stack, host: str, value: float, name: str = "cpu_usage_percent") -> None:
    sample = {"name": name, "labels": {"host": host, "env": "prod"}, "value": value}
    answer = await stack.http.post("/api/v1/metrics", json={"samples": [sample]}, headers=stack.responder)
    assert answer.status_code == 200, answer.text


async def create_rule(stack: Stack, **changes: Any) -> dict[str, Any]:
    answer = await stack.http.post("/api/v1/alerts/rules/", json=RULE | changes, headers=stack.admin)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"data_source_id": "00000000-0000-0000-0000-000000000000"}, "data_source_id", "unknown data source"),
        ({"query": "rate(http_requests_total[5m])"}, "query", "selector"),
        ({"threshold": "high"}, "threshold", "number"),
        ({"threshold": "90"}, "threshold", "number"),
        ({"for_seconds": 90_000}, "for_seconds", "86400"),
        ({"interval_seconds": 5}, "interval_seconds", "10"),
        ({"window_seconds": 0}, "window_seconds", "10"),
        ({"aggregation": "median"}, "aggregation", "avg"),
        ({"labels": {"bad-name": "x"}}, "labels", "must match"),
        ({"labels": {"__reserved": "x"}}, "labels", "reserved"),
        ({"group_by": ["host", "host"]}, "group_by", "twice"),
        ({"summary": "{{ nope }}"}, "summary", "unknown variable 'nope'"),
        ({"summary": "{% for x in %}"}, "summary", "line 1"),
        ({"details": "{{ rule.__class__.__mro__ }}"}, "details", "sandbox"),
        ({"summary": SILENT_LOOP}, "summary", "template exceeded its render budget (time: over 200 ms)"),
        ({"details": "{{ 'x' * 200000000 }}"}, "details", "template exceeded its render budget (size:"),
        ({"channels": ["00000000-0000-0000-0000-000000000000"]}, "channels.0", "unknown channel"),
        ({"escalation_policy_id": "nope"}, "escalation_policy_id", "unknown escalation policy"),
        ({"no_data": "maybe"}, "no_data", "keep_last"),
        ({"comparator": "=>"}, "comparator", ">="),
    ],
)
async def test_bad_rules_are_422_naming_the_field(
    stack: Stack, changes: dict[str, Any], field: str, words: str
) -> None:
    answer = await stack.http.post("/api/v1/alerts/rules/", json=RULE | changes, headers=stack.admin)
    assert answer.status_code == 422, answer.text
    fields = [error["field"] for error in answer.json()["errors"]]
    assert field in fields, answer.text
    assert words in answer.text


async def test_rule_crud_dry_run_and_duplicate_names(stack: Stack) -> None:
    rule = await create_rule(stack)
    assert (rule["state"], rule["health"], rule["instances"]) == ("inactive", "unknown", [])
    duplicate = await stack.http.post("/api/v1/alerts/rules/", json=RULE, headers=stack.admin)
    assert duplicate.status_code == 409 and "High CPU" in duplicate.text
    assert (await stack.http.post("/api/v1/alerts/rules/", json=RULE, headers=stack.responder)).status_code == 403

    await push(stack, "db1", 95.0)
    await push(stack, "web1", 20.0)
    tried = await stack.http.post(f"/api/v1/alerts/rules/{rule['id']}/test", headers=stack.viewer)
    assert tried.status_code == 200, tried.text
    result = tried.json()
    assert result["health"] == "ok" and result["state"] == "firing"
    [db1] = [i for i in result["instances"] if i["labels"].get("host") == "db1"]
    assert (db1["value"], db1["state"], db1["transition"], db1["title"]) == (95.0, "firing", "fire", "CPU 95.0% on db1")
    assert [i["state"] for i in result["instances"] if i["labels"].get("host") == "web1"] == ["inactive"]
    read = (await stack.http.get(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.viewer)).json()
    assert read["instances"] == [] and read["last_evaluated_at"] is None  # a test changes nothing

    draft = await stack.http.post(
        "/api/v1/alerts/rules/test", json=RULE | {"threshold": 10, "group_by": []}, headers=stack.admin
    )
    assert draft.status_code == 200, draft.text
    assert [(i["labels"], i["value"]) for i in draft.json()["instances"]] == [({}, 57.5)]  # avg of both hosts

    updated = await stack.http.put(
        f"/api/v1/alerts/rules/{rule['id']}", json=RULE | {"threshold": 99}, headers=stack.admin
    )
    assert updated.status_code == 200 and updated.json()["threshold"] == 99
    paused = await stack.http.post(f"/api/v1/alerts/rules/{rule['id']}/pause", headers=stack.admin)
    assert paused.json()["enabled"] is False
    listed = await stack.http.get("/api/v1/alerts/rules", headers=stack.viewer)
    assert [r["name"] for r in listed.json()] == ["High CPU"]
    assert (await stack.http.delete(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.admin)).status_code == 204
    assert (await stack.http.get(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.viewer)).status_code == 404


async def test_evaluate_now_raises_and_deleting_the_rule_resolves_its_alert(
    stack: Stack, dev_env: WorkflowEnvironment
) -> None:
    rule = await create_rule(stack, group_by=["host"])
    await push(stack, "db1", 97.0)
    evaluated = await stack.http.post("/api/v1/alerts/evaluate", json={"rule_ids": [rule["id"]]}, headers=stack.admin)
    assert evaluated.status_code == 200, evaluated.text
    assert {k: evaluated.json()[k] for k in ("evaluated", "firing", "transitions", "sent")} == {
        "evaluated": 1,
        "firing": 1,
        "transitions": 1,
        "sent": 1,
    }
    read = (await stack.http.get(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.viewer)).json()
    assert read["state"] == "firing" and read["health"] == "ok"
    [instance] = read["instances"]
    assert instance["labels"] == {"host": "db1"} and instance["outbox"] is None

    async def alerts() -> list[dict[str, Any]]:
        answer = await stack.http.get("/api/v1/alerts/", params={"source": "rule"}, headers=stack.viewer)
        return list(answer.json()["items"])

    [alert] = await eventually(alerts, lambda items: len(items) == 1)
    assert alert["title"] == "CPU 97.0% on db1" and alert["labels"]["alertname"] == "High CPU"
    query = f"HeraldRule = '{rule['id']}'"
    found = await eventually(lambda: _ids(dev_env, query), lambda ids: len(ids) == 1)
    assert found == [f"alert/{stack.tenant}/{instance['alert_key']}"]

    unknown = await stack.http.post("/api/v1/alerts/evaluate", json={"rule_ids": ["nope"]}, headers=stack.admin)
    assert unknown.status_code == 404
    assert (await stack.http.delete(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.admin)).status_code == 204
    await eventually(alerts, lambda items: items[0]["status"] == "resolved")


async def _ids(dev_env: WorkflowEnvironment, query: str) -> list[str]:
    return [wf.id async for wf in dev_env.client.list_workflows(query)]


async def test_the_schedule_evaluates_due_rules_and_an_update_keeps_it_paused(
    stack: Stack, dev_env: WorkflowEnvironment
) -> None:
    settings = stack.settings.model_copy(update={"rule_tick_seconds": 2})
    assert await ensure_rule_schedule(dev_env.client, settings) == "created"
    handle = dev_env.client.get_schedule_handle(rule_schedule_id(settings.temporal_task_queue))
    try:
        rule = await create_rule(stack, name="Scheduled", interval_seconds=10)
        await push(stack, "db7", 99.0)

        async def state() -> dict[str, Any]:
            return dict((await stack.http.get(f"/api/v1/alerts/rules/{rule['id']}", headers=stack.viewer)).json())

        firing = await eventually(state, lambda r: r["state"] == "firing", within=60)  # one snapshot: all fields agree
        assert firing["last_evaluated_at"] is not None and firing["next_evaluation_at"] > firing["last_evaluated_at"]
        description = await handle.describe()
        assert description.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
        assert description.info.num_actions >= 1

        await handle.pause(note="maintenance")
        assert await ensure_rule_schedule(dev_env.client, settings) == "updated"  # a restart does not unpause it
        assert (await handle.describe()).schedule.state.paused
    finally:
        await handle.delete()


async def test_data_sources_keep_secrets_and_refuse_deletion_while_used(stack: Stack) -> None:
    body = {"name": "prom", "url": "http://127.0.0.1:9/", "username": "u", "password": "p4ss", "bearer_token": None}
    created = await stack.http.post("/api/v1/datasources", json=body, headers=stack.admin)
    assert created.status_code == 201, created.text
    source = created.json()
    assert source["password"] == "********" and "p4ss" not in created.text and source["url"] == "http://127.0.0.1:9"
    kept = await stack.http.put(
        f"/api/v1/datasources/{source['id']}", json=body | {"password": "********"}, headers=stack.admin
    )
    assert kept.json()["password"] == "********"
    tested = await stack.http.post(f"/api/v1/datasources/{source['id']}/test", headers=stack.admin)
    assert tested.json()["ok"] is False and "unreachable" in tested.json()["detail"]

    # Prometheus cannot be asked (nothing listens): the rule is accepted and shows the error when tested.
    rule = await create_rule(stack, name="Remote", data_source_id=source["id"], query="up == 0", aggregation=None)
    tried = await stack.http.post(f"/api/v1/alerts/rules/{rule['id']}/test", headers=stack.viewer)
    assert (
        tried.json()["health"] == "error"
        and tried.json()["state"] == "error"
        and "unreachable" in tried.json()["error"]
    )
    grouped = await stack.http.post(
        "/api/v1/alerts/rules/",
        json=RULE | {"name": "g", "data_source_id": source["id"], "group_by": ["x"]},
        headers=stack.admin,
    )
    assert grouped.status_code == 422 and "by (" in grouped.text
    used = await stack.http.delete(f"/api/v1/datasources/{source['id']}", headers=stack.admin)
    assert used.status_code == 409 and "Remote" in used.text
    bad_url = await stack.http.post(
        "/api/v1/datasources", json=body | {"name": "x", "url": "ftp://x"}, headers=stack.admin
    )
    assert bad_url.status_code == 422 and "url" in bad_url.text


async def test_heartbeat_monitors_through_the_api(stack: Stack, dev_env: WorkflowEnvironment) -> None:
    created = await stack.http.post(
        "/api/v1/heartbeats",
        json={"name": "nightly-backup", "interval_seconds": 86_400, "grace_seconds": 600},
        headers=stack.admin,
    )
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["status"] == "new" and monitor["next_deadline"] is not None
    handle = dev_env.client.get_workflow_handle(heartbeat_workflow_id(stack.tenant, monitor["id"]))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING

    posted = await stack.http.post("/api/v1/heartbeats/nightly-backup/ping", headers=stack.responder)
    assert posted.status_code == 200, posted.text
    got = await stack.http.get("/api/v1/heartbeats/nightly-backup/ping", headers=stack.responder)
    assert got.status_code == 200
    read = (await stack.http.get("/api/v1/heartbeats/nightly-backup", headers=stack.viewer)).json()
    assert (read["status"], read["ping_count"]) == ("up", 2)

    for bad, field in [
        ({"name": "has space", "interval_seconds": 60}, "name"),
        ({"name": "x", "interval_seconds": 5}, "interval_seconds"),
    ]:
        answer = await stack.http.post("/api/v1/heartbeats", json=bad, headers=stack.admin)
        assert answer.status_code == 422 and field in answer.text
    again = await stack.http.post(
        "/api/v1/heartbeats", json={"name": "nightly-backup", "interval_seconds": 60}, headers=stack.admin
    )
    assert again.status_code == 409
    assert (await stack.http.post("/api/v1/heartbeats/unknown/ping", headers=stack.responder)).status_code == 404
    assert (await stack.http.delete("/api/v1/heartbeats/nightly-backup", headers=stack.admin)).status_code == 204
    await handle.result()  # the stop signal ends the monitor's workflow


async def test_default_rules_are_valid_seeded_once_and_work_on_their_documented_metrics(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        assert await seed_defaults(session, stack.tenant)
        await session.flush()
        assert await seed_rules(session, stack.tenant)
    async with sessions.begin() as session:
        assert not await seed_rules(session, stack.tenant)  # idempotent: a tenant with rules keeps its own
    rules = (await stack.http.get("/api/v1/alerts/rules/", headers=stack.viewer)).json()
    assert sorted(r["name"] for r in rules) == sorted(spec["name"] for spec in DEFAULT_RULES)
    policies = {
        p["name"]: p["id"] for p in (await stack.http.get("/api/v1/escalation-policies", headers=stack.viewer)).json()
    }
    for rule in rules:
        body = {name: rule[name] for name in RuleIn.model_fields}
        again = await stack.http.put(f"/api/v1/alerts/rules/{rule['id']}", json=body, headers=stack.admin)
        assert again.status_code == 200, again.text  # every default passes the API's own checks
        expected = "Critical Alert Escalation" if rule["severity"] == "critical" else "Standard Escalation"
        assert rule["escalation_policy_id"] == policies[expected]

    sample = {"name": "disk_free_percent", "labels": {"host": "db1", "mountpoint": "/var"}, "value": 4.5}
    assert (
        await stack.http.post("/api/v1/metrics", json={"samples": [sample]}, headers=stack.responder)
    ).status_code == 200
    [disk] = [r for r in rules if r["name"] == "Disk Space Low"]
    [instance] = (await stack.http.post(f"/api/v1/alerts/rules/{disk['id']}/test", headers=stack.viewer)).json()[
        "instances"
    ]
    assert (instance["state"], instance["title"]) == ("pending", "Disk /var on db1: 4.5% free")


async def test_a_channel_or_policy_named_by_a_rule_or_heartbeat_cannot_be_deleted(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    channel = await add_webhook(sessions, stack.tenant, "http://127.0.0.1:9/hook", is_default=False)
    async with sessions.begin() as session:
        await seed_defaults(session, stack.tenant)
    policies = {
        p["name"]: p["id"] for p in (await stack.http.get("/api/v1/escalation-policies", headers=stack.viewer)).json()
    }
    policy = policies["Critical Alert Escalation"]
    await create_rule(stack, channels=[channel])
    monitor = {"name": "cron", "interval_seconds": 3600, "escalation_policy_id": policy}
    assert (await stack.http.post("/api/v1/heartbeats", json=monitor, headers=stack.admin)).status_code == 201
    channel_delete = await stack.http.delete(f"/api/v1/channels/{channel}", headers=stack.admin)
    assert channel_delete.status_code == 409 and "rule 'High CPU'" in channel_delete.text
    policy_delete = await stack.http.delete(f"/api/v1/escalation-policies/{policy}", headers=stack.admin)
    assert policy_delete.status_code == 409 and "heartbeat 'cron'" in policy_delete.text


async def test_concurrent_pings_by_get_are_all_counted(stack: Stack) -> None:
    """A GET ping writes: run at the snapshot isolation of reads, two pings at once made the second
    a serialization failure (a 500) instead of a counted ping."""
    created = await stack.http.post(
        "/api/v1/heartbeats", json={"name": "cron", "interval_seconds": 3_600}, headers=stack.admin
    )
    assert created.status_code == 201, created.text
    pings = [
        stack.http.request(method, "/api/v1/heartbeats/cron/ping", headers=stack.responder)
        for method in ["GET", "POST"] * 6  # within the 16 requests of one key at once
    ]
    answers = await asyncio.gather(*pings)
    assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers if a.status_code != 200]
    read = (await stack.http.get("/api/v1/heartbeats/cron", headers=stack.viewer)).json()
    assert read["ping_count"] == 12
    assert (await stack.http.delete("/api/v1/heartbeats/cron", headers=stack.admin)).status_code == 204
