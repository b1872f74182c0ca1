"""Every channel type's configuration model and sender (the sender built once per process
around one HTTP client, and the egress policy for the connections it opens itself)."""

from __future__ import annotations

import httpx

from channels.base import Sender
from channels.config import ChannelConfig
from channels.discord import DiscordConfig, DiscordSender
from channels.email import EmailConfig, EmailSender
from channels.pagerduty import PagerDutyConfig, PagerDutySender
from channels.push import PushConfig, PushSender
from channels.slack import SlackConfig, SlackSender
from channels.sms import SmsConfig, SmsSender
from channels.teams import TeamsConfig, TeamsSender
from channels.webhook import WebhookConfig, WebhookSender
from egress.policy import EgressPolicy

CONFIGS: dict[str, type[ChannelConfig]] = {
    "webhook": WebhookConfig,
    "email": EmailConfig,
    "slack": SlackConfig,
    "discord": DiscordConfig,
    "teams": TeamsConfig,
    "sms": SmsConfig,
    "push": PushConfig,
    "pagerduty": PagerDutyConfig,
}


class Senders(dict[str, Sender]):
    """Channel type → sender; `aclose` releases the push sender's HTTP/2 connections."""

    def __init__(self, http: httpx.AsyncClient, egress: EgressPolicy) -> None:
        self.push = PushSender(http, egress)
        super().__init__(
            webhook=WebhookSender(http),
            email=EmailSender(egress),
            slack=SlackSender(http),
            discord=DiscordSender(http),
            teams=TeamsSender(http),
            sms=SmsSender(http),
            push=self.push,
            pagerduty=PagerDutySender(http),
        )

    async def aclose(self) -> None:
        await self.push.aclose()
