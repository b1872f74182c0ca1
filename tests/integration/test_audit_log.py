"""The audit log against the real stack (API, worker, Temporal dev server, PostgreSQL).

`test_every_write_route_records_an_audit_row` walks the app's routes: every POST, PUT, PATCH and DELETE
must be sent by the walk (and leave an audit row of the expected resource and action) or be in
EXEMPT with its reason, or in ELSEWHERE naming the test that checks its row. A route added without
either fails it. The walk also sends secrets and checks that none reaches the log.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import SecretStr
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.retention import RetentionActivities
from api.app import create_app
from models.api_keys import Role, ensure_tenant, new_key, store_key
from models.secrets import new_secret_key
from models.tables import AuditEntry, Channel, Tenant
from settings import Settings
from tests.integration.conftest import Stack, api_stack, make_keys
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver
from worker import build_worker
from workflows.retention_payloads import PurgeRequest

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Writes that change no configuration and act on no alert, with the reason. Everything else is audited.
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/events"): "event ingest: data, not a change (the events are the alerts' timeline)",
    ("POST", "/api/v2/alerts"): "Alertmanager API v2 ingest: data, not a change",
    ("POST", "/api/v1/integrations/alertmanager"): "Alertmanager webhook ingest: data, not a change",
    ("POST", "/v2/enqueue"): "PagerDuty Events v2 ingest: data, not a change",
    ("POST", "/v2/change/enqueue"): "PagerDuty change events: data (the change timeline), not a change to Herald",
    ("POST", "/api/v1/metrics"): "metric samples: data, not a change",
    ("POST", "/api/v1/heartbeats/{name}/ping"): "a heartbeat ping: data, not a change",
    ("POST", "/api/v1/alerts/rules/test"): "a dry run of an unsaved rule: stores nothing",
    ("POST", "/api/v1/alerts/rules/{rule_id}/test"): "a dry run of a rule: stores nothing",
    ("POST", "/api/v1/datasources/{source_id}/test"): "a read-only query (vector(1)) to the source",
    ("POST", "/api/v1/routes/test"): "which routes a label set takes: stores nothing",
    ("POST", "/api/v1/silences/preview"): "the alerts a draft silence would match: stores nothing",
    ("POST", "/api/v1/templates/preview"): "a render of a template: stores nothing",
    ("DELETE", "/api/v1/routes"): "always 405: the root route cannot be deleted",
}

# Audited writes whose audit row another test checks (they need a set-up this walk does not have).
ELSEWHERE: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/integrations/slack/actions"): "tests/integration/test_channel_flows.py::"
    "test_a_slack_acknowledge_acts_once_and_both_providers_follow (a signed Slack click)",
}

# Secrets the walk sends: none may appear in any audit row.
SECRETS = [
    "whsec-audit-0123456789",
    "hdr-audit-token-value",
    "urltoken-audit-secret",
    "bearer-audit-secret-1",
    "pw-audit-secret-value",
]


def write_routes() -> set[tuple[str, str]]:
    """Every write the app serves, documented or not (`include_in_schema=False` aliases too)."""
    settings = Settings(_env_file=None).model_copy(update={"secret_key": SecretStr(new_secret_key())})
    app = create_app(settings)
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):  # included routers flattened, hidden routes too
        if isinstance(route.original_route, APIRoute) and route.path:
            found |= {(method, route.path) for method in set(route.methods or ()) & WRITES}
    return found


@pytest.fixture
async def audited_stack(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[Stack]:
    async with (
        api_stack(dev_settings, sessions) as api,
        build_worker(dev_env.client, sessions, dev_settings) as worker,
        worker,
    ):
        yield api


class Walk:
    """Sends one write and checks the audit rows it added (resource and action)."""

    def __init__(self, stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.stack, self.sessions = stack, sessions
        self.done: set[tuple[str, str]] = set()

    async def last_id(self, tenant: str) -> int:
        async with self.sessions() as session:
            found = await session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.tenant_id == tenant))
        return int(found or 0)

    async def __call__(
        self,
        method: str,
        route: str,
        path: str,
        body: Any = None,
        expect: int = 200,
        *,
        audited: tuple[str, str],
        headers: dict[str, str] | None = None,
        log: str | None = None,
    ) -> Any:
        """`log`: the tenant whose log gets the row (default the stack's; a platform admin's change is on the
        log of the tenant it changed)."""
        tenant = log or self.stack.tenant
        since = await self.last_id(tenant)
        answer = await self.stack.http.request(
            method, path, json=body, headers=self.stack.admin if headers is None else headers
        )
        assert answer.status_code == expect, (method, path, answer.text)
        async with self.sessions() as session:
            rows = (
                await session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant, AuditEntry.id > since))
            ).all()
        assert (audited[0], audited[1]) in {(r.resource, r.action) for r in rows}, (method, path, rows)
        for row in rows:
            assert row.request_id and row.client_address, row
        self.done.add((method, route))
        return answer.json() if answer.content else None


async def test_every_write_route_records_an_audit_row(
    audited_stack: Stack, sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver
) -> None:
    stack = audited_stack
    w = Walk(stack, sessions)
    base = "/api/v1"
    user = await w(
        "POST",
        f"{base}/users",
        f"{base}/users",
        {
            "name": "Ann",
            "email": "ann@example.com",
            "contact_methods": [{"type": "webhook", "address": f"{receiver.url}/ann"}],
        },
        201,
        audited=("user", "create"),
    )
    uid = user["id"]
    await w(
        "PUT",
        f"{base}/users/{{user_id}}",
        f"{base}/users/{uid}",
        {
            "name": "Ann B",
            "email": "ann@example.com",
            "contact_methods": [{"type": "webhook", "address": f"{receiver.url}/ann"}],
        },
        audited=("user", "update"),
    )
    await w(
        "POST",
        f"{base}/users/{{user_id}}/calendar-feed",
        f"{base}/users/{uid}/calendar-feed",
        expect=201,
        audited=("user", "issue_calendar_feed"),
    )
    await w(
        "DELETE",
        f"{base}/users/{{user_id}}/calendar-feed",
        f"{base}/users/{uid}/calendar-feed",
        expect=204,
        audited=("user", "revoke_calendar_feed"),
    )
    team = await w(
        "POST", f"{base}/teams", f"{base}/teams", {"name": "SRE", "member_ids": [uid]}, 201, audited=("team", "create")
    )
    await w(
        "PUT",
        f"{base}/teams/{{team_id}}",
        f"{base}/teams/{team['id']}",
        {"name": "SRE 2", "member_ids": [uid]},
        audited=("team", "update"),
    )
    layer = {
        "name": "weekly",
        "participants": [uid],
        "shift_length": 1,
        "shift_unit": "weeks",
        "start": "2026-01-05T09:00:00",
    }
    sched_body = {"name": "Primary", "time_zone": "UTC", "layers": [layer]}
    sched = await w("POST", f"{base}/schedules", f"{base}/schedules", sched_body, 201, audited=("schedule", "create"))
    sid = sched["id"]
    await w(
        "PUT",
        f"{base}/schedules/{{schedule_id}}",
        f"{base}/schedules/{sid}",
        sched_body | {"name": "P2"},
        audited=("schedule", "update"),
    )
    override = await w(
        "POST",
        f"{base}/schedules/{{schedule_id}}/overrides",
        f"{base}/schedules/{sid}/overrides",
        {"user_id": uid, "start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"},
        201,
        audited=("schedule_override", "create"),
    )
    await w(
        "DELETE",
        f"{base}/schedules/{{schedule_id}}/overrides/{{override_id}}",
        f"{base}/schedules/{sid}/overrides/{override['id']}",
        expect=204,
        audited=("schedule_override", "delete"),
    )
    await w(
        "POST",
        f"{base}/schedules/{{schedule_id}}/calendar-feed",
        f"{base}/schedules/{sid}/calendar-feed",
        expect=201,
        audited=("schedule", "issue_calendar_feed"),
    )
    await w(
        "DELETE",
        f"{base}/schedules/{{schedule_id}}/calendar-feed",
        f"{base}/schedules/{sid}/calendar-feed",
        expect=204,
        audited=("schedule", "revoke_calendar_feed"),
    )
    levels = [
        {"targets": [{"type": "user", "id": uid}], "delay_minutes": 60},
        {"targets": [{"type": "team", "id": team["id"]}], "delay_minutes": 60},
    ]
    policy = await w(
        "POST",
        f"{base}/escalation-policies",
        f"{base}/escalation-policies",
        {"name": "Std", "levels": levels},
        201,
        audited=("escalation_policy", "create"),
    )
    pid = policy["id"]
    await w(
        "PUT",
        f"{base}/escalation-policies/{{policy_id}}",
        f"{base}/escalation-policies/{pid}",
        {"name": "Std 2", "levels": levels},
        audited=("escalation_policy", "update"),
    )
    await w(
        "PUT",
        f"{base}/escalation-policies/routing",
        f"{base}/escalation-policies/routing",
        {"default_policy_id": pid, "routes": []},
        audited=("routing", "replace"),
    )
    hook = {
        "url": f"http://127.0.0.1:9/hook?token={SECRETS[2]}",
        "secret": SECRETS[0],
        "headers": {"X-Token": SECRETS[1]},
    }
    channel = await w(
        "POST",
        f"{base}/channels",
        f"{base}/channels",
        {"name": "hook", "type": "webhook", "config": hook},
        201,
        audited=("channel", "create"),
    )
    cid = channel["id"]
    await w(
        "PUT",
        f"{base}/channels/{{channel_id}}",
        f"{base}/channels/{cid}",
        {"name": "hook 2", "type": "webhook", "config": hook},
        audited=("channel", "update"),
    )
    await w("POST", f"{base}/channels/{{channel_id}}/test", f"{base}/channels/{cid}/test", audited=("channel", "test"))
    template_body = {"name": "Mail", "channel_type": "email", "subject": "{{ alert.title }}", "body": "x"}
    template = await w(
        "POST", f"{base}/templates", f"{base}/templates", template_body, 201, audited=("template", "create")
    )
    await w(
        "PUT",
        f"{base}/templates/{{template_id}}",
        f"{base}/templates/{template['id']}",
        template_body | {"name": "Mail 2"},
        audited=("template", "update"),
    )
    source = await w(
        "POST",
        f"{base}/datasources",
        f"{base}/datasources",
        {"name": "prom", "url": "http://127.0.0.1:9", "bearer_token": SECRETS[3]},
        201,
        audited=("data_source", "create"),
    )
    await w(
        "PUT",
        f"{base}/datasources/{{source_id}}",
        f"{base}/datasources/{source['id']}",
        {"name": "prom 2", "url": "http://127.0.0.1:9", "username": "u", "password": SECRETS[4]},
        audited=("data_source", "update"),
    )
    rule_body = {"name": "cpu", "query": "cpu", "comparator": ">", "threshold": 1, "channels": [cid]}
    rule = await w("POST", f"{base}/alerts/rules/", f"{base}/alerts/rules/", rule_body, 201, audited=("rule", "create"))
    rid = rule["id"]
    alias = await w(
        "POST",
        f"{base}/alerts/rules",
        f"{base}/alerts/rules",
        rule_body | {"name": "cpu-alias"},
        201,
        audited=("rule", "create"),
    )
    await w(
        "POST", f"{base}/alerts/rules/{{rule_id}}/pause", f"{base}/alerts/rules/{rid}/pause", audited=("rule", "pause")
    )
    await w(
        "POST",
        f"{base}/alerts/rules/{{rule_id}}/resume",
        f"{base}/alerts/rules/{rid}/resume",
        audited=("rule", "resume"),
    )
    await w(
        "PUT",
        f"{base}/alerts/rules/{{rule_id}}",
        f"{base}/alerts/rules/{rid}",
        rule_body | {"name": "cpu 2"},
        audited=("rule", "update"),
    )
    await w(
        "POST", f"{base}/alerts/evaluate", f"{base}/alerts/evaluate", {"rule_ids": [rid]}, audited=("rule", "evaluate")
    )
    beat_body = {"name": "backup", "interval_seconds": 3600, "labels": {}}
    await w("POST", f"{base}/heartbeats", f"{base}/heartbeats", beat_body, 201, audited=("heartbeat", "create"))
    await w(
        "PUT",
        f"{base}/heartbeats/{{name}}",
        f"{base}/heartbeats/backup",
        beat_body | {"name": "backup-2"},
        audited=("heartbeat", "update"),
    )
    key = await w(
        "POST",
        f"{base}/api-keys",
        f"{base}/api-keys",
        {"name": "ci", "role": "viewer"},
        201,
        audited=("api_key", "create"),
    )
    kid = key["id"]
    await w(
        "PATCH",
        f"{base}/api-keys/{{key_id}}",
        f"{base}/api-keys/{kid}",
        {"name": "ci 2", "user_id": uid},
        audited=("api_key", "update"),
    )
    rotated = await w(
        "POST",
        f"{base}/api-keys/{{key_id}}/rotate",
        f"{base}/api-keys/{kid}/rotate",
        {"grace_seconds": 60},
        201,
        audited=("api_key", "rotate"),
    )
    integration = await w(
        "POST",
        f"{base}/integrations",
        f"{base}/integrations",
        {"name": "billing", "kind": "pagerduty"},
        201,
        audited=("integration", "create"),
    )
    await w(
        "DELETE",
        f"{base}/integrations/{{integration_id}}",
        f"{base}/integrations/{integration['id']}",
        expect=204,
        audited=("integration", "revoke"),
    )
    await w("PATCH", f"{base}/tenant", f"{base}/tenant", {"audit_retention_days": 400}, audited=("tenant", "update"))
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    silence = await w(
        "POST",
        f"{base}/silences",
        f"{base}/silences",
        {"matchers": 'env="prod"', "ends_at": ends},
        201,
        audited=("silence", "create"),
    )
    edited = await w(
        "PUT",
        f"{base}/silences/{{silence_id}}",
        f"{base}/silences/{silence['id']}",
        {"matchers": 'env="qa"', "ends_at": ends},
        audited=("silence", "create"),
    )
    await w(
        "DELETE", f"{base}/silences/{{silence_id}}", f"{base}/silences/{edited['id']}", audited=("silence", "expire")
    )
    am_silence = {
        "matchers": [{"name": "env", "value": "x", "isRegex": False, "isEqual": True}],
        "startsAt": datetime.now(UTC).isoformat(),
        "endsAt": ends,
        "createdBy": "amtool",
        "comment": "deploy",
    }
    made = await w("POST", "/api/v2/silences", "/api/v2/silences", am_silence, audited=("silence", "create"))
    await w(
        "DELETE", "/api/v2/silence/{silenceID}", f"/api/v2/silence/{made['silenceID']}", audited=("silence", "expire")
    )
    inhibit = {"source_matchers": 'a="1"', "target_matchers": 'b="2"', "equal": ["c"]}
    ir = await w(
        "POST", f"{base}/inhibit-rules", f"{base}/inhibit-rules", inhibit, 201, audited=("inhibit_rule", "create")
    )
    await w(
        "PUT",
        f"{base}/inhibit-rules/{{rule_id}}",
        f"{base}/inhibit-rules/{ir['id']}",
        inhibit | {"equal": []},
        audited=("inhibit_rule", "update"),
    )
    await w(
        "DELETE",
        f"{base}/inhibit-rules/{{rule_id}}",
        f"{base}/inhibit-rules/{ir['id']}",
        expect=204,
        audited=("inhibit_rule", "delete"),
    )
    interval = {"name": "nights", "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]}
    ti = await w(
        "POST", f"{base}/time-intervals", f"{base}/time-intervals", interval, 201, audited=("time_interval", "create")
    )
    await w(
        "PUT",
        f"{base}/time-intervals/{{interval_id}}",
        f"{base}/time-intervals/{ti['id']}",
        interval | {"name": "late"},
        audited=("time_interval", "update"),
    )
    held = await w(
        "POST",
        f"{base}/maintenance-windows",
        f"{base}/maintenance-windows",
        {"matchers": 'env="prod"', "ends_at": ends},
        201,
        audited=("maintenance_window", "create"),
    )
    moved = await w(
        "PUT",
        f"{base}/maintenance-windows/{{window_id}}",
        f"{base}/maintenance-windows/{held['id']}",
        {"matchers": [], "ends_at": ends},
        audited=("maintenance_window", "create"),
    )
    await w(
        "DELETE",
        f"{base}/maintenance-windows/{{window_id}}",
        f"{base}/maintenance-windows/{moved['id']}",
        audited=("maintenance_window", "end"),
    )
    # group_wait 0s: the alert below pages at once (the root's default is 30s).
    tree = {"group_wait": "0s", "routes": [{"matchers": ['team="db"'], "mute_time_intervals": ["late"]}]}

    async def version() -> dict[str, str]:
        etag = (await stack.http.get(f"{base}/routes", headers=stack.admin)).headers["ETag"]
        return stack.admin | {"If-Match": etag}

    await w(
        "PUT",
        f"{base}/routes",
        f"{base}/routes",
        {"tree": tree},
        audited=("route", "replace_tree"),
        headers=await version(),
    )
    await w(
        "PUT",
        f"{base}/routes/{{path}}",
        f"{base}/routes/0",
        {"route": {"matchers": ['team="web"']}},
        audited=("route", "update"),
        headers=await version(),
    )
    await w(
        "DELETE",
        f"{base}/routes/{{path}}",
        f"{base}/routes/0",
        expect=204,
        audited=("route", "delete"),
        headers=await version(),
    )

    # Alert actions: a responder's key, one alert through every action, then a bulk call.
    responder = stack.responder
    alert = await w(
        "POST",
        f"{base}/alerts/",
        f"{base}/alerts/",
        {"title": "API down", "severity": "critical", "escalation_policy_id": pid, "labels": {"n": "1"}},
        201,
        audited=("alert", "create"),
        headers=responder,
    )
    aid = alert["id"]
    act = f"{base}/alerts/{aid}"

    async def read() -> dict[str, Any]:
        answer = (await stack.http.get(act, headers=stack.viewer)).json()
        return {k: answer.get(k) for k in ("status", "escalation", "timeline")}

    await eventually(read, lambda a: a["escalation"] is not None)  # past group_wait
    await w(
        "POST",
        f"{base}/alerts/{{alert_id}}/escalate",
        f"{act}/escalate",
        audited=("alert", "escalate"),
        headers=responder,
    )
    await w(
        "POST",
        f"{base}/alerts/{{alert_id}}/acknowledge",
        f"{act}/acknowledge",
        {"note": "on it"},
        audited=("alert", "acknowledge"),
        headers=responder,
    )
    await w(
        "POST",
        f"{base}/alerts/{{alert_id}}/snooze",
        f"{act}/snooze",
        {"minutes": 30},
        audited=("alert", "snooze"),
        headers=responder,
    )
    await w(
        "POST",
        f"{base}/alerts/{{alert_id}}/reassign",
        f"{act}/reassign",
        {"user_id": uid},
        audited=("alert", "reassign"),
        headers=responder,
    )
    await w(
        "POST",
        f"{base}/alerts/{{alert_id}}/notes",
        f"{act}/notes",
        {"text": "failing over"},
        audited=("alert", "note"),
        headers=responder,
    )
    await w(
        "PUT",
        f"{base}/alerts/{{alert_id}}",
        act,
        {"title": "API down (eu)"},
        audited=("alert", "edit"),
        headers=responder,
    )
    await w(
        "POST", f"{base}/alerts/{{alert_id}}/resolve", f"{act}/resolve", audited=("alert", "resolve"), headers=responder
    )
    other = await w(
        "POST",
        f"{base}/alerts/",
        f"{base}/alerts/",
        {"title": "DB slow", "labels": {"n": "2"}},
        201,
        audited=("alert", "create"),
        headers=responder,
    )
    bulk = await w(
        "POST",
        f"{base}/alerts/bulk_action",
        f"{base}/alerts/bulk_action",
        {"action": "acknowledge", "alert_ids": [other["id"], "no-such-alert"]},
        audited=("alert", "acknowledge"),
        headers=responder,
    )
    assert bulk["succeeded"] == 1 and bulk["failed"] == 1

    # The console: sign in with a key, sign out with the cookie and its CSRF token.
    admin_key = stack.admin["Authorization"].removeprefix("Bearer ")
    signed = await w(
        "POST",
        f"{base}/session",
        f"{base}/session",
        {"api_key": admin_key},
        audited=("console_session", "sign_in"),
        headers={},
    )
    # A write through the console session names the key and the door, and keeps the client's request id.
    console_write = await stack.http.post(
        f"{base}/teams",
        json={"name": "via-console"},
        headers={"X-CSRF-Token": signed["csrf_token"], "X-Request-ID": "req-audit-1"},
    )
    assert console_write.status_code == 201, console_write.text
    async with sessions() as session:
        newest = await session.scalar(
            select(AuditEntry).where(AuditEntry.tenant_id == stack.tenant).order_by(AuditEntry.id.desc()).limit(1)
        )
    assert newest is not None and (newest.resource, newest.action, newest.via) == ("team", "create", "console")
    assert newest.key_name == "admin-key" and newest.request_id == "req-audit-1"
    await w(
        "DELETE",
        f"{base}/session",
        f"{base}/session",
        expect=204,
        audited=("console_session", "sign_out"),
        headers={"X-CSRF-Token": signed["csrf_token"]},
    )
    stack.http.cookies.clear()

    # Deletes last, in dependency order.
    await w(
        "DELETE",
        f"{base}/time-intervals/{{interval_id}}",
        f"{base}/time-intervals/{ti['id']}",
        expect=204,
        audited=("time_interval", "delete"),
    )
    await w(
        "DELETE",
        f"{base}/alerts/rules/{{rule_id}}",
        f"{base}/alerts/rules/{rid}",
        expect=204,
        audited=("rule", "delete"),
    )
    await stack.http.delete(f"{base}/alerts/rules/{alias['id']}", headers=stack.admin)
    await w(
        "DELETE",
        f"{base}/heartbeats/{{name}}",
        f"{base}/heartbeats/backup-2",
        expect=204,
        audited=("heartbeat", "delete"),
    )
    await w(
        "DELETE",
        f"{base}/datasources/{{source_id}}",
        f"{base}/datasources/{source['id']}",
        expect=204,
        audited=("data_source", "delete"),
    )
    await w(
        "DELETE",
        f"{base}/templates/{{template_id}}",
        f"{base}/templates/{template['id']}",
        expect=204,
        audited=("template", "delete"),
    )
    await w(
        "DELETE",
        f"{base}/api-keys/{{key_id}}",
        f"{base}/api-keys/{rotated['id']}",
        expect=204,
        audited=("api_key", "revoke"),
    )

    # Deletes of what an alert still names wait for nothing: a fresh channel, policy, schedule, team, user.
    spare = await stack.http.post(
        f"{base}/channels",
        headers=stack.admin,
        json={"name": "spare", "type": "webhook", "config": {"url": "http://127.0.0.1:9/"}},
    )
    await w(
        "DELETE",
        f"{base}/channels/{{channel_id}}",
        f"{base}/channels/{spare.json()['id']}",
        expect=204,
        audited=("channel", "delete"),
    )
    spare_policy = await stack.http.post(
        f"{base}/escalation-policies",
        headers=stack.admin,
        json={"name": "spare", "levels": [{"targets": [{"type": "user", "id": uid}], "delay_minutes": 5}]},
    )
    assert spare_policy.status_code == 201, spare_policy.text
    await w(
        "DELETE",
        f"{base}/escalation-policies/{{policy_id}}",
        f"{base}/escalation-policies/{spare_policy.json()['id']}",
        expect=204,
        audited=("escalation_policy", "delete"),
    )
    spare_sched = await stack.http.post(f"{base}/schedules", headers=stack.admin, json=sched_body | {"name": "spare"})
    await w(
        "DELETE",
        f"{base}/schedules/{{schedule_id}}",
        f"{base}/schedules/{spare_sched.json()['id']}",
        expect=204,
        audited=("schedule", "delete"),
    )
    spare_team = await stack.http.post(f"{base}/teams", headers=stack.admin, json={"name": "spare"})
    await w(
        "DELETE",
        f"{base}/teams/{{team_id}}",
        f"{base}/teams/{spare_team.json()['id']}",
        expect=204,
        audited=("team", "delete"),
    )
    spare_user = await stack.http.post(
        f"{base}/users", headers=stack.admin, json={"name": "Bo", "email": "bo@example.com"}
    )
    await w(
        "DELETE",
        f"{base}/users/{{user_id}}",
        f"{base}/users/{spare_user.json()['id']}",
        expect=204,
        audited=("user", "delete"),
    )

    # A platform admin's changes to a tenant are on that tenant's log.
    platform = new_key()
    async with sessions.begin() as session:
        await store_key(session=session, tenant_id=stack.tenant, name="platform", role=Role.PLATFORM, key=platform)
    ph = {"Authorization": f"Bearer {platform}"}
    other = f"t-{uuid.uuid4().hex[:8]}"
    made = await w(
        "POST",
        f"{base}/tenants",
        f"{base}/tenants",
        {"id": other, "admin_key": {"name": "first"}},
        201,
        audited=("tenant", "create"),
        headers=ph,
        log=other,
    )
    assert made["admin_key"]["key"]
    for method, tail, body, action in (
        ("PATCH", "", {"name": "Other", "time_zone": "Europe/Paris"}, "update"),
        ("POST", "/disable", None, "disable"),
        ("POST", "/enable", None, "enable"),
    ):
        await w(
            method,
            f"{base}/tenants/{{tenant_id}}{tail}",
            f"{base}/tenants/{other}{tail}",
            body,
            audited=("tenant", action),
            headers=ph,
            log=other,
        )
    their_key = await w(
        "POST",
        f"{base}/tenants/{{tenant_id}}/api-keys",
        f"{base}/tenants/{other}/api-keys",
        {"name": "ops", "role": "responder"},
        201,
        audited=("api_key", "create"),
        headers=ph,
        log=other,
    )
    rotated_theirs = await w(
        "POST",
        f"{base}/tenants/{{tenant_id}}/api-keys/{{key_id}}/rotate",
        f"{base}/tenants/{other}/api-keys/{their_key['id']}/rotate",
        {"grace_seconds": 0},
        201,
        audited=("api_key", "rotate"),
        headers=ph,
        log=other,
    )
    await w(
        "DELETE",
        f"{base}/tenants/{{tenant_id}}/api-keys/{{key_id}}",
        f"{base}/tenants/{other}/api-keys/{rotated_theirs['id']}",
        expect=204,
        audited=("api_key", "revoke"),
        headers=ph,
        log=other,
    )
    platform_secrets = [made["admin_key"]["key"], their_key["key"], rotated_theirs["key"], platform]

    # Every write route is walked, exempt with a reason, or checked elsewhere: a new route fails here.
    routes = write_routes()
    assert not (set(EXEMPT) | set(ELSEWHERE)) - routes, "an exemption names a route that is gone"
    assert not w.done & (set(EXEMPT) | set(ELSEWHERE))
    missing = routes - w.done - set(EXEMPT) - set(ELSEWHERE)
    assert not missing, f"write routes with no audit check (walk them here, or exempt them with a reason): {missing}"

    # No secret reached the log: not the channel's or data source's, not a key or its digest, not the
    # console session's token, not the PagerDuty routing key.
    async with sessions() as session:
        stored = await session.scalar(
            text(
                "SELECT string_agg(coalesce(before::text, '') || coalesce(after::text, ''), '|') "
                "FROM audit_log WHERE tenant_id IN (:t, :o)"
            ),
            {"t": stack.tenant, "o": other},
        )
    assert stored
    shown_once = [key["key"], rotated["key"], integration["key"], signed["csrf_token"], admin_key, *platform_secrets]
    digests = [hashlib.sha256(k.encode()).hexdigest() for k in [key["key"], rotated["key"], admin_key]]
    for secret in [*SECRETS, *shown_once, *digests]:
        assert secret not in stored, secret
    assert "********" in stored  # the masked fields are there, as the mask


async def test_the_log_lists_filters_pages_and_exports_newest_first(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    made = []
    for i in range(5):
        answer = await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": f"team-{i}"})
        assert answer.status_code == 201
        made.append(answer.json()["id"])
    await stack.http.put(f"/api/v1/teams/{made[0]}", headers=stack.admin, json={"name": "renamed"})
    log = "/api/v1/audit"
    first = (await stack.http.get(log, params={"resource": "team", "limit": 4}, headers=stack.admin)).json()
    second = (
        await stack.http.get(
            log, params={"resource": "team", "limit": 4, "cursor": first["next_cursor"]}, headers=stack.admin
        )
    ).json()
    assert second["next_cursor"] is None
    entries = first["items"] + second["items"]
    assert [(e["action"], e["resource_id"]) for e in entries] == [("update", made[0])] + [
        ("create", team_id) for team_id in reversed(made)
    ]
    update_row = entries[0]
    assert update_row["before"]["name"] == "team-0" and update_row["after"]["name"] == "renamed"
    actor = update_row["actor"]
    assert actor["via"] == "api-key" and actor["key_name"] == "admin-key" and actor["key_id"]
    by_key = await stack.http.get(log, params={"actor": actor["key_id"], "action": "update"}, headers=stack.admin)
    assert [e["id"] for e in by_key.json()["items"]] == [update_row["id"]]
    one = await stack.http.get(log, params={"resource_id": made[2]}, headers=stack.admin)
    assert [e["action"] for e in one.json()["items"]] == ["create"]
    at = datetime.fromisoformat(update_row["at"])
    later = await stack.http.get(log, params={"from": at.isoformat()}, headers=stack.admin)
    assert [e["id"] for e in later.json()["items"]] == [update_row["id"]]
    earlier = await stack.http.get(log, params={"to": at.isoformat(), "resource": "team"}, headers=stack.admin)
    assert len(earlier.json()["items"]) == 5

    # Bad input: a 422 naming the field.
    for params, field in (
        ({"from": "2026-01-01T00:00:00"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": at.isoformat(), "to": at.isoformat()}, "to"),
        ({"cursor": "nonsense"}, "cursor"),
        ({"limit": 0}, "limit"),
    ):
        bad = await stack.http.get(log, params=params, headers=stack.admin)
        assert bad.status_code == 422, (params, bad.text)
        assert [e["field"] for e in bad.json()["errors"]] == [field], (params, bad.text)
    # Admins only; another tenant sees none of it.
    assert (await stack.http.get(log, headers=stack.responder)).status_code == 403
    assert (await stack.http.get(f"{log}/export", headers=stack.viewer)).status_code == 403
    other = f"t-{uuid.uuid4().hex[:8]}"
    their = await make_keys(sessions, other)
    assert (await stack.http.get(log, headers=their[Role.ADMIN])).json()["items"] == []
    theirs = await stack.http.get(log, params={"resource_id": made[0]}, headers=their[Role.ADMIN])
    assert theirs.json()["items"] == []

    # Export: CSV in parts of `limit`, continued by the header's cursor; JSON the same rows.
    part = await stack.http.get(f"{log}/export", params={"resource": "team", "limit": 4}, headers=stack.admin)
    assert part.status_code == 200 and part.headers["content-type"].startswith("text/csv")
    lines = part.text.strip().splitlines()
    assert lines[0].startswith("id,at,key_id") and len(lines) == 5
    rest = await stack.http.get(
        f"{log}/export",
        params={"resource": "team", "limit": 4, "cursor": part.headers["Herald-Next-Cursor"]},
        headers=stack.admin,
    )
    assert "Herald-Next-Cursor" not in rest.headers
    assert len(rest.text.strip().splitlines()) == 3  # the header and the last two rows
    as_json = await stack.http.get(f"{log}/export", params={"resource": "team", "format": "json"}, headers=stack.admin)
    assert [e["id"] for e in as_json.json()] == [e["id"] for e in entries]
    empty = await stack.http.get(f"{log}/export", params={"resource": "nothing"}, headers=stack.admin)
    assert empty.text.strip().splitlines() == [lines[0]] and "Herald-Next-Cursor" not in empty.headers


async def test_a_write_whose_audit_row_cannot_be_stored_is_not_applied(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A real constraint refuses this tenant's channel and alert audit rows: the channel is not created,
    and the acknowledgement never reaches the alert's workflow (its row is inserted before the call)."""
    alert = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json={"title": "disk full"})
    assert alert.status_code == 201, alert.text
    constraint = f"refuse_{stack.tenant.replace('-', '_')}"
    async with sessions.begin() as session:
        await session.execute(
            text(
                f"ALTER TABLE audit_log ADD CONSTRAINT {constraint} "
                f"CHECK (tenant_id <> '{stack.tenant}' OR resource NOT IN ('channel', 'alert')) NOT VALID"
            )
        )
    try:
        body = {"name": "unaudited", "type": "webhook", "config": {"url": "http://127.0.0.1:9/"}}
        for method, path, payload, headers in (
            ("POST", "/api/v1/channels", body, stack.admin),
            ("POST", f"/api/v1/alerts/{alert.json()['id']}/acknowledge", None, stack.responder),
        ):
            try:
                answer = await stack.http.request(method, path, json=payload, headers=headers)
            except DBAPIError:
                pass  # the app raised: the ASGI transport hands the error to the client
            else:
                assert answer.status_code == 500, answer.text
        async with sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(Channel).where(Channel.tenant_id == stack.tenant)
            )
        assert count == 0
        still = await stack.http.get(f"/api/v1/alerts/{alert.json()['id']}", headers=stack.viewer)
        assert still.json()["status"] == "triggered" and still.json()["acknowledged_by"] is None
        # Another resource is unaffected: the refusal is the audit insert's, not the request's.
        team = await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": "fine"})
        assert team.status_code == 201
    finally:
        async with sessions.begin() as session:
            await session.execute(text(f"ALTER TABLE audit_log DROP CONSTRAINT {constraint}"))
    # With the constraint gone the same acknowledgement goes through: it was the row, not the alert.
    acked = await stack.http.post(f"/api/v1/alerts/{alert.json()['id']}/acknowledge", headers=stack.responder)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"


async def test_a_failed_write_leaves_no_audit_row(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": "taken"})
    duplicate = await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": "taken"})
    assert duplicate.status_code == 409
    refused = await stack.http.post("/api/v1/alerts/no-such-alert/acknowledge", headers=stack.responder)
    assert refused.status_code == 404
    async with sessions() as session:
        rows = (await session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == stack.tenant))).all()
    assert [(r.resource, r.action) for r in rows] == [("team", "create")]


async def test_a_huge_change_is_applied_and_its_row_says_truncated(stack: Stack) -> None:
    """A routing tree of 900 routes (about 100 kB of JSON): the tree is stored whole, its audit row keeps
    the size and digest of the `after` side instead (each side is capped at 64 KiB)."""
    routes = [{"matchers": [f'service="svc-{i:04d}-{"x" * 60}"']} for i in range(900)]
    etag = (await stack.http.get("/api/v1/routes", headers=stack.admin)).headers["ETag"]
    put = await stack.http.put(
        "/api/v1/routes", headers=stack.admin | {"If-Match": etag}, json={"tree": {"routes": routes}}
    )
    assert put.status_code == 200, put.text
    assert len((await stack.http.get("/api/v1/routes", headers=stack.admin)).json()["tree"]["routes"]) == 900
    [entry] = (await stack.http.get("/api/v1/audit", params={"resource": "route"}, headers=stack.admin)).json()["items"]
    assert entry["truncated"] is True and entry["action"] == "replace_tree"
    assert entry["after"]["truncated"] is True and entry["after"]["bytes"] > 64 * 1024
    assert len(entry["after"]["sha256"]) == 64
    assert entry["before"] is not None and "truncated" not in entry["before"]  # the small side is kept whole


async def test_retention_deletes_audit_rows_past_the_tenants_audit_retention_only(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    now = datetime.now(UTC)
    short, long = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        for tenant_id in (short, long):
            await ensure_tenant(session=session, tenant_id=tenant_id)
        await session.execute(update(Tenant).where(Tenant.id == short).values(audit_retention_days=30))
        for tenant_id in (short, long):
            for age in (10, 40, 400):
                session.add(
                    AuditEntry(
                        tenant_id=tenant_id,
                        at=now - timedelta(days=age),
                        via="api-key",
                        resource="team",
                        resource_id=f"{tenant_id}-{age}",
                        action="create",
                    )
                )
    deleted = 0
    for tenant_id in (short, long):
        summary = await ActivityEnvironment().run(
            RetentionActivities(sessions, settings).purge, PurgeRequest(at=now, batch_size=1, tenant_id=tenant_id)
        )
        assert summary.complete
        deleted += summary.audit_entries
    async with sessions() as session:
        left = set(await session.scalars(select(AuditEntry.resource_id).where(AuditEntry.tenant_id.in_([short, long]))))
    # short keeps 30 days, long the default 365; alerts' retention plays no part.
    assert left == {f"{short}-10", f"{long}-10", f"{long}-40"}
    assert deleted == 3


async def test_a_row_names_the_keys_person(stack: Stack) -> None:
    person = await stack.http.post("/api/v1/users", headers=stack.admin, json={"name": "Cy", "email": "cy@example.com"})
    made = await stack.http.post(
        "/api/v1/api-keys",
        headers=stack.admin,
        json={"name": "cy-laptop", "role": "admin", "user_id": person.json()["id"]},
    )
    assert made.status_code == 201, made.text
    cy = {"Authorization": f"Bearer {made.json()['key']}"}
    assert (await stack.http.post("/api/v1/teams", headers=cy, json={"name": "cy's"})).status_code == 201
    mine = await stack.http.get("/api/v1/audit", params={"actor": person.json()["id"]}, headers=stack.admin)
    [entry] = mine.json()["items"]
    assert entry["resource"] == "team" and entry["actor"] == {
        "key_id": made.json()["id"],
        "key_name": "cy-laptop",
        "user_id": person.json()["id"],
        "via": "api-key",
        "detail": None,
    }
