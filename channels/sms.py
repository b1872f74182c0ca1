"""SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`).

The text is the rendered subject cut so that, with the alert's link, it fits `SMS_LIMIT`
characters (counted as UTF-16 code units, as Twilio counts them), a fifth of Twilio's
published 1,600-character limit for a message body: the start of the subject (its severity
and title) and the link are kept, and `…` marks the cut. One message per recipient; Twilio's `sid`s
are the provider id. Twilio errors are JSON `{code, message}`: 429 (and 5xx) retry, other
4xx (a bad number, an unverified sender) are permanent.

Twilio has no idempotency key: a channel with several numbers that fails on the second
number re-sends to the first on retry. Contact methods (one number each) have no such window.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from pydantic import Field, StringConstraints

from channels.base import (
    ChannelTarget,
    Message,
    PermanentDeliveryError,
    Sent,
    classify_response,
    json_body,
    post,
    provider_code,
    provider_ref,
    recipients,
)
from channels.config import E164, ChannelConfig, Secret, SendableUrl, https_base
from channels.fit import cut, utf16


class SmsConfig(ChannelConfig):
    REQUIRED_SECRETS = (("auth_token",),)
    SECRETS = ("auth_token",)
    account_sid: Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]
    auth_token: Secret | None = Field(None, description="Twilio auth token; write-only")
    from_number: E164
    to: list[E164] = Field(default_factory=list, max_length=50)
    api_base_url: SendableUrl = https_base("https://api.twilio.com")


SMS_LIMIT = 320


def sms_text(message: Message) -> str:
    link = message.links.dashboard
    text = " ".join(message.rendered.subject.split())
    room = SMS_LIMIT - utf16(link) - 1
    return f"{cut(text, room)} {link}" if room > 1 else cut(link, SMS_LIMIT)


class SmsSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        sid = target.config.get("account_sid")
        token = target.secrets.get("auth_token")
        if not sid or not token:
            raise PermanentDeliveryError("sms channel needs a Twilio account SID and auth token")
        numbers = recipients(target)
        if not numbers:
            raise PermanentDeliveryError("sms channel has no recipient numbers")
        base = str(target.config.get("api_base_url", "https://api.twilio.com")).rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{sid}/Messages.json"
        body = sms_text(message)
        ids: list[str] = []
        sent = None
        for number in numbers:
            response = await post(
                self._http,
                target,
                url,
                data={"To": number, "From": target.config["from_number"], "Body": body},
                auth=(sid, token),
            )
            code = json_body(response).get("code")
            sent = classify_response(response, code=f"twilio:{code}" if provider_code(code) else None)
            ids.append(provider_ref(json_body(response).get("sid")) or "")
        assert sent is not None
        return Sent(
            provider_status=sent.provider_status,
            provider_id=",".join(ids)[:200],
            detail=f"{len(ids)} message(s) queued",
        )
