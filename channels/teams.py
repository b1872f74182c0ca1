"""Microsoft Teams: an Adaptive Card posted to an incoming webhook or a Workflows (Power Automate) URL.

Both accept `{"type": "message", "attachments": [{contentType: adaptive card, content}]}`;
the classic connector answers 200 with the text `1`, Workflows answer 202. Neither returns
a message id.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import Field

from channels.base import ChannelTarget, Message, PermanentDeliveryError, Sent, classify_response, post
from channels.config import ChannelConfig, SendableUrl
from channels.style import facts, state_line
from workflows.payloads import AlertStatus, Severity


class TeamsConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: SendableUrl = Field(
        description="Teams incoming webhook or Power Automate Workflows URL; write-only (it is signed)"
    )


CARD_COLOUR = {Severity.CRITICAL: "Attention", Severity.HIGH: "Warning", Severity.MEDIUM: "Warning"}


def build_card(message: Message) -> dict[str, Any]:
    alert = message.alert
    colour = "Good" if alert.status is AlertStatus.RESOLVED else CARD_COLOUR.get(alert.content.severity, "Accent")
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.rendered.subject,
            "weight": "Bolder",
            "size": "Medium",
            "color": colour,
            "wrap": True,
        },
        {"type": "TextBlock", "text": message.rendered.text, "wrap": True},
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts(alert)]},
        {"type": "TextBlock", "text": state_line(alert, message.event), "isSubtle": True, "size": "Small"},
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
