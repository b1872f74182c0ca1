"""Every channel type's sender, built once per process around one HTTP client."""

from __future__ import annotations

import httpx

from channels.base import Sender
from channels.discord import DiscordSender
from channels.email import EmailSender
from channels.pagerduty import PagerDutySender
from channels.push import PushSender
from channels.slack import SlackSender
from channels.sms import SmsSender
from channels.teams import TeamsSender
from channels.webhook import WebhookSender


class Senders(dict[str, Sender]):
    """Channel type → sender; `aclose` releases the push sender's HTTP/2 connections."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.push = PushSender(http)
        super().__init__(
            webhook=WebhookSender(http),
            email=EmailSender(),
            slack=SlackSender(http),
            discord=DiscordSender(http),
            teams=TeamsSender(http),
            sms=SmsSender(http),
            push=self.push,
            pagerduty=PagerDutySender(http),
        )

    async def aclose(self) -> None:
        await self.push.aclose()
