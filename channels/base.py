"""The channel protocol and its error tree.

    DeliveryError                  a send did not succeed
    ├── RetryableDeliveryError     5xx, 429 (with retry_after), timeouts, connection errors
    └── PermanentDeliveryError     other 4xx, bad configuration: retrying cannot help

A channel module only builds its provider's payload and sends it; the notify activity
is the one place that turns these errors into Temporal's retry decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from egress.policy import EgressDenied
from workflows.payloads import AlertView, NotifyEvent


class DeliveryError(Exception):
    def __init__(self, message: str, *, provider_status: int | None = None) -> None:
        super().__init__(message)
        self.provider_status = provider_status


class RetryableDeliveryError(DeliveryError):
    def __init__(self, message: str, *, provider_status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, provider_status=provider_status)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    pass


@dataclass(frozen=True)
class Links:
    api: str
    temporal_ui: str
    dashboard: str  # the alert's page, where a person acknowledges it


@dataclass(frozen=True)
class Rendered:
    """The words of a notification, from the matching template (or the built-in one)."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Message:
    event: NotifyEvent
    alert: AlertView
    links: Links
    idempotency_key: str
    rendered: Rendered
    # The provider's id of the message this alert last posted to this channel, for providers
    # that edit in place (Slack `chat.update`).
    previous_id: str | None = None


@dataclass(frozen=True)
class ChannelTarget:
    id: str
    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout_seconds", 10.0))


@dataclass(frozen=True)
class Sent:
    provider_status: int
    provider_id: str | None = None
    detail: str = ""


class Sender(Protocol):
    async def send(self, target: ChannelTarget, message: Message) -> Sent: ...


def parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


def classify_response(
    response: httpx.Response, provider_id: str | None = None, *, error_text: str | None = None
) -> Sent:
    """2xx delivered; 429 and 5xx retryable; any other status permanent. `error_text`: the
    provider's own words for a failure (Twilio's `code: message`, APNs' reason), else the body."""
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_status=status, provider_id=provider_id, detail=response.text[:500])
    text = (error_text or response.text)[:500]
    if status == 429:
        raise RetryableDeliveryError(
            f"rate limited (429): {text}",
            provider_status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise RetryableDeliveryError(f"server error ({status}): {text}", provider_status=status)
    raise PermanentDeliveryError(f"rejected ({status}): {text}", provider_status=status)


async def post(http: httpx.AsyncClient, target: ChannelTarget, url: str, **kwargs: Any) -> httpx.Response:
    """POST with the channel's timeout; transport failures become retryable errors, a destination the
    egress policy refuses a permanent one."""
    try:
        return await http.post(url, timeout=target.timeout, **kwargs)
    except EgressDenied as err:
        raise PermanentDeliveryError(str(err)) from err
    except httpx.TimeoutException as err:
        raise RetryableDeliveryError(f"timed out after {target.timeout:g}s: {type(err).__name__}") from err
    except httpx.TransportError as err:
        raise RetryableDeliveryError(f"connection failed: {err!r}") from err


def alert_fields(alert: AlertView) -> dict[str, Any]:
    """The alert as plain data: the webhook payload's `alert` and the templates' `alert`."""
    content = alert.content
    return {
        "id": alert.alert_id,
        "key": alert.key,
        "title": content.title,
        "description": content.description,
        "severity": content.severity.value,
        "category": content.category.value,
        "source": content.source,
        "status": alert.status.value,
        "labels": dict(content.labels),
        "annotations": dict(content.annotations),
        "event_count": alert.event_count,
        "first_seen": alert.first_seen.isoformat(),
        "last_seen": alert.last_seen.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "resolved_by": alert.resolved_by,
    }


def recipients(target: ChannelTarget, listed: str = "to") -> list[str]:
    """Whom to send to: a person's address (`to`, a string, for a contact method), else the channel's list."""
    to = target.config.get("to")
    return [to] if isinstance(to, str) else list(target.config.get(listed) or [])


def json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
