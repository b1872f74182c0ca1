"""Generic webhook: signed JSON POST.

Headers: `X-Herald-Event`, `X-Herald-Timestamp` (Unix seconds), `X-Herald-Signature`
(`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the channel secret, when one is
set) and `Idempotency-Key` (the same on every retry of one notification).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Annotated, Any

import httpx
from pydantic import Field, StringConstraints, field_validator

from channels.base import ChannelTarget, Message, Sent, alert_fields, classify_response, post
from channels.config import ChannelConfig, HeaderText, SendableUrl

# Set by Herald, or by HTTP itself: the destination (`Host`), the framing (`Content-Length`,
# `Transfer-Encoding`) and the hop-by-hop headers are never a channel's to choose.
RESERVED_HEADERS = {
    "content-type", "idempotency-key", "x-herald-signature", "x-herald-timestamp", "x-herald-event",
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade",
}  # fmt: skip
RESERVED_PREFIXES = ("proxy-",)  # Proxy-Authorization, Proxy-Connection...


class WebhookConfig(ChannelConfig):
    # The URL may carry credentials (user:pass@, ?token=) and the headers API keys: both are secret,
    # as Alertmanager's webhook `url` is.
    SECRETS = ("secret", "url", "headers")
    SECRET_MAPS = ("headers",)
    url: SendableUrl = Field(description="http(s) URL that receives a POST per notification")
    secret: Annotated[str, StringConstraints(min_length=8, max_length=500)] | None = Field(
        None, description="HMAC key for X-Herald-Signature; write-only"
    )
    headers: dict[str, Annotated[HeaderText, StringConstraints(max_length=2000)]] = Field(
        default_factory=dict, max_length=20
    )

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in RESERVED_HEADERS or name.lower().startswith(RESERVED_PREFIXES):
                raise ValueError(
                    f"header {name!r} is reserved (set by Herald or by HTTP itself) and cannot be set by a channel"
                )
            if not name or not all(c.isalnum() or c in "-_" for c in name):
                raise ValueError(f"header name {name!r} is not a valid HTTP header name")
        return headers


def build_payload(message: Message) -> dict[str, Any]:
    return {
        "event": message.event.value,
        "alert": alert_fields(message.alert, message.members),
        "links": {
            "api": message.links.api,
            "dashboard": message.links.dashboard,
            "temporal_ui": message.links.temporal_ui,
        },
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_headers(target: ChannelTarget) -> dict[str, str]:
    """The channel's own headers: sealed (JSON) since they became secret, public in older rows."""
    sealed = target.secrets.get("headers")
    found: dict[str, str] = json.loads(sealed) if sealed else target.config.get("headers", {})
    return found


class WebhookSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        body = json.dumps(build_payload(message), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {str(k): str(v) for k, v in webhook_headers(target).items()}
        headers.update(
            {
                "Content-Type": "application/json",
                "User-Agent": "Herald",
                "X-Herald-Event": message.event.value,
                "X-Herald-Timestamp": timestamp,
                "Idempotency-Key": message.idempotency_key,
            }
        )
        secret = target.secrets.get("secret")
        if secret:
            headers["X-Herald-Signature"] = sign(secret, timestamp, body)
        url = target.secrets.get("url") or target.config["url"]  # rows saved before the URL was secret
        response = await post(self._http, target, url, content=body, headers=headers)
        return classify_response(response)
