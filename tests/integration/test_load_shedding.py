"""Load shedding through the real app: requests held open by a body the test streams slowly fill
the in-flight limits; the next request is refused (503 process-wide, 429 per key) with
Retry-After and the usual error body. Failed authentications from one address are limited
before any database lookup. `/healthz` always answers."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import make_keys
from tests.support.statements import counted_statements


@asynccontextmanager
async def limited_app(settings: Settings, **limits: int) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update=limits))
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, source: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(source, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://herald.test")


class Held:
    """A POST /api/v1/events whose body arrives only when released: in flight until then."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.entered = asyncio.Event()  # the app has started reading the body: past the middleware
        self.release = asyncio.Event()
        self.task = asyncio.create_task(http.post("/api/v1/events", headers=headers, content=self._body()))

    async def _body(self) -> AsyncIterator[bytes]:
        self.entered.set()
        yield b'{"events": '
        await self.release.wait()
        yield b"0}"  # not a list: answered 422 once read


@asynccontextmanager
async def held(http: httpx.AsyncClient, headers: list[dict[str, str]]) -> AsyncIterator[list[Held]]:
    requests = [Held(http, h) for h in headers]
    try:
        await asyncio.wait_for(asyncio.gather(*(r.entered.wait() for r in requests)), timeout=10)
        yield requests
    finally:
        for request in requests:
            request.release.set()
        answers = await asyncio.wait_for(asyncio.gather(*(r.task for r in requests)), timeout=10)
    assert [a.status_code for a in answers] == [422] * len(requests), [a.text for a in answers]


def assert_refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["content-type"] == "application/json"
    assert words in response.json()["detail"]


async def test_over_the_process_limit_is_503_with_retry_after_and_healthz_still_answers(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    keys = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    async with limited_app(settings, max_in_flight=3) as app, client(app) as http:
        async with held(http, [keys[Role.ADMIN]] * 3):
            refused = await http.get("/api/v1/alerts/", headers=keys[Role.VIEWER])
            assert_refused(refused, 503, "limit of 3 requests in progress")
            health = await http.get("/healthz")
            assert health.status_code == 200 and health.json() == {"status": "ok"}
        # the slots are free again once the held requests are answered
        assert (await http.get("/api/v1/alerts/", headers=keys[Role.VIEWER])).status_code == 200


async def test_one_key_over_its_limit_is_429_while_another_key_of_the_tenant_gets_through(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    keys = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    async with limited_app(settings, max_in_flight=10, max_in_flight_per_key=2) as app, client(app) as http:
        async with held(http, [keys[Role.ADMIN]] * 2):
            refused = await http.get("/api/v1/alerts/", headers=keys[Role.ADMIN])
            assert_refused(refused, 429, "this API key has 2 requests in progress")
            other = await http.get("/api/v1/alerts/", headers=keys[Role.RESPONDER])
            assert other.status_code == 200, other.text
        assert (await http.get("/api/v1/alerts/", headers=keys[Role.ADMIN])).status_code == 200


async def test_failed_authentications_from_one_address_are_limited_without_a_database_lookup(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    keys = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    bad = {"Authorization": "Bearer hk_not-a-key"}
    async with (
        limited_app(settings, auth_failures_per_minute=3) as app,
        client(app, "203.0.113.7") as guesser,
        client(app, "198.51.100.9") as neighbour,
    ):
        assert (await guesser.get("/api/v1/alerts/", headers=keys[Role.ADMIN])).status_code == 200
        with counted_statements() as statements:
            for _ in range(3):
                assert (await guesser.get("/api/v1/alerts/", headers=bad)).status_code == 401
        assert statements, "a failed authentication is looked up in the database"

        with counted_statements() as statements:
            refused = await guesser.get("/api/v1/alerts/", headers=bad)
            missing = await guesser.get("/api/v1/alerts/")
            fresh_good_key = await guesser.get("/api/v1/alerts/", headers=keys[Role.RESPONDER])
        assert statements == []
        assert_refused(refused, 429, "too many failed authentications")
        assert_refused(missing, 429, "too many failed authentications")
        # Decided: a key that has not authenticated in this process cannot be told from a guess
        # without the database, so it waits like one; a key that has is let through.
        assert_refused(fresh_good_key, 429, "too many failed authentications")
        assert (await guesser.get("/api/v1/alerts/", headers=keys[Role.ADMIN])).status_code == 200
        assert (await guesser.get("/healthz")).status_code == 200
        # another address is not affected
        assert (await neighbour.get("/api/v1/alerts/", headers=bad)).status_code == 401
        assert (await neighbour.get("/api/v1/alerts/", headers=keys[Role.RESPONDER])).status_code == 200


async def test_openapi_documents_429_and_503_on_every_route_but_the_probes(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with limited_app(settings) as app, client(app) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    assert "429" not in paths["/healthz"]["get"]["responses"]
    assert "429" not in paths["/readyz"]["get"]["responses"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path not in ("/healthz", "/readyz"):
                assert {"429", "503"} <= operation["responses"].keys(), (method, path)


async def test_a_console_session_and_a_basic_password_count_against_their_keys_limit(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Every way to present a key is one credential to the per-key limit: its session cookie and the password of
    Basic authentication too (not only a bearer token), and a session that signed in passes a source's failure
    limit as a key that authenticated does."""
    keys = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    raw = keys[Role.RESPONDER]["Authorization"].removeprefix("Bearer ")
    async with (
        limited_app(settings, max_in_flight=10, max_in_flight_per_key=2, auth_failures_per_minute=2) as app,
        client(app) as console,
        client(app) as script,
    ):
        signed = await console.post("/api/v1/session", json={"api_key": raw})
        assert signed.status_code == 200, signed.text
        csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
        assert (await console.get("/api/v1/alerts/")).status_code == 200  # the session authenticated once
        async with held(console, [csrf] * 2):
            refused = await console.get("/api/v1/alerts/")
            assert_refused(refused, 429, "this API key has 2 requests in progress")
            other = await script.get("/api/v1/alerts/", headers=keys[Role.VIEWER])
            assert other.status_code == 200, other.text
        assert (await console.get("/api/v1/alerts/")).status_code == 200

        basic = {"Authorization": "Basic " + base64.b64encode(f"any:{raw}".encode()).decode()}
        async with held(script, [basic] * 2):
            refused = await script.get("/api/v1/alerts/", headers=basic)
            assert_refused(refused, 429, "this API key has 2 requests in progress")

        for _ in range(2):  # this address guesses keys until its failure bucket is empty
            assert (
                await script.get("/api/v1/alerts/", headers={"Authorization": "Bearer hk_guess"})
            ).status_code == 401
        assert_refused(await script.get("/api/v1/alerts/"), 429, "too many failed authentications")
        assert (await console.get("/api/v1/alerts/")).status_code == 200  # the signed-in session still passes
