"""PagerDuty Events API v2, inbound: the event bodies, their checks, and what they become in Herald.

Pure (no I/O): the body models (`AlertEvent`, `ChangeEventIn`); `event_errors` turns their
validation errors into PagerDuty's error strings, each naming its field (`'payload.summary' is
missing or blank`); `check_alert_event` raises `InvalidEvent` for what a schema cannot say;
`incident_key` and `trigger_body` / `resolve_body` turn an event into Herald's
`EventIn`. The router (api/routers/pagerduty_in.py) does the lookups and answers.

Decisions (docs/architecture.md, "Doors in other tools' protocols"):

* A PagerDuty `dedup_key` is scoped to the integration that sent the trigger (PagerDuty: follow-up
  events "sent via a different routing_key from the original will be dropped"), so its incident
  key is `pd/<integration id>/<dedup_key>`, or `pd/<integration id>#<SHA-256 of the dedup_key>`
  when that would not be a Herald dedup key (over 255 characters, or a space or non-ASCII
  character in it). The two forms never meet: the first has `/` right after the id.
* Limits are PagerDuty's: body ≤ 512 KB, `dedup_key` ≤ 255 characters, `summary` ≤ 1024 (refused
  beyond, as documented; the title keeps its first 500, the description all of it).
* Severity: critical → critical, error → high, warning → medium, info → info (the inverse of what
  the PagerDuty channel sends, `channels/pagerduty.PD_SEVERITY`, where low and info both go to info).
* Kept and shown: `component`, `group` and `class` become labels (so routes can match them, as
  PagerDuty's event rules do); `source` is the alert's source (its first 100 characters) and the
  `pagerduty_source` annotation; `timestamp`, `client`, `client_url`, the dedup key, and
  `custom_details`, `links`, `images` as JSON text are annotations (each at most 10,000
  characters: a longer one is cut and says so); links are also listed in the description, which
  every channel shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from api.schemas.alerts import EventIn
from channels.fit import cut
from channels.pagerduty import PD_SEVERITY, SUMMARY
from models.keys import DEDUP_KEY
from models.tables import Integration
from workflows.payloads import Severity

MAX_BODY = 512 * 1024  # Events API v2: "payloads are limited to 512 KB"
DEDUP_KEY_MAX = 255
ANNOTATION_MAX = 10_000  # api/schemas/common.py: an annotation's longest value
TITLE_MAX = 500
SOURCE_MAX = 100
FROM_PD_SEVERITY = {
    "critical": Severity.CRITICAL,
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.INFO,
}
assert set(FROM_PD_SEVERITY) == set(PD_SEVERITY.values())

Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class InvalidEvent(Exception):
    """A body PagerDuty would refuse: 400 `{"status": "invalid event", "message", "errors"}`."""

    def __init__(self, errors: list[str], message: str = "Event object is invalid") -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class Link(BaseModel):
    model_config = ConfigDict(extra="ignore")
    href: Text
    text: str | None = None


class Image(BaseModel):
    model_config = ConfigDict(extra="ignore")
    src: Text
    href: str | None = None
    alt: str | None = None


class AlertPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    summary: Annotated[str, StringConstraints(min_length=1, max_length=SUMMARY)]
    source: Text
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: str | None = None
    component: Text | None = None
    group: Text | None = None
    class_: Text | None = Field(None, alias="class")
    custom_details: Any = None


class AlertEvent(BaseModel):
    """`POST /v2/enqueue`: a trigger, acknowledge or resolve of one alert, named by `dedup_key`."""

    model_config = ConfigDict(extra="ignore")
    routing_key: Annotated[str, StringConstraints(min_length=1)]
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: Annotated[str, StringConstraints(min_length=1, max_length=DEDUP_KEY_MAX)] | None = None
    payload: AlertPayload | None = None
    images: list[Image] = Field(default_factory=list, max_length=100)
    links: list[Link] = Field(default_factory=list, max_length=100)
    client: str | None = None
    client_url: str | None = None


class ChangePayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summary: Annotated[str, StringConstraints(min_length=1, max_length=SUMMARY)]
    source: Text | None = None
    timestamp: str | None = None
    custom_details: dict[str, Any] | None = None


class ChangeEventIn(BaseModel):
    """`POST /v2/change/enqueue`: a change (a deploy, a configuration push) for the timeline."""

    model_config = ConfigDict(extra="ignore")
    routing_key: Annotated[str, StringConstraints(min_length=1)]
    payload: ChangePayload
    links: list[Link] = Field(default_factory=list, max_length=100)


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    return ".".join(parts[1:] if parts[:1] == ["body"] else parts) or "body"


def event_errors(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    """PagerDuty-style strings for pydantic's (or FastAPI's) errors, one per problem, naming its field."""
    found = []
    for error in errors:
        field = _field(error.get("loc", ()))
        kind = error.get("type")
        if kind == "json_invalid":
            found.append(f"'body' is not valid JSON: {error.get('ctx', {}).get('error', 'invalid JSON')}")
        elif kind == "missing":
            found.append(f"'{field}' is missing or blank")
        elif kind == "literal_error":
            found.append(f"'{field}' {str(error.get('msg', '')).replace('Input should be', 'must be')}")
        else:
            found.append(f"'{field}' is invalid: {error.get('msg', 'invalid')}")
    return found


def parse_timestamp(value: str | None, field: str) -> datetime | None:
    """ISO 8601 with a zone (`2015-07-17T08:42:58.315+0000` too); InvalidEvent naming `field` else."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidEvent([f"'{field}' is not an ISO 8601 timestamp: {value[:60]!r}"]) from err
    if parsed.tzinfo is None:
        raise InvalidEvent([f"'{field}' needs a time zone (e.g. 2026-01-01T00:00:00Z)"])
    return parsed


def check_alert_event(event: AlertEvent) -> None:
    """What the schema cannot say: a trigger has a payload, a follow-up a dedup key, a timestamp parses."""
    problems = []
    if event.event_action == "trigger" and event.payload is None:
        problems.append("'payload' is missing or blank (a trigger needs payload.summary, source and severity)")
    if event.event_action != "trigger" and event.dedup_key is None:
        problems.append(f"'dedup_key' is missing or blank (an {event.event_action} names the alert by it)")
    if problems:
        raise InvalidEvent(problems)
    if event.payload is not None:
        parse_timestamp(event.payload.timestamp, "payload.timestamp")


def incident_key(integration_id: str, dedup_key: str) -> str:
    """The Herald key of a PagerDuty dedup key sent through this integration (module docstring)."""
    plain = f"pd/{integration_id}/{dedup_key}"
    if DEDUP_KEY.fullmatch(plain):
        return plain
    return f"pd/{integration_id}#{hashlib.sha256(dedup_key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def _as_text(value: object) -> str:
    """JSON text of a kept value, cut to an annotation's length (saying how much was left out)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return cut(text, ANNOTATION_MAX, say=True)


def trigger_body(event: AlertEvent, integration: Integration, dedup_key: str) -> EventIn:
    """The Herald event of a trigger (its `payload` checked present by `parse_alert_event`)."""
    payload = event.payload
    assert payload is not None
    labels = {
        name: value
        for name, value in (("component", payload.component), ("group", payload.group), ("class", payload.class_))
        if value
    } | dict(integration.labels)
    annotations = {"pagerduty_dedup_key": dedup_key, "pagerduty_source": payload.source}
    optional: dict[str, object] = {
        "pagerduty_timestamp": payload.timestamp,
        "pagerduty_client": event.client,
        "pagerduty_client_url": event.client_url,
        "custom_details": payload.custom_details,
        "links": [link.model_dump(exclude_none=True) for link in event.links] or None,
        "images": [image.model_dump(exclude_none=True) for image in event.images] or None,
    }
    annotations |= {name: _as_text(value) for name, value in optional.items() if value is not None}
    description = payload.summary if len(payload.summary) > TITLE_MAX else ""
    if event.links:
        listed = "\n".join(f"- {link.text or link.href}: {link.href}" for link in event.links)
        description = f"{description}\n\nLinks:\n{listed}".strip()
    try:
        return EventIn.model_validate(
            {
                "action": "trigger",
                "dedup_key": incident_key(integration.id, dedup_key),
                "title": cut(payload.summary, TITLE_MAX),
                "description": description,
                "severity": FROM_PD_SEVERITY[payload.severity],
                "source": cut(payload.source, SOURCE_MAX),
                "labels": labels,
                "annotations": annotations,
                "escalation_policy_id": integration.escalation_policy_id,
            }
        )
    except ValidationError as err:  # e.g. a summary of spaces only, a label value Herald cannot keep
        names = {"title": "payload.summary", "source": "payload.source", "labels": "payload"}
        raise InvalidEvent(
            [f"'{names.get(str(e['loc'][0]), 'payload') if e['loc'] else 'payload'}' {e['msg']}" for e in err.errors()]
        ) from err


def resolve_body(integration: Integration, dedup_key: str) -> EventIn:
    """A resolve of the whole incident of this dedup key (no labels: every member)."""
    actor = cut(f"pagerduty:{integration.name}", SOURCE_MAX)  # resolved_by, as an acknowledge's actor
    return EventIn(action="resolve", dedup_key=incident_key(integration.id, dedup_key), source=actor)
