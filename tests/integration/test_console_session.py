"""The console's sign-in (`/api/v1/session`): an API key exchanged for an HttpOnly cookie; the cookie
authenticates as the key, its writes need the CSRF token, and it ends with sign-out, expiry or its key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import ApiKey, ConsoleSession
from settings import Settings
from tests.integration.conftest import Stack, api_stack

BULK = {"action": "acknowledge", "alert_ids": ["no-such-alert"]}


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings, sessions) as stack:
        yield stack


def raw(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def sign_in(api: Stack, headers: dict[str, str]) -> dict[str, str]:
    answer = await api.http.post("/api/v1/session", json={"api_key": raw(headers)})
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


async def test_sign_in_sets_an_httponly_strict_cookie_and_answers_who(api: Stack) -> None:
    answer = await api.http.post("/api/v1/session", json={"api_key": raw(api.responder)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["tenant"] == api.tenant and body["role"] == "responder"
    assert body["actor"] == "api-key:responder-key" and len(body["csrf_token"]) >= 32
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("herald_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http, and public_url is http
    assert raw(api.responder) not in cookie

    me = await api.http.get("/api/v1/session")
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]
    assert me.json()["tenant"] == api.tenant
    listed = await api.http.get("/api/v1/alerts/")  # no Authorization header: the cookie authenticates
    assert listed.status_code == 200, listed.text


async def test_the_cookie_is_secure_when_herald_is_public_over_https(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    public = settings.model_copy(update={"public_url": "https://herald.example.com"})
    async with api_stack(public, sessions) as api:
        answer = await api.http.post("/api/v1/session", json={"api_key": raw(api.viewer)})
        assert answer.status_code == 200
        assert "secure" in {part.strip().lower() for part in answer.headers["set-cookie"].split(";")}


async def test_a_bad_key_is_401_and_an_empty_one_422(api: Stack) -> None:
    bad = await api.http.post("/api/v1/session", json={"api_key": "hk_not-a-key"})
    assert bad.status_code == 401 and "api_key" in bad.json()["detail"]
    assert "set-cookie" not in bad.headers
    empty = await api.http.post("/api/v1/session", json={"api_key": ""})
    assert empty.status_code == 422 and "api_key" in empty.text


async def test_without_a_session_who_am_i_is_401(api: Stack) -> None:
    assert (await api.http.get("/api/v1/session")).status_code == 401
    assert (await api.http.get("/api/v1/session", headers=api.viewer)).status_code == 401  # a key is no session
    api.http.cookies.set("herald_session", "made-up")
    answer = await api.http.get("/api/v1/alerts/")
    assert answer.status_code == 401 and "session" in answer.json()["detail"]


async def test_a_cookie_write_needs_the_csrf_header(api: Stack) -> None:
    session = await sign_in(api, api.responder)
    missing = await api.http.post("/api/v1/alerts/bulk_action", json=BULK)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = await api.http.post("/api/v1/alerts/bulk_action", json=BULK, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    right = await api.http.post(
        "/api/v1/alerts/bulk_action", json=BULK, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert right.status_code == 200, right.text
    assert right.json()["results"][0]["status"] == 404


async def test_a_viewer_session_keeps_the_viewer_role(api: Stack) -> None:
    session = await sign_in(api, api.viewer)
    refused = await api.http.post(
        "/api/v1/alerts/bulk_action", json=BULK, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert refused.status_code == 403 and "responder" in refused.json()["detail"]


async def test_sign_out_ends_the_session_and_clears_the_cookie(api: Stack) -> None:
    session = await sign_in(api, api.viewer)
    cookie = api.http.cookies["herald_session"]
    assert (await api.http.delete("/api/v1/session")).status_code == 403  # a write: CSRF needed
    out = await api.http.delete("/api/v1/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert out.status_code == 204
    assert 'herald_session=""' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
    async with httpx.AsyncClient(transport=api.http._transport, base_url="http://herald.test") as other:
        other.cookies.set("herald_session", cookie)
        assert (await other.get("/api/v1/alerts/")).status_code == 401


async def test_an_expired_session_is_401(api: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    await sign_in(api, api.viewer)
    assert (await api.http.get("/api/v1/session")).status_code == 200
    async with sessions.begin() as db:
        tenant_keys = select(ApiKey.id).where(ApiKey.tenant_id == api.tenant)
        await db.execute(
            update(ConsoleSession)
            .where(ConsoleSession.api_key_id.in_(tenant_keys))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert (await api.http.get("/api/v1/session")).status_code == 401
    assert (await api.http.get("/api/v1/alerts/")).status_code == 401


async def test_a_key_revoked_after_sign_in_ends_its_sessions(api: Stack) -> None:
    await sign_in(api, api.responder)
    assert (await api.http.get("/api/v1/alerts/")).status_code == 200
    keys = (await api.http.get("/api/v1/api-keys", headers=api.admin)).json()
    responder = next(k for k in keys if k["role"] == "responder")
    revoked = await api.http.delete(f"/api/v1/api-keys/{responder['id']}", headers=api.admin)
    assert revoked.status_code in (200, 204), revoked.text
    answer = await api.http.get("/api/v1/alerts/")
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]
