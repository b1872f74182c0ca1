"""Slack: a bot token (`chat.postMessage`, then `chat.update` in place) or an incoming webhook.

The message is an attachment coloured by severity holding Block Kit blocks, with
**Acknowledge** / **Resolve** buttons whose value is the alert id; clicks come
back signed to `POST /api/v1/integrations/slack/actions`. With a bot token the first post's
`channel/ts` is the provider id, and later transitions of the alert edit that message
instead of posting again (editing is idempotent, so a retried update never doubles). A
re-notification posts anew: it is meant to be seen.

Slack answers HTTP 200 with `{"ok": false, "error": ...}` for most failures; the error
code decides: `ratelimited` and Slack-side errors retry, the rest are permanent.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import Field, StringConstraints

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
    provider_code,
    provider_ref,
)
from channels.config import ChannelConfig, SendableUrl, Token, https_base
from channels.style import colour, facts, state_line
from workflows.payloads import AlertStatus, NotifyEvent


class SlackConfig(ChannelConfig):
    """A bot token (chat.postMessage, later events update the message in place) or an incoming webhook."""

    REQUIRED_SECRETS = (("bot_token", "webhook_url"),)
    SECRETS = ("bot_token", "webhook_url")
    bot_token: Annotated[Token, StringConstraints(pattern=r"^xox[bp]-")] | None = Field(
        None, description="Bot token (xoxb-...); write-only"
    )
    channel: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="Channel id (C...) for the bot token"
    )
    webhook_url: SendableUrl | None = Field(None, description="Incoming webhook URL; write-only (it holds a token)")
    api_base_url: SendableUrl = https_base("https://slack.com/api")
    team_id: Annotated[str, StringConstraints(pattern=r"^[TE][A-Z0-9]{2,30}$")] | None = Field(
        None,
        description="The Slack workspace (team id, T...) whose Acknowledge / Resolve clicks act on this tenant's "
        "alerts; clicks from any other workspace are refused",
    )


ACK_ACTION = "herald_acknowledge"
RESOLVE_ACTION = "herald_resolve"
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def buttons(message: Message) -> list[dict[str, Any]]:
    alert = message.alert
    if alert.status is AlertStatus.RESOLVED:
        return []
    elements: list[dict[str, Any]] = []
    if alert.status is AlertStatus.TRIGGERED:
        elements.append(_button("Acknowledge", ACK_ACTION, alert.alert_id, style="primary"))
    elements.append(_button("Resolve", RESOLVE_ACTION, alert.alert_id, style="danger"))
    elements.append({"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": message.links.dashboard})
    return [{"type": "actions", "block_id": "herald_actions", "elements": elements}]


def _button(text: str, action_id: str, value: str, *, style: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value[:2000],  # Slack's limit for a button value
        "style": style,
    }


def build_message(message: Message) -> dict[str, Any]:
    alert = message.alert
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{message.rendered.subject}*"[:3000]}},
    ]
    if message.rendered.text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": message.rendered.text[:3000]}})
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{value}"[:2000]} for name, value in facts(alert)[:10]],
        }
    )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{state_line(alert, message.event)} · Herald"}]}
    )
    blocks += buttons(message)
    return {
        "text": message.rendered.subject[:3000],  # the notification's fallback text
        "attachments": [{"color": colour(alert), "blocks": blocks}],
    }


def _api_result(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 429:
        raise RetryableDeliveryError(
            "rate limited (429)",
            provider_status=429,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if response.status_code != 200:
        classify_response(response)  # raises for everything that is not 2xx
    body = json_body(response)
    if body.get("ok"):
        return body
    error = provider_code(body.get("error")) or "unknown_error"
    if error in RETRYABLE_ERRORS:
        raise RetryableDeliveryError(
            f"slack: {error}", provider_status=200, retry_after=parse_retry_after(response.headers.get("Retry-After"))
        )
    raise PermanentDeliveryError(f"slack: {error}", provider_status=200)


class SlackSender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        token = target.secrets.get("bot_token")
        payload = build_message(message)
        if token is None:
            if target.config.get("to"):
                raise PermanentDeliveryError(
                    "messaging a person on Slack needs a bot token on the tenant's Slack channel"
                )
            url = target.secrets.get("webhook_url")
            if not url:
                raise PermanentDeliveryError("slack channel has neither a bot token nor a webhook URL")
            response = await post(self._http, target, url, json=payload)
            return classify_response(response)
        base = str(target.config.get("api_base_url", "https://slack.com/api")).rstrip("/")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"}
        if message.previous_id and message.event is not NotifyEvent.RENOTIFIED:
            channel, _, ts = message.previous_id.partition("/")
            response = await post(
                self._http,
                target,
                f"{base}/chat.update",
                json={**payload, "channel": channel, "ts": ts},
                headers=headers,
            )
            _api_result(response)  # raises unless Slack says ok
            return Sent(provider_status=200, provider_id=message.previous_id, detail="updated in place")
        channel = target.config.get("to") or target.config["channel"]
        response = await post(
            self._http, target, f"{base}/chat.postMessage", json={**payload, "channel": channel}, headers=headers
        )
        body = _api_result(response)
        return Sent(
            provider_status=200,
            provider_id=f"{provider_ref(body.get('channel')) or channel}/{provider_ref(body.get('ts')) or ''}",
            detail="posted",
        )
