"""Pure functions: group keys, webhook payload and signature, response classification."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import ValidationError

from api.routers.slack import already_done
from channels.base import (
    Links,
    PermanentDeliveryError,
    RetryableDeliveryError,
    classify_response,
    parse_retry_after,
    provider_ref,
)
from channels.webhook import WebhookConfig, build_payload, sign
from models.tables import Alert
from tests.support.messages import message
from workflows.ids import alert_workflow_id as workflow_id
from workflows.ids import labels_key
from workflows.payloads import AlertContent, AlertStatus, AlertView, NotifyEvent


def test_labels_key_is_stable_order_free_and_tenant_scoped() -> None:
    key = labels_key("acme", {"host": "db1", "check": "disk"})
    assert key == labels_key("acme", {"check": "disk", "host": "db1"})
    assert key != labels_key("other", {"host": "db1", "check": "disk"})
    assert key != labels_key("acme", {"host": "db1"})
    # The documented recipe, computed independently:
    canonical = json.dumps(["acme", [["check", "disk"], ["host", "db1"]]], separators=(",", ":"))
    assert key == hashlib.sha256(canonical.encode()).hexdigest()[:32]
    assert workflow_id("acme", key) == f"alert/acme/{key}"


def test_signature_matches_an_independent_hmac() -> None:
    body = b'{"event":"triggered"}'
    expected = hmac.new(b"secret-key", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("secret-key", "1700000000", body) == f"sha256={expected}"


def test_payload_carries_the_alert_and_links() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    view = AlertView(
        alert_id="a1",
        workflow_id="alert/t/k",
        tenant_id="t",
        key="k",
        status=AlertStatus.ACKNOWLEDGED,
        content=AlertContent(title="CPU", labels={"host": "x"}),
        event_count=3,
        first_seen=now,
        last_seen=now,
        acknowledged_at=now,
        acknowledged_by="alice",
    )
    payload = build_payload(
        message(NotifyEvent.ACKNOWLEDGED, alert=view, links=Links("http://api/a1", "http://ui/wf", "http://dash/a1"))
    )
    assert payload["event"] == "acknowledged"
    assert payload["alert"]["id"] == "a1" and payload["alert"]["acknowledged_by"] == "alice"
    assert payload["alert"]["first_seen"] == "2026-01-02T03:04:05Z"
    assert payload["links"] == {"api": "http://api/a1", "dashboard": "http://dash/a1", "temporal_ui": "http://ui/wf"}


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert classify_response(httpx.Response(status)).provider_status == status


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retryable(status: int) -> None:
    with pytest.raises(RetryableDeliveryError):
        classify_response(httpx.Response(status, text="boom"))


def test_429_carries_retry_after() -> None:
    with pytest.raises(RetryableDeliveryError) as caught:
        classify_response(httpx.Response(429, headers={"Retry-After": "7"}))
    assert caught.value.retry_after == 7.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None  # falls back to our backoff


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_4xx_is_permanent_and_never_repeats_the_body(status: int) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        classify_response(httpx.Response(status, text="instance-id: i-0123 secret"))
    assert str(caught.value).startswith(f"rejected ({status} ") and "secret" not in str(caught.value)


def test_a_delivered_answer_is_described_by_its_status_only() -> None:
    sent = classify_response(httpx.Response(200, text="ami-id\nhostname\niam/security-credentials/"))
    assert sent.detail == "accepted (200 OK)"


@pytest.mark.parametrize(
    ("code", "kept"),
    [("channel_not_found", True), (21211, True), ("BadDeviceToken", True), ("has spaces in it", False),
     ("x" * 65, False), ({"nested": 1}, False), (True, False), ("line\nbreak", False)],
)  # fmt: skip
def test_only_a_code_shaped_provider_code_is_kept(code: object, kept: bool) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        classify_response(httpx.Response(400, text="body"), code=code)
    assert (str(code) in str(caught.value)) is kept


@pytest.mark.parametrize(
    "name",
    [
        "Host", "HOST", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "TE", "Trailer",
        "Upgrade", "Proxy-Authorization", "proxy-connection", "X-Herald-Signature", "Idempotency-Key",
    ],
)  # fmt: skip
def test_a_webhook_cannot_set_reserved_headers(name: str) -> None:
    with pytest.raises(ValidationError, match=f"header '{name}' is reserved"):
        WebhookConfig.model_validate({"url": "https://hooks.example", "headers": {name: "x"}})


def test_a_webhook_may_set_its_own_headers() -> None:
    config = WebhookConfig.model_validate(
        {"url": "https://hooks.example", "headers": {"X-Team": "sre", "Authorization": "t"}}
    )
    assert config.headers == {"X-Team": "sre", "Authorization": "t"}


@pytest.mark.parametrize(
    ("value", "kept"),
    [("C0123/1700000000.000001", True), ("projects/p/messages/0:123", True), (1234567890, True),
     ("SM0123456789abcdef", True), ("<html>", False), ("two words", False), ("x" * 256, False), (None, False)],
)  # fmt: skip
def test_only_an_id_shaped_provider_id_is_kept(value: object, kept: bool) -> None:
    assert (provider_ref(value) is not None) is kept


def test_a_late_slack_click_is_told_who_acted_in_escaped_mrkdwn() -> None:
    # Before: an actor named `<!channel>` reached Slack as a mention.
    resolved = Alert(status="resolved", resolved_by="<!channel> & co")
    assert already_done(resolved, "acknowledge") == "This alert was already resolved by &lt;!channel&gt; &amp; co."
    acked = Alert(status="acknowledged", acknowledged_by="<@U1>")
    assert already_done(acked, "acknowledge") == "This alert was already acknowledged by &lt;@U1&gt;."
    assert already_done(acked, "resolve") is None
