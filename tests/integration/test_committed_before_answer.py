"""A 2xx means the change is committed: the next request (from anyone) reads it.

The probe stands between the app and the client. When the app sends the last byte of a 2xx
answer, the probe pauses the app and reads the tenant's rows from its own connection; the app
resumes only after. A request whose commit ran after the answer (a `yield` dependency's exit,
as FastAPI runs it by default) shows up as a difference between the rows seen then and the rows
seen once the request is over — on every write endpoint this walks, deterministically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.tables import Base
from settings import Settings
from tests.integration.conftest import Stack, api_stack

TENANT_TABLES = sorted(t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.columns)


class CommitProbe:
    """ASGI middleware: on the last body message of each 2xx answer, record the tenant's rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.tenant = ""
        self.seen_at_answer: dict[str, str] = {}

    def around(self, app: ASGIApp) -> ASGIApp:
        async def probed(scope: Scope, receive: Receive, send: Send) -> None:
            status = 0

            async def observed(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                if message["type"] == "http.response.body" and not message.get("more_body") and 200 <= status < 300:
                    self.seen_at_answer = await self.rows()
                await send(message)

            await app(scope, receive, observed)

        return probed

    async def rows(self) -> dict[str, str]:
        """Every row of the tenant, per table, as text (one string per table, order-independent)."""
        out = {}
        async with self.sessions.begin() as session:
            for table in TENANT_TABLES:
                statement = text(
                    f"SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM {table} t"
                    " WHERE tenant_id = :tenant"
                )
                out[table] = (await session.execute(statement, {"tenant": self.tenant})).scalar_one()
        return out


@pytest.fixture
async def probe(sessions: async_sessionmaker[AsyncSession]) -> CommitProbe:
    return CommitProbe(sessions)


@pytest.fixture
async def api(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession], probe: CommitProbe
) -> AsyncIterator[Stack]:
    async with api_stack(dev_settings, sessions, around=probe.around) as stack:
        probe.tenant = stack.tenant
        yield stack


class Writes:
    """Sends one write and checks that what the client was answered had already been committed."""

    def __init__(self, api: Stack, probe: CommitProbe) -> None:
        self.api, self.probe = api, probe
        self.checked: list[str] = []

    async def __call__(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        self.probe.seen_at_answer = {}
        answer = await self.api.http.request(method, path, json=body, headers=self.api.admin)
        assert answer.status_code == expect, (method, path, answer.text)
        after = await self.probe.rows()
        changed = [t for t in TENANT_TABLES if self.probe.seen_at_answer.get(t) != after[t]]
        assert not changed, f"{method} {path} answered {expect} before committing its change to {changed}"
        self.checked.append(f"{method} {path}")
        return answer.json() if answer.content else None


async def test_every_write_is_committed_before_its_answer(api: Stack, probe: CommitProbe) -> None:
    write = Writes(api, probe)
    user = await write("POST", "/api/v1/users", {"name": "Ann", "email": "ann@example.com"}, 201)
    await write("PUT", f"/api/v1/users/{user['id']}", {"name": "Ann B", "email": "ann@example.com"})
    team = await write("POST", "/api/v1/teams", {"name": "SRE", "member_ids": [user["id"]]}, 201)
    layer = {
        "name": "weekly",
        "participants": [user["id"]],
        "shift_length": 1,
        "shift_unit": "weeks",
        "start": "2026-01-05T09:00:00",
    }
    schedule_body = {"name": "Primary", "time_zone": "UTC", "layers": [layer]}
    schedule = await write("POST", "/api/v1/schedules", schedule_body, 201)
    await write("PUT", f"/api/v1/schedules/{schedule['id']}", schedule_body | {"name": "Primary 2"})
    override = await write(
        "POST",
        f"/api/v1/schedules/{schedule['id']}/overrides",
        {"user_id": user["id"], "start": "2026-02-01T00:00:00Z", "end": "2026-02-02T00:00:00Z"},
        201,
    )
    await write("DELETE", f"/api/v1/schedules/{schedule['id']}/overrides/{override['id']}", expect=204)
    policy_body = {"name": "Std", "levels": [{"targets": [{"type": "team", "id": team["id"]}], "delay_minutes": 5}]}
    policy = await write("POST", "/api/v1/escalation-policies", policy_body, 201)
    await write("PUT", f"/api/v1/escalation-policies/{policy['id']}", policy_body | {"name": "Std 2"})
    channel_body = {"name": "hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}}
    channel = await write("POST", "/api/v1/channels", channel_body, 201)
    await write("PUT", f"/api/v1/channels/{channel['id']}", channel_body | {"name": "hook 2"})
    template_body = {"name": "Mail", "channel_type": "email", "subject": "{{ alert.title }}", "body": "x"}
    template = await write("POST", "/api/v1/templates", template_body, 201)
    await write("PUT", f"/api/v1/templates/{template['id']}", template_body | {"name": "Mail 2"})
    source = await write("POST", "/api/v1/datasources", {"name": "prom", "url": "http://127.0.0.1:9"}, 201)
    await write("PUT", f"/api/v1/datasources/{source['id']}", {"name": "prom 2", "url": "http://127.0.0.1:9"})
    rule_body = {"name": "cpu", "query": "cpu", "comparator": ">", "threshold": 1, "channels": [channel["id"]]}
    rule = await write("POST", "/api/v1/alerts/rules/", rule_body, 201)
    await write("POST", f"/api/v1/alerts/rules/{rule['id']}/pause")
    await write("POST", f"/api/v1/alerts/rules/{rule['id']}/resume")
    await write("PUT", f"/api/v1/alerts/rules/{rule['id']}", rule_body | {"name": "cpu 2"})
    beat_body = {"name": "backup", "interval_seconds": 3600, "labels": {}}
    beat = await write("POST", "/api/v1/heartbeats", beat_body, 201)
    await write("PUT", f"/api/v1/heartbeats/{beat['name']}", beat_body | {"name": "backup-2"})
    key = await write("POST", "/api/v1/api-keys", {"name": "ci", "role": "viewer"}, 201)
    await write("POST", f"/api/v1/api-keys/{key['id']}/rotate", {"grace_seconds": 60}, 201)
    samples = {"samples": [{"name": "cpu", "labels": {"host": "a"}, "value": 1}]}
    await write("POST", "/api/v1/metrics", samples)
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    silenced = await write("POST", "/api/v1/silences", {"matchers": 'env="prod"', "ends_at": ends}, 201)
    edited = await write("PUT", f"/api/v1/silences/{silenced['id']}", {"matchers": 'env="qa"', "ends_at": ends})
    await write("DELETE", f"/api/v1/silences/{edited['id']}")
    inhibit = {"source_matchers": 'a="1"', "target_matchers": 'b="2"', "equal": ["c"]}
    inhibit_rule = await write("POST", "/api/v1/inhibit-rules", inhibit, 201)
    await write("PUT", f"/api/v1/inhibit-rules/{inhibit_rule['id']}", inhibit | {"equal": []})
    await write("DELETE", f"/api/v1/inhibit-rules/{inhibit_rule['id']}", expect=204)
    interval = {"name": "nights", "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}]}
    time_interval = await write("POST", "/api/v1/time-intervals", interval, 201)
    await write("PUT", f"/api/v1/time-intervals/{time_interval['id']}", interval | {"name": "late-nights"})
    await write("DELETE", f"/api/v1/time-intervals/{time_interval['id']}", expect=204)
    held = await write("POST", "/api/v1/maintenance-windows", {"matchers": 'env="prod"', "ends_at": ends}, 201)
    moved = await write("PUT", f"/api/v1/maintenance-windows/{held['id']}", {"matchers": [], "ends_at": ends})
    await write("DELETE", f"/api/v1/maintenance-windows/{moved['id']}")
    await write("DELETE", f"/api/v1/alerts/rules/{rule['id']}", expect=204)
    await write("DELETE", "/api/v1/heartbeats/backup-2", expect=204)
    await write("DELETE", f"/api/v1/datasources/{source['id']}", expect=204)
    await write("DELETE", f"/api/v1/templates/{template['id']}", expect=204)
    await write("DELETE", f"/api/v1/channels/{channel['id']}", expect=204)
    await write("DELETE", f"/api/v1/escalation-policies/{policy['id']}", expect=204)
    await write("DELETE", f"/api/v1/schedules/{schedule['id']}", expect=204)
    await write("DELETE", f"/api/v1/teams/{team['id']}", expect=204)
    await write("DELETE", f"/api/v1/users/{user['id']}", expect=204)
    await write("DELETE", f"/api/v1/api-keys/{key['id']}", expect=204)
    assert len(write.checked) == 46
