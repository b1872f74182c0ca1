"""The channel protocol and its error tree.

    DeliveryError                  a send did not succeed
    ├── RetryableDeliveryError     5xx, 429 (with retry_after), timeouts, connection errors
    └── PermanentDeliveryError     other 4xx, bad configuration: retrying cannot help

A channel module only builds its provider's payload and sends it; the notify activity
is the one place that turns these errors into Temporal's retry decisions.

What a sender says about an answer (the channel test's `detail`, a delivery's `last_error`)
is the status, its standard phrase and at most a provider's error *code* (`provider_code`:
one short token such as Slack's `channel_not_found`, never free text), and a provider's id
for what it created only if it looks like an id (`provider_ref`). The remote body is never
repeated: a channel pointed at a service that is not its provider must not read
that service's answers back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

import httpx

from egress.policy import EgressDenied
from models.timestamps import utc_text
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
    members: Members | None = None  # an incident's members (None: an ungrouped alert)


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


CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
REF = re.compile(r"[A-Za-z0-9_.:/@+=-]{1,255}")


def status_text(status: int) -> str:
    """`404 Not Found`: the status and its standard phrase (not the phrase the peer sent)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def provider_code(value: object) -> str | None:
    """A provider's error code from its answer, if it looks like one (a short token or a number), else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if CODE.fullmatch(text) else None


def provider_ref(value: object) -> str | None:
    """A provider's id for what it created (a message id, `channel/ts`, a SID), if it looks like one, else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if REF.fullmatch(text) else None


def classify_response(response: httpx.Response, provider_id: str | None = None, *, code: object = None) -> Sent:
    """2xx delivered; 429 and 5xx retryable; any other status permanent. `code`: the provider's
    error code for a failure (Twilio's `21211`, APNs' `BadDeviceToken`), kept if it looks like one."""
    status = response.status_code
    said = status_text(status)
    if 200 <= status < 300:
        return Sent(provider_status=status, provider_id=provider_id, detail=f"accepted ({said})")
    named = provider_code(code)
    reason = f"{said}, {named}" if named else said
    if status == 429:
        raise RetryableDeliveryError(
            f"rate limited ({reason})",
            provider_status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise RetryableDeliveryError(f"server error ({reason})", provider_status=status)
    raise PermanentDeliveryError(f"rejected ({reason})", provider_status=status)


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


MEMBERS_LISTED = 20  # members a notice lists; it says how many more there are
# A webhook is read by programs (Alertmanager's webhook sends every alert of the group): it lists many more.
MEMBERS_LISTED_BY_TYPE = {"webhook": 1000}


def members_listed(channel_type: str) -> int:
    """How many of an incident's members a notice to this channel type lists."""
    return MEMBERS_LISTED_BY_TYPE.get(channel_type, MEMBERS_LISTED)


@dataclass(frozen=True)
class Members:
    """An incident's members as a notice shows them: at most `members_listed(type)`, firing first
    (each `{key, labels, title, status, first_seen, last_seen}`), how many were left out, and the
    labels and annotations every firing member shares (over the first 1,000 firing members)."""

    listed: list[dict[str, Any]]
    left_out: int
    common_labels: dict[str, str]
    common_annotations: dict[str, str] = field(default_factory=dict)


def alert_fields(alert: AlertView, members: Members | None = None) -> dict[str, Any]:
    """The alert as plain data: the webhook payload's `alert` and the templates' `alert`. An
    incident's (`members` given) also lists its members, their common labels and its group labels."""
    content = alert.content
    shown = members or Members(listed=[], left_out=0, common_labels={})
    return {
        "members": shown.listed,
        "members_left_out": shown.left_out,
        "common_labels": dict(shown.common_labels),
        "common_annotations": dict(shown.common_annotations),
        "group_labels": dict(alert.group_labels),
    } | {
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
        "generator_url": content.generator_url,  # the source's link (Alertmanager's generatorURL), or ""
        "event_count": alert.event_count,
        "first_seen": utc_text(alert.first_seen),
        "last_seen": utc_text(alert.last_seen),
        "acknowledged_at": utc_text(alert.acknowledged_at) if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": utc_text(alert.resolved_at) if alert.resolved_at else None,
        "resolved_by": alert.resolved_by,
        # An incident's members (distinct label sets) firing and resolved; both 0 for an ungrouped alert.
        "firing_members": alert.firing_members,
        "resolved_members": alert.resolved_members,
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
