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

from activities.channels.base import ChannelTarget, Message, Sent, classify_response, post


def build_payload(message: Message) -> dict[str, Any]:
    alert = message.alert
    content = alert.content
    return {
        "event": message.event.value,
        "alert": {
            "id": alert.alert_id,
            "key": alert.key,
            "title": content.title,
            "description": content.description,
            "severity": content.severity.value,
            "category": content.category.value,
            "source": content.source,
            "status": alert.status.value,
            "labels": content.labels,
            "annotations": content.annotations,
            "event_count": alert.event_count,
            "first_seen": alert.first_seen.isoformat(),
            "last_seen": alert.last_seen.isoformat(),
            "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
            "acknowledged_by": alert.acknowledged_by,
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
            "resolved_by": alert.resolved_by,
        },
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
