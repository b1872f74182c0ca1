"""PagerDuty Events API v2: trigger / acknowledge / resolve with `dedup_key` = the alert's key.

PagerDuty deduplicates on the key, so a retried or repeated trigger never opens a second
incident, and PagerDuty's incident follows Herald's lifecycle. Answers: 202 accepted,
400 invalid event (permanent), 429 throttled, 5xx retry.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import Field, StringConstraints

from channels.base import (
    ChannelTarget,
    Message,
    PermanentDeliveryError,
    Sent,
    classify_response,
    post,
)
from channels.config import ChannelConfig, SendableUrl, https_base
from channels.fit import cut
from models.timestamps import utc_text
from workflows.ids import pagerduty_dedup_key
from workflows.payloads import NotifyEvent, Severity


class PagerDutyConfig(ChannelConfig):
    REQUIRED_SECRETS = (("routing_key",),)
    SECRETS = ("routing_key",)
    routing_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{32}$")] | None = Field(
        None, description="Events API v2 integration key; write-only"
    )
    api_base_url: SendableUrl = https_base("https://events.pagerduty.com")


SUMMARY = 1024  # Events API v2: payload.summary, at most 1024 characters
ACTION = {NotifyEvent.ACKNOWLEDGED: "acknowledge", NotifyEvent.RESOLVED: "resolve"}
PD_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "info",
    Severity.INFO: "info",
}


def dedup_key(message: Message) -> str:
    return pagerduty_dedup_key(message.alert.workflow_id)


def build_event(message: Message, routing_key: str) -> dict[str, Any]:
    alert = message.alert
    action = ACTION.get(message.event, "trigger")
    event: dict[str, Any] = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(message)}
    if action == "trigger":
        content = alert.content
        event["payload"] = {
            "summary": cut(message.rendered.subject, SUMMARY) or "-",
            "source": content.labels.get("host") or content.source,
            "severity": PD_SEVERITY[content.severity],
            "timestamp": utc_text(alert.first_seen),
            "class": content.category.value,
            "custom_details": {
                "description": message.rendered.text,
                "labels": content.labels,
                "event_count": alert.event_count,
            },
        }
        event["links"] = [{"href": message.links.dashboard, "text": "Open in Herald"}]
        event["client"] = "Herald"
        event["client_url"] = message.links.dashboard
    return event


class PagerDutySender:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        routing_key = target.secrets.get("routing_key")
        if not routing_key:
            raise PermanentDeliveryError("pagerduty channel has no routing key")
        base = str(target.config.get("api_base_url", "https://events.pagerduty.com")).rstrip("/")
        response = await post(self._http, target, f"{base}/v2/enqueue", json=build_event(message, routing_key))
        return classify_response(response, provider_id=dedup_key(message))  # what PagerDuty deduplicates on
