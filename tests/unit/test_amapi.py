"""Alertmanager API v2's pure parts: fingerprints as Alertmanager computes them (the expected values
were read from Debian's Alertmanager 0.25: each label set POSTed to /api/v2/alerts, its `fingerprint`
read back), and the mapping of a posted alert to a Herald event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from amapi.config import TenantConfig, render
from amapi.fingerprint import fingerprint
from amapi.mapping import alert_problem, map_alert, severity_of
from amapi.shapes import GettableSilence, Matcher, PostableAlert, SilenceStatus, am_time
from workflows.payloads import Severity

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"alertname": "A"}, "d2c6efc389df0927"),
        ({"aa": "2", "b": "3", "z": "1"}, "66557ffa9b69c165"),
        ({"a": "ü€", "b": ""}, "7cadca045622fa17"),  # UTF-8 bytes; the empty label dropped as Alertmanager does
        (
            {"alertname": "HighLatency", "instance": "db1:9100", "job": "node", "severity": "critical"},
            "e7db819b4e5ccff7",
        ),
    ],
)
def test_fingerprints_are_alertmanagers(labels: dict[str, str], expected: str) -> None:
    assert fingerprint(labels) == expected
    assert fingerprint(dict(reversed(list(labels.items())))) == expected  # order-free


def test_an_alert_without_ends_at_fires_until_resolve_timeout() -> None:
    alert = PostableAlert(
        labels={"alertname": "Down", "severity": "warning", "env": ""},
        annotations={"summary": "db1 is down", "description": "no answer", "runbook_url": "https://rb/down"},
        startsAt=NOW - timedelta(minutes=1),
        generatorURL="http://prom/graph?g0.expr=up",
    )
    mapped = map_alert(alert, now=NOW, resolve_timeout=TIMEOUT)
    assert (mapped.action, mapped.title, mapped.description) == ("trigger", "db1 is down", "no answer")
    assert mapped.severity == Severity.MEDIUM and mapped.labels == {"alertname": "Down", "severity": "warning"}
    assert (mapped.starts_at, mapped.ends_at) == (NOW - timedelta(minutes=1), NOW + TIMEOUT)
    assert mapped.annotations["runbook_url"] == "https://rb/down" and mapped.generator_url.endswith("expr=up")


def test_ends_at_decides_between_an_expiry_and_a_resolve() -> None:
    later = map_alert(
        PostableAlert(labels={"a": "b"}, endsAt=NOW + timedelta(seconds=40)), now=NOW, resolve_timeout=TIMEOUT
    )
    assert (later.action, later.ends_at, later.title) == ("trigger", NOW + timedelta(seconds=40), "a=b")
    past = map_alert(
        PostableAlert(labels={"alertname": "X"}, endsAt=NOW - timedelta(seconds=1)), now=NOW, resolve_timeout=TIMEOUT
    )
    assert (past.action, past.title) == ("resolve", "X")
    # Alertmanager: no startsAt but an endsAt: it started then.
    assert past.starts_at == NOW - timedelta(seconds=1)


def test_severity_mapping_default_and_per_tenant() -> None:
    assert [severity_of({"severity": s}) for s in ("critical", "ERROR", "high", "warning", "info", "page", "")] == [
        Severity.CRITICAL, Severity.HIGH, Severity.HIGH, Severity.MEDIUM, Severity.INFO, Severity.MEDIUM, Severity.MEDIUM,
    ]  # fmt: skip
    assert severity_of({"severity": "page"}, {"page": Severity.CRITICAL}) == Severity.CRITICAL
    assert (
        severity_of({"severity": "critical"}, {"page": Severity.CRITICAL}) == Severity.MEDIUM
    )  # the tenant's map only


def test_alertmanagers_own_checks() -> None:
    assert alert_problem(PostableAlert(labels={"a": ""})) == "at least one label pair required"
    backwards = PostableAlert(labels={"a": "b"}, startsAt=NOW, endsAt=NOW - timedelta(seconds=1))
    assert alert_problem(backwards) == "start time must be before end time"
    assert alert_problem(PostableAlert(labels={"a": "b"})) is None


def test_times_are_written_as_alertmanager_writes_them() -> None:
    assert am_time(datetime(2026, 12, 1, 4, 49, 19, 1234, tzinfo=UTC)) == "2026-12-01T04:49:19.001Z"
    silence = GettableSilence(
        id="x", status=SilenceStatus(state="active"), updatedAt=NOW, matchers=[Matcher(name="a", value="b", isRegex=False)],
        startsAt=NOW, endsAt=NOW, createdBy="me", comment="",
    )  # fmt: skip
    assert silence.model_dump(mode="json")["startsAt"] == "2026-12-01T12:00:00.000Z"


def test_the_configuration_renders_each_routes_channels_as_one_receiver() -> None:
    tree = {
        "group_by": ["alertname"],
        "group_wait": "30s",
        "routes": [
            {"matchers": ['team="db"'], "channels": ["c1", "c2"], "continue": True},
            {"matchers": ['team="web"'], "routes": [{"matchers": ["sev=page"], "channels": []}]},
        ],
    }
    text = render(TenantConfig(tree=tree, channel_names={"c1": "ops", "c2": "mail"}, resolve_timeout="2m"))
    data = yaml.safe_load(text)
    assert data["global"] == {"resolve_timeout": "2m"}
    assert data["route"]["receiver"] == "default" and data["route"]["group_by"] == ["alertname"]
    first, second = data["route"]["routes"]
    assert (first["receiver"], first["continue"], first["matchers"]) == ("ops+mail", True, ['team="db"'])
    assert "receiver" not in second  # inherited, as in Alertmanager
    assert second["routes"][0]["receiver"] == "none"  # `channels: []`: nobody is told
    assert [r["name"] for r in data["receivers"]] == ["default", "ops+mail", "none"]
