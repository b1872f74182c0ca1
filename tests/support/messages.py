"""Messages as the notify activity builds them, for testing senders on their own."""

from __future__ import annotations

from channels.base import Links, Message
from channels.render import BUILT_IN, SAMPLE_LINKS, context, render, sample_alert
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
) -> Message:
    alert = alert or sample_alert(status=status, severity=severity)
    return Message(
        event=event,
        alert=alert,
        links=links,
        idempotency_key=key,
        rendered=render(BUILT_IN, context(alert, event, links)),
        previous_id=previous_id,
    )
