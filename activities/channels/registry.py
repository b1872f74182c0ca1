"""Every channel type's sender, built once per process around one HTTP client."""

from __future__ import annotations

import httpx

from activities.channels.base import Sender
from activities.channels.discord import DiscordSender
from activities.channels.email import EmailSender
from activities.channels.pagerduty import PagerDutySender
from activities.channels.push import PushSender
from activities.channels.slack import SlackSender
from activities.channels.sms import SmsSender
from activities.channels.teams import TeamsSender
from activities.channels.webhook import WebhookSender


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
