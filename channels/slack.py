"""Slack: a bot token (`chat.postMessage`, then `chat.update` in place) or an incoming webhook.

The message is an attachment coloured by severity holding Block Kit blocks, with
**Acknowledge** / **Resolve** buttons whose value is the alert id; clicks come
back signed to `POST /api/v1/integrations/slack/actions`. With a bot token the first post's
`channel/ts` is the provider id, and later transitions of the alert edit that message
instead of posting again (editing is idempotent, so a retried update never doubles). A
re-notification posts anew: it is meant to be seen.

Slack answers HTTP 200 with `{"ok": false, "error": ...}` for most failures; the error
code decides: `ratelimited` and Slack-side errors retry, the rest are permanent.

The message always fits Block Kit's published limits: a section's text 3000 characters, at
most 10 fields of 2000 each (so the facts take one section per ten), a context element's text
3000, a button's text 75 and value 2000, at most 50 blocks, and the fallback `text` (Slack
truncates it past 40,000) within 3000. A cut keeps the start, says how much it left out, and
never splits an escape. Alert data is escaped for `mrkdwn` (`&`, `<`, `>`: `channels/markup.py`),
so `<!channel>` in a title is text, not a ping; the buttons, Herald's links, are not.
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
from channels.fit import cut, utf16
from channels.markup import slack as escape
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
SECTION_TEXT, FIELD_TEXT, FIELDS_PER_SECTION, CONTEXT_TEXT, BUTTON_VALUE = 3000, 2000, 10, 3000, 2000
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
        "value": cut(value, BUTTON_VALUE),
        "style": style,
    }


def field(name: str, value: str) -> dict[str, str]:
    head = f"*{cut(escape(name), 200)}*\n"
    return {"type": "mrkdwn", "text": head + cut(escape(value), FIELD_TEXT - utf16(head), say=True)}


def build_message(message: Message) -> dict[str, Any]:
    """The rendered subject and text are already in `mrkdwn` (alert data escaped by the renderer)."""
    alert = message.alert
    subject = cut(message.rendered.subject, SECTION_TEXT - 2)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{subject}*"}}]
    if message.rendered.text:
        text = cut(message.rendered.text, SECTION_TEXT, say=True)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    rows = [field(name, value) for name, value in facts(alert)]
    for start in range(0, len(rows), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": rows[start : start + FIELDS_PER_SECTION]})
    state = cut(escape(f"{state_line(alert, message.event)} · Herald"), CONTEXT_TEXT)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": state}]})
    blocks += buttons(message)
    return {
        "text": subject,  # the notification's fallback text
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
