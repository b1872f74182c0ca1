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
from typing import Any

import httpx

from channels.base import ChannelTarget, Message, Sent, alert_fields, classify_response, post


def build_payload(message: Message) -> dict[str, Any]:
    return {
        "event": message.event.value,
        "alert": alert_fields(message.alert),
        "links": {"api": message.links.api, "temporal_ui": message.links.temporal_ui},
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        body = json.dumps(build_payload(message), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {str(k): str(v) for k, v in target.config.get("headers", {}).items()}
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
        response = await post(self._http, target, target.config["url"], content=body, headers=headers)
        return classify_response(response)
