"""An Alertmanager alert as a Herald event (pure): what it says, and when it stops being true.

* labels stay labels (empty values dropped, as Alertmanager drops them);
* title: the `summary` annotation, else the `alertname` label, else the label set as text;
* description: the `description` annotation; every annotation is kept (`runbook_url` among them);
* severity: the `severity` label through the tenant's mapping (`DEFAULT_SEVERITY_MAP`, else medium);
* `endsAt` at or before `now`: a resolve of that label set; otherwise a trigger that expires at
  `endsAt`, or at `now + resolve_timeout` when the alert has none (Alertmanager's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from amapi.shapes import PostableAlert
from workflows.payloads import Severity

# The `severity` label's value (lower-cased) → Herald's severity; any other value is medium.
DEFAULT_SEVERITY_MAP: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "error": Severity.HIGH,
    "high": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.INFO,
}
FALLBACK_SEVERITY = Severity.MEDIUM
TITLE_LIMIT = 500  # Herald's title limit (api/schemas/common.Title): a longer summary is cut at it


@dataclass(frozen=True)
class MappedAlert:
    """What one PostableAlert means to Herald: a trigger (with its expiry) or a resolve."""

    action: Literal["trigger", "resolve"]
    labels: dict[str, str]
    title: str
    description: str
    severity: Severity
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime  # the expiry of a trigger; when it ended for a resolve
    generator_url: str


def severity_of(labels: dict[str, str], mapping: dict[str, Severity] | None = None) -> Severity:
    """The `severity` label through `mapping` (default `DEFAULT_SEVERITY_MAP`), case-insensitive."""
    value = labels.get("severity", "").lower()
    return (mapping if mapping is not None else DEFAULT_SEVERITY_MAP).get(value, FALLBACK_SEVERITY)


def _title(labels: dict[str, str], annotations: dict[str, str]) -> str:
    text = annotations.get("summary", "").strip() or labels.get("alertname", "").strip()
    if not text:
        text = ", ".join(f"{name}={value}" for name, value in sorted(labels.items()))
    return text[:TITLE_LIMIT]


def map_alert(
    alert: PostableAlert,
    *,
    now: datetime,
    resolve_timeout: timedelta,
    severities: dict[str, Severity] | None = None,
) -> MappedAlert:
    """`alert` as Herald understands it at `now` (an aware datetime)."""
    labels = {name: value for name, value in alert.labels.items() if value}
    # Alertmanager's defaults: no startsAt is now, or the endsAt when there is one.
    starts_at = alert.startsAt or alert.endsAt or now
    if alert.endsAt is not None:
        ends_at = alert.endsAt
        action: Literal["trigger", "resolve"] = "resolve" if ends_at <= now else "trigger"
    else:
        ends_at = now + resolve_timeout
        action = "trigger"
    return MappedAlert(
        action=action,
        labels=labels,
        title=_title(labels, alert.annotations),
        description=alert.annotations.get("description", ""),
        severity=severity_of(labels, severities),
        annotations=dict(alert.annotations),
        starts_at=starts_at,
        ends_at=ends_at,
        generator_url=alert.generatorURL,
    )


def alert_problem(alert: PostableAlert) -> str | None:
    """Alertmanager's own checks of a posted alert (`Alert.Validate`), in its words: None when fine."""
    if not any(alert.labels.values()):
        return "at least one label pair required"
    if alert.startsAt is not None and alert.endsAt is not None and alert.endsAt < alert.startsAt:
        return "start time must be before end time"
    return None
