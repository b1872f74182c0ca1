"""`/api/v1/tenant`: a tenant's own maximum silence duration (Alertmanager #3964), bounded by the global
HERALD_MAX_SILENCE_DAYS, and silences (create and edit) held to it with a 422 naming `ends_at`; its
Alertmanager API settings (resolve_timeout, the severity mapping)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.integration.test_silences import later


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings.model_copy(update={"max_silence_days": 28}), sessions) as stack:
        yield stack


async def patch(api: Stack, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    answer = await api.http.patch("/api/v1/tenant", headers=api.admin, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_the_tenant_reads_and_sets_its_maximum_silence_duration(api: Stack) -> None:
    read = await api.http.get("/api/v1/tenant", headers=api.viewer)
    assert read.status_code == 200, read.text
    assert read.json() | {"name": ""} == {
        "id": api.tenant,
        "name": "",
        "max_silence_duration": None,
        "max_silence_duration_ceiling": "4w",
        "resolve_timeout": "5m",
        "severity_map": {"critical": "critical", "error": "high", "high": "high", "warning": "medium", "info": "info"},
        "retention_days": None,
        "retention_days_default": 90,
        "audit_retention_days": 365,
        "time_zone": "UTC",
        "default_repeat_interval": None,
        "default_repeat_interval_default": "4h",
    }
    assert (await patch(api, {"max_silence_duration": "1w"}))["max_silence_duration"] == "1w"
    again = await api.http.get("/api/v1/tenant", headers=api.viewer)
    assert again.json()["max_silence_duration"] == "1w"
    assert (await patch(api, {}))["max_silence_duration"] == "1w"  # left out: kept
    assert (await patch(api, {"max_silence_duration": None}))["max_silence_duration"] is None
    for who in (api.responder, api.viewer):
        refused = await api.http.patch("/api/v1/tenant", headers=who, json={"max_silence_duration": "1d"})
        assert refused.status_code == 403, refused.text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("7x", "not a valid duration string"),
        ("1.5h", "not a valid duration string"),
        ("0", "more than zero"),
        ("29d", "at most 4w"),
        (7, "string"),
    ],
)
async def test_a_bad_maximum_is_a_422_naming_it(api: Stack, value: Any, words: str) -> None:
    answer = await api.http.patch("/api/v1/tenant", headers=api.admin, json={"max_silence_duration": value})
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "max_silence_duration" and words in error["message"], error


async def test_silences_are_held_to_the_tenants_maximum_on_create_and_edit(api: Stack) -> None:
    await patch(api, {"max_silence_duration": "2h"})
    too_long = await api.http.post(
        "/api/v1/silences", headers=api.responder, json={"matchers": 'env="prod"', "ends_at": later(hours=3)}
    )
    assert too_long.status_code == 422, too_long.text
    [error] = too_long.json()["errors"]
    assert error["field"] == "ends_at" and "at most 2h (this tenant's max_silence_duration)" in error["message"]

    ok = await api.http.post(
        "/api/v1/silences", headers=api.responder, json={"matchers": 'env="prod"', "ends_at": later(hours=1)}
    )
    assert ok.status_code == 201, ok.text
    edit = await api.http.put(
        f"/api/v1/silences/{ok.json()['id']}",
        headers=api.responder,
        json={"matchers": 'env="prod"', "ends_at": later(hours=5)},
    )
    assert edit.status_code == 422, edit.text
    assert [e["field"] for e in edit.json()["errors"]] == ["ends_at"]
    assert "2h" in edit.json()["errors"][0]["message"]

    await patch(api, {"max_silence_duration": None})  # back to the global 28 days
    now_ok = await api.http.put(
        f"/api/v1/silences/{ok.json()['id']}",
        headers=api.responder,
        json={"matchers": 'env="prod"', "ends_at": later(hours=5)},
    )
    assert now_ok.status_code == 200, now_ok.text
    beyond = await api.http.post(
        "/api/v1/silences", headers=api.responder, json={"matchers": 'env="prod"', "ends_at": later(days=29)}
    )
    assert beyond.status_code == 422 and "at most 28 days (HERALD_MAX_SILENCE_DAYS)" in beyond.text


async def test_the_tenant_sets_its_alertmanager_resolve_timeout_and_severity_mapping(api: Stack) -> None:
    changed = await patch(api, {"resolve_timeout": "90s", "severity_map": {"PAGE": "critical", "ticket": "low"}})
    assert (changed["resolve_timeout"], changed["severity_map"]) == ("1m30s", {"page": "critical", "ticket": "low"})
    assert (await patch(api, {}))["resolve_timeout"] == "1m30s"
    reset = await patch(api, {"resolve_timeout": None, "severity_map": None})
    assert reset["resolve_timeout"] == "5m" and reset["severity_map"]["warning"] == "medium"
    for field, value in (("resolve_timeout", "0s"), ("resolve_timeout", "8d"), ("resolve_timeout", "soon")):
        [error] = (await patch(api, {field: value}, 422))["errors"]
        assert error["field"] == field, error
    [error] = (await patch(api, {"severity_map": {"page": "urgent"}}, 422))["errors"]
    assert error["field"].startswith("severity_map"), error


async def test_the_tenant_sets_its_audit_retention_apart_from_the_alerts(api: Stack) -> None:
    changed = await patch(api, {"audit_retention_days": 30})
    assert changed["audit_retention_days"] == 30 and changed["retention_days"] is None
    assert (await api.http.get("/api/v1/tenant", headers=api.viewer)).json()["audit_retention_days"] == 30
    for value in (0, 3651, None, "a year"):
        refused = await patch(api, {"audit_retention_days": value}, status=422)
        assert refused["errors"][0]["field"] == "audit_retention_days", refused
    assert (await api.http.get("/api/v1/tenant", headers=api.viewer)).json()["audit_retention_days"] == 30
