"""The webhook sender against real HTTP peers: timeouts and refused connections are
retryable, 2xx is delivered, and the request carries the signed body and headers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import pytest

from channels.base import ChannelTarget, RetryableDeliveryError
from channels.webhook import WebhookSender
from devstack.ports import free_port
from egress.http import http_client
from tests.support.egress import LOOPBACK
from tests.support.messages import message
from tests.support.receiver import Scripted, WebhookReceiver


async def test_delivered_request_is_signed(receiver: WebhookReceiver) -> None:
    async with http_client(LOOPBACK) as http:
        target = ChannelTarget(
            "c1", "ops", "webhook", {"url": receiver.url, "headers": {"X-Team": "sre"}}, {"secret": "k3y-k3y-k3y"}
        )
        sent = await WebhookSender(http).send(target, message())
    assert sent.provider_status == 200
    [got] = receiver.received
    assert got.headers["idempotency-key"] == "idem-1" and got.headers["x-team"] == "sre"
    digest = hmac.new(b"k3y-k3y-k3y", got.headers["x-herald-timestamp"].encode() + b"." + got.body, hashlib.sha256)
    assert got.headers["x-herald-signature"] == "sha256=" + digest.hexdigest()


async def test_slow_receiver_is_a_retryable_timeout(receiver: WebhookReceiver) -> None:
    release = asyncio.Event()
    receiver.script.append(Scripted(200, hold=release))
    async with http_client(LOOPBACK) as http:
        target = ChannelTarget("c1", "ops", "webhook", {"url": receiver.url, "timeout_seconds": 0.3})
        with pytest.raises(RetryableDeliveryError, match="timed out"):
            await WebhookSender(http).send(target, message())
    release.set()


async def test_refused_connection_is_retryable() -> None:
    async with http_client(LOOPBACK) as http:
        target = ChannelTarget("c1", "ops", "webhook", {"url": f"http://127.0.0.1:{free_port()}/hook"})
        with pytest.raises(RetryableDeliveryError, match="connection failed"):
            await WebhookSender(http).send(target, message())
