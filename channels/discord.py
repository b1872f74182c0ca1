"""Discord: an execute-webhook POST with an embed coloured by severity.

`?wait=true` makes Discord answer with the created message, whose id is recorded. A 429
carries `retry_after` (seconds) in its JSON body as well as the `Retry-After` header.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import Field

from channels.base import (
    ChannelTarget,
    Message,
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sent,
    classify_response,
    json_body,
    parse_retry_after,
    post,
    provider_ref,
)
from channels.config import ChannelConfig, SendableUrl
from channels.style import colour_int, facts, state_line
from models.timestamps import utc_text


class DiscordConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: SendableUrl = Field(description="Discord webhook URL; write-only (it holds a token)")
    username: str | None = Field(None, max_length=80)


def build_payload(message: Message, username: str | None) -> dict[str, Any]:
    alert = message.alert
    embed = {
        "title": message.rendered.subject[:256],
        "description": message.rendered.text[:4096],
        "url": message.links.dashboard,
        "color": colour_int(alert),
        "fields": [
            {"name": name[:256], "value": value[:1024] or "-", "inline": True} for name, value in facts(alert)[:25]
        ],
        "footer": {"text": f"{state_line(alert, message.event)} · Herald"},
        "timestamp": utc_text(alert.last_seen),
    }
    payload: dict[str, Any] = {"embeds": [embed], "allowed_mentions": {"parse": []}}
    if username:
        payload["username"] = username
    return payload


class DiscordSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        url = target.secrets.get("webhook_url")
        if not url:
            raise PermanentDeliveryError("discord channel has no webhook URL")
        payload = build_payload(message, target.config.get("username"))
        response = await post(self._http, target, url, params={"wait": "true"}, json=payload)
        if response.status_code == 429:
            retry_after = json_body(response).get("retry_after")
            raise RetryableDeliveryError(
                "rate limited (429)",
                provider_status=429,
                retry_after=float(retry_after)
                if isinstance(retry_after, int | float)
                else parse_retry_after(response.headers.get("Retry-After")),
            )
        body = json_body(response)
        if response.status_code >= 300:
            classify_response(response, code=body.get("code"))  # Discord's numeric error code, e.g. 50027
        return classify_response(response, provider_id=provider_ref(body.get("id")))
