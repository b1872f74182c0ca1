"""Messages as the notify activity builds them, for testing senders on their own."""

from __future__ import annotations

from channels.base import Links, Message
from channels.render import SAMPLE_LINKS, context, render_built_in, sample_alert
from workflows.payloads import AlertStatus, AlertView, NotifyEvent, Severity


def message(
    event: NotifyEvent = NotifyEvent.TRIGGERED,
    *,
    alert: AlertView | None = None,
    status: AlertStatus = AlertStatus.TRIGGERED,
    severity: Severity = Severity.CRITICAL,
    links: Links = SAMPLE_LINKS,
    key: str = "idem-1",
    previous_id: str | None = None,
    channel_type: str | None = None,
) -> Message:
    """With `channel_type`, rendered in that channel's markup, as the notify activity renders it."""
    alert = alert or sample_alert(status=status, severity=severity)
    return Message(
        event=event,
        alert=alert,
        links=links,
        idempotency_key=key,
        rendered=render_built_in(context(alert, event, links), channel_type),
        previous_id=previous_id,
    )
