"""The egress policy through the real transport, against local peers: a refused destination is
refused before any connection (the peer sees nothing), an allowed one is reached at the checked
address, redirects cannot lead around the check, and no cookie survives from one call to the next.

Names other than `localhost` are answered by the test's own resolver (no DNS query leaves the
machine); every address any of these tests could connect to is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.channel_input import parse_config
from channels.base import ChannelTarget, PermanentDeliveryError
from channels.email import EmailSender
from channels.webhook import WebhookSender
from egress.http import http_client
from egress.policy import EgressDenied, EgressPolicy
from models.api_keys import Role
from rules.sources import PrometheusSource, SourceUnreachable, prometheus_query
from settings import Settings
from tests.integration.conftest import Stack, api_stack, make_keys
from tests.support.messages import message
from tests.support.receiver import Scripted, WebhookReceiver

DENY_INTERNAL = EgressPolicy.parse("")


async def to_loopback(host: str, port: int) -> list[str]:
    """A resolver for names that do not exist: every one of them is 127.0.0.1."""
    return ["127.0.0.1"]


def webhook(url: str) -> ChannelTarget:
    """Through the API's validation, as a stored channel would be (it normalises `0177.0.0.1` and friends)."""
    stored = parse_config("webhook", {"url": url, "timeout_seconds": 5})
    return ChannelTarget("c1", "ops", "webhook", stored.public, stored.secrets)


class Listener:
    """A bare TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.accepted = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    server = Listener()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def other() -> AsyncIterator[WebhookReceiver]:
    server = WebhookReceiver()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]"]
)
async def test_loopback_is_refused_before_any_connection(receiver: WebhookReceiver, host: str) -> None:
    async with http_client(DENY_INTERNAL) as http:
        with pytest.raises(PermanentDeliveryError, match=r"egress to (127\.0\.0\.1|::ffff:7f00:1) denied by policy"):
            await WebhookSender(http).send(webhook(f"http://{host}:{receiver.port}/hook"), message())
    await asyncio.sleep(0.1)
    assert receiver.received == []


async def test_a_name_that_resolves_to_loopback_is_refused(receiver: WebhookReceiver) -> None:
    async with http_client(EgressPolicy(resolver=to_loopback)) as http:
        with pytest.raises(PermanentDeliveryError, match="denied by policy"):
            await WebhookSender(http).send(webhook(f"http://hooks.example:{receiver.port}/hook"), message())
    assert receiver.received == []


async def test_allowed_loopback_is_reached_at_the_checked_address_under_its_name(receiver: WebhookReceiver) -> None:
    """`hooks.example` exists only in the policy's resolver: reaching the receiver proves the
    connection went to the address the policy checked, while the request kept the name."""
    policy = EgressPolicy.parse("127.0.0.0/8", resolver=to_loopback)
    async with http_client(policy) as http:
        sent = await WebhookSender(http).send(webhook(f"http://hooks.example:{receiver.port}/hook"), message())
    assert sent.provider_status == 200
    [got] = receiver.received
    assert got.headers["host"] == f"hooks.example:{receiver.port}"


async def test_localhost_is_allowed_by_a_loopback_allow_list(receiver: WebhookReceiver) -> None:
    async with http_client(EgressPolicy.parse("127.0.0.0/8")) as http:
        sent = await WebhookSender(http).send(webhook(f"http://localhost:{receiver.port}/hook"), message())
    assert sent.provider_status == 200 and len(receiver.received) == 1


async def test_a_redirect_is_not_followed_by_a_sender(receiver: WebhookReceiver, other: WebhookReceiver) -> None:
    receiver.script.append(Scripted(307, headers={"Location": f"{other.url}"}))
    async with http_client(EgressPolicy.parse("127.0.0.1/32")) as http:
        with pytest.raises(PermanentDeliveryError, match=r"rejected \(307"):
            await WebhookSender(http).send(webhook(receiver.url), message())
    assert len(receiver.received) == 1 and other.received == []


async def test_a_followed_redirect_to_a_denied_address_is_refused(
    receiver: WebhookReceiver, other: WebhookReceiver
) -> None:
    """The first hop is allowed by name; the redirect names another host that resolves to
    loopback: the same transport refuses it before connecting."""
    policy = EgressPolicy.parse("hooks.example", resolver=to_loopback)
    receiver.script.append(Scripted(307, headers={"Location": f"http://elsewhere.example:{other.port}/hook"}))
    async with http_client(policy) as http:
        with pytest.raises(EgressDenied, match=r"egress to 127\.0\.0\.1 denied"):
            await http.post(f"http://hooks.example:{receiver.port}/hook", content=b"{}", follow_redirects=True)
    assert len(receiver.received) == 1 and other.received == []


async def test_a_cookie_set_by_a_receiver_is_never_sent_back(receiver: WebhookReceiver) -> None:
    receiver.script.append(Scripted(200, headers={"Set-Cookie": "session=tenant-a; Path=/"}))
    async with http_client(EgressPolicy.parse("127.0.0.1/32")) as http:
        sender = WebhookSender(http)
        await sender.send(webhook(receiver.url), message())
        await sender.send(webhook(receiver.url), message())
        assert len(http.cookies.jar) == 0
    first, second = receiver.received
    assert "cookie" not in first.headers and "cookie" not in second.headers


async def test_smtp_to_a_denied_host_never_connects(listener: Listener) -> None:
    config = {"host": "localhost", "port": listener.port, "from_address": "herald@example.com", "to": ["a@example.com"]}
    target = ChannelTarget("c1", "mail", "email", config)
    with pytest.raises(PermanentDeliveryError, match=r"egress to 127\.0\.0\.1 denied by policy"):
        await EmailSender(DENY_INTERNAL).send(target, message())
    await asyncio.sleep(0.1)
    assert listener.accepted == 0


async def test_a_prometheus_source_at_a_denied_address_is_not_asked(receiver: WebhookReceiver) -> None:
    async with http_client(DENY_INTERNAL) as http:
        with pytest.raises(SourceUnreachable, match="denied by policy"):
            await prometheus_query(http, PrometheusSource(url=receiver.base), "vector(1)", datetime.now(UTC))
    assert receiver.received == []


# --- The API's answers ------------------------------------------------------------------


async def channel(api: Stack, config: dict[str, Any]) -> str:
    created = await api.http.post(
        "/api/v1/channels", headers=api.admin, json={"name": "hook", "type": "webhook", "config": config}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_the_channel_test_answer_never_carries_the_remote_body(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver
) -> None:
    receiver.script.append(Scripted(200, body=b"ami-id\ninstance-id: i-0123\nsecret-token-200"))
    receiver.script.append(Scripted(500, body=b'{"AccessKeyId": "secret-token-500"}'))
    receiver.script.append(Scripted(403, body=b"secret-token-403"))
    async with api_stack(settings, sessions) as api:
        channel_id = await channel(api, {"url": receiver.url})
        answers = [
            (await api.http.post(f"/api/v1/channels/{channel_id}/test", headers=api.admin)).json() for _ in range(3)
        ]
    assert [a["detail"] for a in answers] == [
        "accepted (200 OK)",
        "server error (500 Internal Server Error)",
        "rejected (403 Forbidden)",
    ]
    assert [a["provider_status"] for a in answers] == [200, 500, 403]
    assert "secret-token" not in str(answers)


async def test_the_channel_test_to_an_internal_address_is_refused_before_connecting(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver
) -> None:
    internal = settings.model_copy(update={"egress_allow": ""})  # the production default
    async with api_stack(internal, sessions) as api:
        channel_id = await channel(api, {"url": f"http://127.0.0.1:{receiver.port}/anything"})
        answer = (await api.http.post(f"/api/v1/channels/{channel_id}/test", headers=api.admin)).json()
        host_header = await api.http.post(
            "/api/v1/channels",
            headers=api.admin,
            json={"name": "h", "type": "webhook", "config": {"url": receiver.url, "headers": {"Host": "metadata"}}},
        )
    assert answer == {
        "delivered": False,
        "provider_status": None,
        "provider_message_id": None,
        "detail": "egress to 127.0.0.1 denied by policy (HERALD_EGRESS_ALLOW)",
    }
    assert host_header.status_code == 422
    assert receiver.received == []


async def test_the_data_source_test_is_refused_or_answered_without_the_body(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver
) -> None:
    body = {"name": "prom", "type": "prometheus", "url": f"{receiver.base}/hook"}
    internal = settings.model_copy(update={"egress_allow": ""})
    async with api_stack(internal, sessions) as api:
        # A trailing `?` (which once let any path through) is refused when saved.
        with_query = await api.http.post(
            "/api/v1/datasources", json=body | {"url": body["url"] + "?"}, headers=api.admin
        )
        assert with_query.status_code == 422 and "no query or fragment" in with_query.text
        source = (await api.http.post("/api/v1/datasources", json=body, headers=api.admin)).json()
        denied = (await api.http.post(f"/api/v1/datasources/{source['id']}/test", headers=api.admin)).json()
    assert denied == {"ok": False, "detail": "egress to 127.0.0.1 denied by policy (HERALD_EGRESS_ALLOW)"}
    assert receiver.received == []

    # Allowed: the API path is joined to the URL's path (/hook/api/v1/query, which nothing serves),
    # and what answers is described by its status, not its words.
    async with api_stack(settings, sessions) as api:
        source = (await api.http.post("/api/v1/datasources", json=body, headers=api.admin)).json()
        tested = (await api.http.post(f"/api/v1/datasources/{source['id']}/test", headers=api.admin)).json()
    assert tested == {"ok": False, "detail": "Prometheus answered 404 (not a Prometheus error answer)"}
    assert receiver.received == []


async def test_a_cookie_from_one_tenants_receiver_never_reaches_another_tenants_call(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver
) -> None:
    """The API's one HTTP client serves every tenant: tenant A's receiver sets a cookie, and
    tenant B's test call to the same host carries none."""
    receiver.script.append(Scripted(200, headers={"Set-Cookie": "session=tenant-a-secret; Path=/"}))
    async with api_stack(settings, sessions) as api:
        other = (await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}"))[Role.ADMIN]
        mine = await channel(api, {"url": receiver.url})
        theirs = await api.http.post(
            "/api/v1/channels", headers=other, json={"name": "hook", "type": "webhook", "config": {"url": receiver.url}}
        )
        for channel_id, headers in ((mine, api.admin), (theirs.json()["id"], other), (mine, api.admin)):
            tested = await api.http.post(f"/api/v1/channels/{channel_id}/test", headers=headers)
            assert tested.json()["delivered"] is True
    assert len(receiver.received) == 3
    assert all("cookie" not in r.headers for r in receiver.received)
