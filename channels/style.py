"""What chat-style channels share: severity colours and the alert's one-line facts."""

from __future__ import annotations

from workflows.payloads import AlertStatus, AlertView, NotifyEvent, Severity

SEVERITY_COLOUR = {
    Severity.CRITICAL: "#D0021B",
    Severity.HIGH: "#F5A623",
    Severity.MEDIUM: "#F8E71C",
    Severity.LOW: "#4A90E2",
    Severity.INFO: "#9B9B9B",
}
RESOLVED_COLOUR = "#2EB67D"


def colour(alert: AlertView) -> str:
    return RESOLVED_COLOUR if alert.status is AlertStatus.RESOLVED else SEVERITY_COLOUR[alert.content.severity]


def colour_int(alert: AlertView) -> int:
    return int(colour(alert).lstrip("#"), 16)


def state_line(alert: AlertView, event: NotifyEvent) -> str:
    """`Acknowledged by ann`, `Resolved by herald`, `Escalated`..."""
    if alert.status is AlertStatus.RESOLVED:
        return f"Resolved by {alert.resolved_by or 'herald'}"
    if alert.status is AlertStatus.ACKNOWLEDGED:
        return f"Acknowledged by {alert.acknowledged_by or 'someone'}"
    return {NotifyEvent.ESCALATED: "Escalated", NotifyEvent.RENOTIFIED: "Still firing"}.get(event, "Firing")


FIXED_FACTS = 3  # severity, status, source: always first, always kept
SHOWN_LABELS = 10


def facts(alert: AlertView) -> list[tuple[str, str]]:
    """Severity, status, source, then the first labels by name, and how many more there are."""
    content = alert.content
    rows = [("Severity", content.severity.value), ("Status", alert.status.value), ("Source", content.source)]
    labels = sorted(content.labels.items())
    rows += labels[:SHOWN_LABELS]
    if len(labels) > SHOWN_LABELS:
        rows.append(("More labels", f"{len(labels) - SHOWN_LABELS} not shown"))
    return rows
