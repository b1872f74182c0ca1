"""One timestamp format on every wire: what the API's JSON writes (`2026-01-01T12:00:00Z`), in
webhook bodies, provider payloads, template variables and every message that quotes a time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from activities.heartbeats import describe_silence
from api.metric_input import Accepted
from channels import discord, pagerduty, webhook
from channels.base import alert_fields
from channels.render import sample_alert
from models.rule_tables import Heartbeat
from models.timestamps import utc_text
from rules.semantics import reported_health
from tests.support.messages import message
from workflows.payloads import AlertStatus
from workflows.projection import details
from workflows.rule_payloads import HeartbeatAlert

API_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
QUOTED = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)")
AT = datetime(2026, 1, 1, 12, 0, 0, 250000, tzinfo=UTC)


class _ApiModel(BaseModel):
    at: datetime


def api_text(at: datetime) -> str:
    """How the API writes an instant: a pydantic response model's JSON."""
    return str(json.loads(_ApiModel(at=at).model_dump_json())["at"])


def _times(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _times(v)]
    if isinstance(value, list):
        return [t for v in value for t in _times(v)]
    return [value] if isinstance(value, str) and QUOTED.fullmatch(value) else []


def test_utc_text_is_the_apis_format() -> None:
    assert utc_text(AT) == api_text(AT) == "2026-01-01T12:00:00.250000Z"
    assert utc_text(AT.astimezone(timezone(timedelta(hours=2)))) == "2026-01-01T12:00:00.250000Z"
    assert utc_text(datetime(2026, 1, 1, 12)) == "2026-01-01T12:00:00Z"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda m: webhook.build_payload(m), id="webhook body"),
        pytest.param(lambda m: {"alert": alert_fields(m.alert)}, id="template variables"),
        pytest.param(lambda m: discord.build_payload(m, None), id="discord embed"),
        pytest.param(lambda m: pagerduty.build_event(m, "rk"), id="pagerduty event"),
    ],
)
@pytest.mark.parametrize("status", list(AlertStatus))
def test_payload_timestamps_are_written_as_the_api_writes_them(payload: Any, status: AlertStatus) -> None:
    times = _times(payload(message(status=status)))
    assert times, "the payload quotes no time"
    for text in times:
        assert API_FORMAT.match(text), f"{text!r} is not the API's format"
    body = webhook.build_payload(message(status=status))["alert"]
    if status is AlertStatus.RESOLVED:
        assert body["acknowledged_at"] == body["resolved_at"] == body["first_seen"] == "2026-01-01T12:00:00Z"


def _quoted(text: str) -> list[str]:
    return [m.group(0) for m in QUOTED.finditer(text)]


def test_messages_that_quote_a_time_use_the_apis_format() -> None:
    accepted = Accepted(AT, timedelta(hours=48))
    future, old = accepted.problem(AT + timedelta(hours=1)), accepted.problem(AT - timedelta(days=3))
    _, stale = reported_health("ok", enabled=True, next_evaluation_at=AT, interval_seconds=60, now=AT + timedelta(1))
    silence = describe_silence(
        Heartbeat(name="backup", interval_seconds=60, grace_seconds=30),
        HeartbeatAlert(tenant_id="t", heartbeat_id="h", action="trigger", at=AT, last_ping_at=AT),
    )
    for text in (future, old, stale, silence):
        assert text is not None
        [quoted] = _quoted(text)
        assert API_FORMAT.match(quoted), text


@pytest.mark.parametrize("status", [AlertStatus.TRIGGERED, AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED])
def test_the_temporal_ui_details_quote_times_in_the_apis_format(status: AlertStatus) -> None:
    """The alert's current details in the Temporal UI wrote str(datetime) ('2026-01-01 12:00:00+00:00')
    and isoformat's +00:00."""
    view = sample_alert(status=status).model_copy(update={"next_notification_at": AT})
    text = details(view)
    quoted = re.findall(r"\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:\d\d)?", text)
    assert quoted, text
    assert all(API_FORMAT.match(q) for q in quoted), text
