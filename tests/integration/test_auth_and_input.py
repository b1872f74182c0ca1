"""Auth, tenancy, channel management and every kind of bad input: always a 4xx naming the
field, never a 500; Temporal unreachable is a 503 with a message."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.openapi import BODY_KEYS, PUBLIC, SECRET_URLS
from channels.config import MASK
from devstack.ports import free_port
from models.secrets import SecretBox
from models.tables import Channel, IngestInbox
from settings import Settings
from tests.integration.conftest import Stack, api_stack, make_keys


async def test_missing_wrong_and_insufficient_keys(stack: Stack) -> None:
    assert (await stack.http.get("/api/v1/alerts/")).status_code == 401
    wrong = await stack.http.get("/api/v1/alerts/", headers={"Authorization": "Bearer hk_not-a-key"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "invalid, revoked or expired API key"
    basic = await stack.http.get("/api/v1/alerts/", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401

    viewer_ack = await stack.http.post("/api/v1/alerts/some-id/acknowledge", headers=stack.viewer)
    assert viewer_ack.status_code == 403 and "responder" in viewer_ack.json()["detail"]
    viewer_events = await stack.http.post("/api/v1/events", headers=stack.viewer, json={"events": [{"title": "x"}]})
    assert viewer_events.status_code == 403
    responder_channel = await stack.http.post(
        "/api/v1/channels",
        headers=stack.responder,
        json={"name": "x", "type": "webhook", "config": {"url": "http://x"}},
    )
    assert responder_channel.status_code == 403
    responder_key = await stack.http.post(
        "/api/v1/api-keys", headers=stack.responder, json={"name": "x", "role": "admin"}
    )
    assert responder_key.status_code == 403


async def test_api_keys_are_created_listed_and_revoked(stack: Stack) -> None:
    created = await stack.http.post("/api/v1/api-keys", headers=stack.admin, json={"name": "grafana", "role": "viewer"})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    own = {"Authorization": f"Bearer {key}"}
    assert (await stack.http.get("/api/v1/alerts/", headers=own)).status_code == 200
    listed = (await stack.http.get("/api/v1/api-keys", headers=stack.admin)).json()
    assert "key" not in listed[0] and any(k["name"] == "grafana" for k in listed)
    revoked = await stack.http.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=stack.admin)
    assert revoked.status_code == 204
    assert (await stack.http.get("/api/v1/alerts/", headers=own)).status_code == 401
    bad_role = await stack.http.post("/api/v1/api-keys", headers=stack.admin, json={"name": "x", "role": "root"})
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"


async def test_other_tenants_alerts_and_channels_are_invisible(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await stack.http.post(
        "/api/v1/alerts/", headers=stack.responder, json={"title": "mine", "dedup_key": "mine"}
    )
    alert_id = created.json()["id"]
    channel = await stack.http.post(
        "/api/v1/channels",
        headers=stack.admin,
        json={"name": "c", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}},
    )
    other = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    from models.api_keys import Role

    intruder_read = await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=other[Role.ADMIN])
    assert intruder_read.status_code == 404
    intruder_ack = await stack.http.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=other[Role.ADMIN])
    assert intruder_ack.status_code == 404
    listing = (await stack.http.get("/api/v1/alerts/", headers=other[Role.VIEWER])).json()
    assert listing["total"] == 0
    assert (
        await stack.http.get(f"/api/v1/channels/{channel.json()['id']}", headers=other[Role.ADMIN])
    ).status_code == 404
    foreign_channel = await stack.http.post(
        "/api/v1/events",
        headers=other[Role.RESPONDER],
        json={"events": [{"title": "x", "channels": [channel.json()["id"]]}]},
    )
    assert foreign_channel.status_code == 422 and "events.0.channels.0" in foreign_channel.json()["detail"]


async def test_channel_secret_is_write_only(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    body = {"name": "hook", "type": "webhook", "config": {"url": "https://example.test/h", "secret": "s3cret-value"}}
    created = await stack.http.post("/api/v1/channels", headers=stack.admin, json=body)
    assert created.status_code == 201
    out = created.json()
    assert out["has_secret"] is True and out["config"]["secret"] == MASK and "s3cret-value" not in created.text
    channel_id = out["id"]
    assert (await stack.http.post("/api/v1/channels", headers=stack.admin, json=body)).status_code == 409
    assert stack.settings.secret_key is not None
    box = SecretBox(stack.settings.secret_key.get_secret_value())

    renamed = await stack.http.put(
        f"/api/v1/channels/{channel_id}",
        headers=stack.admin,
        json={"name": "hook2", "type": "webhook", "config": {"url": "https://example.test/h2"}, "is_default": True},
    )
    assert renamed.status_code == 200 and renamed.json()["has_secret"] is True  # omitted secret is kept
    async with sessions() as session:
        row = await session.scalar(select(Channel).where(Channel.id == channel_id))
        assert row is not None and "url" not in row.config and "secret" not in row.config  # both sealed
        assert row.secret is not None and row.secret.startswith("enc1:") and "s3cret-value" not in row.secret
        assert box.open(row.secret) == {"secret": "s3cret-value", "url": "https://example.test/h2"}
    echoed = await stack.http.put(  # a GET's masked config sent back unchanged keeps the secret
        f"/api/v1/channels/{channel_id}",
        headers=stack.admin,
        json={**body, "name": "hook2", "config": renamed.json()["config"]},
    )
    assert echoed.status_code == 200 and echoed.json()["has_secret"] is True
    async with sessions() as session:
        row = await session.scalar(select(Channel).where(Channel.id == channel_id))
        assert row is not None and box.open(row.secret) == {"secret": "s3cret-value", "url": "https://example.test/h2"}
    listed = await stack.http.get("/api/v1/channels", headers=stack.viewer)
    assert "s3cret-value" not in listed.text
    cleared = await stack.http.put(
        f"/api/v1/channels/{channel_id}",
        headers=stack.admin,
        json={"name": "hook2", "type": "webhook", "config": {"url": "https://example.test/h2", "secret": None}},
    )
    assert cleared.status_code == 200 and cleared.json()["config"]["url"] == MASK  # the URL is secret too
    async with sessions() as session:
        row = await session.scalar(select(Channel).where(Channel.id == channel_id))
        assert row is not None and box.open(row.secret) == {"url": "https://example.test/h2"}  # HMAC key gone
    assert (await stack.http.delete(f"/api/v1/channels/{channel_id}", headers=stack.admin)).status_code == 204
    assert (await stack.http.get(f"/api/v1/channels/{channel_id}", headers=stack.admin)).status_code == 404


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"url": "ftp://x"}, "config.url"),
        ({"url": "not a url"}, "config.url"),
        ({"url": "http://x", "headers": {"Idempotency-Key": "1"}}, "config.headers"),
        ({"url": "http://x", "secret": "short"}, "config.secret"),
        ({"url": "http://x", "colour": "red"}, "config.colour"),
    ],
)
async def test_bad_channel_config_names_the_field(stack: Stack, config: dict[str, object], field: str) -> None:
    response = await stack.http.post(
        "/api/v1/channels", headers=stack.admin, json={"name": "x", "type": "webhook", "config": config}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"title": "x", "severity": "urgent"}, "events.0.severity"),
        ({"title": "x", "labels": {"bad-name": "1"}}, "events.0.labels"),
        ({"title": "x", "labels": {"1st": "1"}}, "events.0.labels"),
        ({"title": "x", "labels": {"a": 1}}, "events.0.labels.a"),
        ({"title": "x", "colour": "red"}, "events.0.colour"),
        ({"severity": "high"}, "events.0"),
        ({"action": "resolve"}, "events.0"),
        ({"action": "explode", "title": "x"}, "events.0.action"),
        ({"title": "x", "repeat_interval_seconds": 5}, "events.0.repeat_interval_seconds"),
        ({"title": "x", "dedup_key": "has space"}, "events.0.dedup_key"),
        ({"title": "x", "channels": ["not-a-uuid"]}, "events.0.channels.0"),
        ({"title": ""}, "events.0.title"),
        ({"title": "disk\u0000full"}, "events.0.title"),
        ({"title": "x", "labels": {"host": "db\u00001"}}, "events.0.labels.host"),
        ({"title": "x", "annotations": {"runbook": "\u0000"}}, "events.0.annotations.runbook"),
    ],
)
async def test_bad_events_name_the_field(stack: Stack, event: dict[str, object], field: str) -> None:
    response = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": [event]})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["detail"].startswith(field)


async def test_malformed_oversize_and_empty_bodies(stack: Stack) -> None:
    malformed = await stack.http.post(
        "/api/v1/events",
        headers={**stack.responder, "Content-Type": "application/json"},
        content=b'{"events": [{"title": ',
    )
    assert malformed.status_code == 400 and "malformed JSON" in malformed.json()["detail"]
    too_many = await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [{"title": "x"}] * 1001}
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "events"
    empty = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": []})
    assert empty.status_code == 422
    huge = await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [{"title": "x", "description": "y" * 5_000_000}]}
    )
    assert huge.status_code == 413 and "larger than" in huge.json()["detail"]
    wrong_type = await stack.http.post("/api/v1/events", headers=stack.responder, json=[{"title": "x"}])
    assert wrong_type.status_code == 422
    not_json = await stack.http.post(
        "/api/v1/alerts/", headers={**stack.responder, "Content-Type": "text/plain"}, content=b"hello"
    )
    assert 400 <= not_json.status_code < 500


async def test_unknown_alert_is_404_and_bulk_rejects_duplicates(stack: Stack) -> None:
    missing = await stack.http.post("/api/v1/alerts/nope/acknowledge", headers=stack.responder)
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert (await stack.http.get("/api/v1/alerts/nope", headers=stack.viewer)).status_code == 404
    dupes = await stack.http.post(
        "/api/v1/alerts/bulk_action", headers=stack.responder, json={"action": "resolve", "alert_ids": ["a", "a"]}
    )
    assert dupes.status_code == 422


@pytest.fixture
async def offline_api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    """An API whose Temporal address answers nothing."""
    dead = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}", "update_timeout_seconds": 3.0})
    async with api_stack(dead, sessions) as stack:
        yield stack


async def test_temporal_unreachable_is_503_with_a_message(
    offline_api: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Reads and the ingest inbox work without Temporal; what needs Temporal now is a 503 saying so."""
    http, stack = offline_api.http, offline_api
    events = await http.post("/api/v1/events", headers=stack.responder, json={"events": [{"title": "x"}]})
    assert events.status_code == 202, events.text  # durable in the inbox: drained once Temporal is back
    key = events.json()["results"][0]["key"]
    async with sessions.begin() as session:
        queued = await session.scalars(select(IngestInbox.key).where(IngestInbox.tenant_id == stack.tenant))
        assert list(queued) == [key]
        await session.execute(delete(IngestInbox).where(IngestInbox.tenant_id == stack.tenant))  # no later drain
    create = await http.post("/api/v1/alerts/", headers=stack.responder, json={"title": "x"})
    assert create.status_code == 503 and create.json()["detail"]
    health = await http.get("/api/v1/alerts/health", headers=stack.viewer)
    assert health.status_code == 503 and health.json()["checks"]["temporal"]["ok"] is False
    assert health.json()["checks"]["database"]["ok"] is True
    assert (await http.get("/api/v1/alerts/", headers=stack.viewer)).status_code == 200  # reads still work


async def test_nul_characters_anywhere_are_a_422_not_a_500(stack: Stack) -> None:
    """Fields without their own NUL check reach PostgreSQL, which refuses NUL: the API says so."""
    channel = {"name": "ops\u0000hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}}
    answer = await stack.http.post("/api/v1/channels", json=channel, headers=stack.admin)
    assert answer.status_code == 422, answer.text
    assert "NUL" in answer.json()["detail"]
    heartbeat = {"name": "nul", "interval_seconds": 60, "labels": {}, "description": "x\u0000"}
    assert (await stack.http.post("/api/v1/heartbeats", json=heartbeat, headers=stack.admin)).status_code == 422


async def test_a_chunked_body_over_the_limit_is_a_413_like_any_other(stack: Stack) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"events": [{"title": "x", "description": "'
        for _ in range(100):
            yield b"y" * 50_000  # 5 MB in all, no Content-Length
        yield b'"}]}'

    for path in ("/api/v1/events", "/api/v1/alerts/", "/api/v1/metrics"):
        huge = await stack.http.post(
            path, headers={**stack.responder, "Content-Type": "application/json"}, content=chunks()
        )
        assert huge.status_code == 413, (path, huge.text)
        assert "larger than" in huge.json()["detail"]


async def test_a_label_name_of_ten_thousand_characters_is_refused_at_every_door(stack: Stack) -> None:
    name = "a" * 10_000
    event = await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [{"title": "x", "labels": {name: "v"}}]}
    )
    assert event.status_code == 422 and "longer than 128 characters" in event.text
    alert = await stack.http.post(
        "/api/v1/alerts/", headers=stack.responder, json={"title": "x", "labels": {name: "v"}}
    )
    assert alert.status_code == 422 and "longer than 128 characters" in alert.text
    metric = await stack.http.post(
        "/api/v1/metrics", headers=stack.responder, json={"samples": [{"name": "m", "labels": {name: "v"}, "value": 1}]}
    )
    assert metric.status_code == 422 and "longer than 128 characters" in metric.text


async def test_a_path_with_a_control_character_is_not_found(stack: Stack) -> None:
    # Starlette's `$` matched before a final newline: /api/v1/alerts/%0A answered as the list.
    for path in ("/api/v1/alerts/%0A", "/api/v1/channels/%0A", "/api/v1/alerts/x%00y"):
        answer = await stack.http.get(path, headers=stack.viewer)
        assert answer.status_code == 404, (path, answer.text)
        assert "control character" in answer.json()["detail"]


async def test_every_operation_documents_the_one_error_body(stack: Stack) -> None:
    document = (await stack.http.get("/openapi.json")).json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert responses["422"]["content"]["application/json"]["schema"] == error, (method, path)
            if path not in PUBLIC | SECRET_URLS | BODY_KEYS:  # a secret URL or body key is the credential: no 401
                assert responses["401"]["content"]["application/json"]["schema"] == error, (method, path)
            else:
                assert "401" not in responses, (method, path)
            if "{" in path:
                assert responses["404"]["content"]["application/json"]["schema"] == error, (method, path)
