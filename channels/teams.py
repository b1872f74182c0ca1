"""Microsoft Teams: an Adaptive Card posted to an incoming webhook or a Workflows (Power Automate) URL.

Both accept `{"type": "message", "attachments": [{contentType: adaptive card, content}]}`;
the classic connector answers 200 with the text `1`, Workflows answer 202. Neither returns
a message id.

The card always fits Teams' published message size limit, 28 KB (counted here as 28,672
bytes of the JSON sent): the title (at most 1,000 characters), the severity, status and
source facts, the state line and the **Open in Herald** action are kept; the description and
the labels share what is left, and a cut says how much it left out. Alert data is escaped
for the card's markdown (`channels/markup.py`), so `[text](url)` in a title is text.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import Field

from channels.base import ChannelTarget, Message, PermanentDeliveryError, Sent, classify_response, post
from channels.config import ChannelConfig, SendableUrl
from channels.fit import cut, json_bytes, share
from channels.markup import teams as escape
from channels.style import FIXED_FACTS, facts, state_line
from workflows.payloads import AlertStatus, Severity


class TeamsConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: SendableUrl = Field(
        description="Teams incoming webhook or Power Automate Workflows URL; write-only (it is signed)"
    )


MESSAGE_BYTES = 28 * 1024
TITLE = 1000
CARD_COLOUR = {Severity.CRITICAL: "Attention", Severity.HIGH: "Warning", Severity.MEDIUM: "Warning"}


def size(card: dict[str, Any]) -> int:
    """Bytes of the card as httpx sends it (compact JSON, UTF-8)."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode())


def build_card(message: Message) -> dict[str, Any]:
    """The rendered subject and text are already in the card's markdown (alert data escaped by the renderer)."""
    rows = [(escape(name), escape(value)) for name, value in facts(message.alert)]
    fixed, labels = rows[:FIXED_FACTS], rows[FIXED_FACTS:]
    parts = [message.rendered.text] + [text for row in labels for text in row]
    bare = _card(message, "", fixed + [("", "")] * len(labels))
    cap = share([json_bytes(text) for text in parts], MESSAGE_BYTES - size(bare))
    fitted = [cut(text, cap, json_bytes, say=True) for text in parts]
    return _card(message, fitted[0], fixed + list(zip(fitted[1::2], fitted[2::2], strict=True)))


def _card(message: Message, text: str, facts: list[tuple[str, str]]) -> dict[str, Any]:
    alert = message.alert
    colour = "Good" if alert.status is AlertStatus.RESOLVED else CARD_COLOUR.get(alert.content.severity, "Accent")
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": cut(message.rendered.subject, TITLE),
            "weight": "Bolder",
            "size": "Medium",
            "color": colour,
            "wrap": True,
        },
        {"type": "TextBlock", "text": text, "wrap": True},
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts]},
        {"type": "TextBlock", "text": escape(state_line(alert, message.event)), "isSubtle": True, "size": "Small"},
    ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": "Open in Herald", "url": message.links.dashboard}],
                },
            }
        ],
    }


class TeamsSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        url = target.secrets.get("webhook_url")
        if not url:
            raise PermanentDeliveryError("teams channel has no webhook URL")
        return classify_response(await post(self._http, target, url, json=build_card(message)))
