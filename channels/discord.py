"""Discord: an execute-webhook POST with an embed coloured by severity.

`?wait=true` makes Discord answer with the created message, whose id is recorded. A 429
carries `retry_after` (seconds) in its JSON body as well as the `Retry-After` header.

The embed always fits Discord's published limits ("Embed Limits" in its developer docs):
title 256 characters, description 4096, at most 25 fields of name 256 and value 1024, footer
2048, and 6000 characters over all of them together (Discord answers 400 otherwise, which is
permanent). The title, the severity, status and source fields, the footer and the link (the
embed's `url`) are kept; the description and the labels share what is left, the longest cut
first, and a cut says how much it left out. Alert data is escaped (`channels/markup.py`).
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
from channels.fit import cut, share, utf16
from channels.markup import discord as escape
from channels.style import FIXED_FACTS, colour_int, facts, state_line
from models.timestamps import utc_text

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, TOTAL = 256, 4096, 25, 256, 1024, 2048, 6000


class DiscordConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: SendableUrl = Field(description="Discord webhook URL; write-only (it holds a token)")
    username: str | None = Field(None, max_length=80)


def build_payload(message: Message, username: str | None) -> dict[str, Any]:
    alert = message.alert
    title = cut(message.rendered.subject, TITLE)
    footer = cut(f"{state_line(alert, message.event)} · Herald", FOOTER)  # the footer shows no markdown
    rows = [(cut(escape(name), FIELD_NAME), escape(value) or "-") for name, value in facts(alert)[:FIELDS]]
    fixed, labels = rows[:FIXED_FACTS], rows[FIXED_FACTS:]
    fixed = [(name, cut(value, FIELD_VALUE)) for name, value in fixed]
    kept = utf16(title) + utf16(footer) + sum(utf16(name) + utf16(value) for name, value in fixed)
    # The description, the labels' names and their values share what the kept parts leave.
    parts = [message.rendered.text] + [text for row in labels for text in row]
    limits = [DESCRIPTION] + [FIELD_NAME, FIELD_VALUE] * len(labels)
    cap = share([min(utf16(text), limit) for text, limit in zip(parts, limits, strict=True)], TOTAL - kept)
    fitted = [cut(text, min(cap, limit), say=True) for text, limit in zip(parts, limits, strict=True)]
    description, rest = fitted[0], fitted[1:]
    fields = fixed + list(zip(rest[0::2], rest[1::2], strict=True))
    embed = {
        "title": title,
        "description": description,
        "url": message.links.dashboard,
        "color": colour_int(alert),
        "fields": [{"name": name, "value": value, "inline": True} for name, value in fields],
        "footer": {"text": footer},
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
