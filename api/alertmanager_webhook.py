"""Alertmanager's webhook (payload version 4), inbound: the body and what each alert becomes.

Pure (no I/O). `events_of(webhook, scope, labels, policy, group_by)` gives one `EventIn` per alert:
a trigger for a firing alert, a resolve of its label set for a resolved one. Each names its
incident by a dedup key (docs/architecture.md, "Doors in other tools' protocols"):

* `group_by=groupKey` (the default): `am/<scope>/<SHA-256 of groupKey, 32 hex>`: one incident per
  Alertmanager notification group, each distinct label set a member of it (the dedup key names the
  incident; `member_key` still comes from the labels, noise/route_store.py);
* `group_by=fingerprint`: `am/<scope>/fp/<fingerprint>`: one incident per alert, whatever the
  tenant's routing tree groups by (Alertmanager already grouped; Herald does not group again).

`scope` is the integration's id, or `default` without one. `truncatedAlerts` (alerts Alertmanager
left out of this notification, `max_alerts`) is answered and set by every event of the notification,
firing or resolved, on its incident (`FireEvent.incident_annotations`): the incident's annotation
`alertmanager_truncated_alerts` shows the count of the latest notification that carried one of its
alerts, and goes when such a notification leaves nothing out. It is the incident's, not an alert's.

An alert's annotations and description are fitted to Herald's caps, never refused for them
(api/alertmanager_fit.py), in MAX_LABELS - 1 places: one stays free for the incident's count. Herald's
own annotations of an alert (`alertmanager_group_key`, `_receiver`, `_url`, `generator_url`) are added
only while places are left: the alert's own come first.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from api.alertmanager_fit import fit_annotations, fit_description
from api.errors import FieldErrors
from api.schemas.alerts import EventIn
from api.schemas.common import ANNOTATION_MAX
from channels.fit import cut
from models.integrations import GroupBy
from models.selectors import MAX_LABELS
from workflows.ids import canonical_labels, labels_key
from workflows.payloads import Severity

MAX_ALERTS = 1000  # one notification's alerts (the events API's batch limit); set max_alerts at most this
SEVERITY = {
    "critical": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "warn": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "none": Severity.INFO,
}
_FINGERPRINT = re.compile(r"^[A-Za-z0-9]{1,64}$")


class AmAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: str = ""


class AmWebhook(BaseModel):
    """Alertmanager's webhook body, version 4 (its `webhook_config`). Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")
    version: Literal["4"]
    groupKey: Annotated[str, StringConstraints(min_length=1)]
    truncatedAlerts: int = Field(0, ge=0)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AmAlert] = Field(min_length=1, max_length=MAX_ALERTS)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def incident_key(webhook: AmWebhook, alert: AmAlert, scope: str, group_by: GroupBy) -> str:
    if group_by == GroupBy.GROUP_KEY:
        return f"am/{scope}/{_digest(webhook.groupKey)}"
    fingerprint = alert.fingerprint if _FINGERPRINT.fullmatch(alert.fingerprint) else labels_key("", alert.labels)
    return f"am/{scope}/fp/{fingerprint}"


def _annotations(webhook: AmWebhook, alert: AmAlert) -> dict[str, str]:
    found = fit_annotations(alert.annotations, room=MAX_LABELS - 1)
    extra = {
        "alertmanager_group_key": webhook.groupKey,
        "alertmanager_receiver": webhook.receiver,
        "alertmanager_url": webhook.externalURL,
        "generator_url": alert.generatorURL,
    }
    for name, value in extra.items():
        if value and (name in found or len(found) < MAX_LABELS - 1):
            found[name] = cut(value, ANNOTATION_MAX, say=True)
    return found


def incident_annotations(webhook: AmWebhook) -> dict[str, str]:
    """What the notification says of its incident (`FireEvent.incident_annotations`): the count it
    left out, or an empty value (the annotation goes) when it left out none."""
    return {"alertmanager_truncated_alerts": str(webhook.truncatedAlerts) if webhook.truncatedAlerts else ""}


def event_of(
    webhook: AmWebhook, alert: AmAlert, *, scope: str, labels: dict[str, str], policy: str | None, group_by: GroupBy
) -> EventIn:
    """The Herald event of one alert of the notification (ValidationError if Herald cannot keep it)."""
    own = canonical_labels(alert.labels) | labels
    key = incident_key(webhook, alert, scope, group_by)
    if alert.status == "resolved":
        return EventIn.model_validate({"action": "resolve", "dedup_key": key, "labels": own, "source": "alertmanager"})
    title = alert.annotations.get("summary") or alert.labels.get("alertname") or "Alertmanager alert"
    return EventIn.model_validate(
        {
            "action": "trigger",
            "dedup_key": key,
            "title": cut(title.strip() or "Alertmanager alert", 500),
            "description": fit_description(alert.annotations.get("description", "")),
            "severity": SEVERITY.get(alert.labels.get("severity", "").lower(), Severity.MEDIUM),
            "source": "alertmanager",
            "labels": own,
            "annotations": _annotations(webhook, alert),
            "escalation_policy_id": policy,
        }
    )


def events_of(
    webhook: AmWebhook, *, scope: str, labels: dict[str, str], policy: str | None, group_by: GroupBy
) -> list[EventIn]:
    """One event per alert, in order; FieldErrors naming `alerts.<i>.<field>` for one Herald cannot keep."""
    events: list[EventIn] = []
    errors: list[tuple[str, str]] = []
    for index, alert in enumerate(webhook.alerts):
        try:
            events.append(event_of(webhook, alert, scope=scope, labels=labels, policy=policy, group_by=group_by))
        except ValidationError as err:
            for error in err.errors():
                where = ".".join(str(part) for part in error["loc"]) or "labels"
                errors.append((f"alerts.{index}.{where}", str(error["msg"]).removeprefix("Value error, ")))
    if errors:
        raise FieldErrors(errors)
    return events
