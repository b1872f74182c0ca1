"""Alertmanager's webhook body into Herald events (api/alertmanager_webhook.py) and what a notification
sets on its incident (workflows/payloads.py `with_incident_annotations`): pure, no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from api.alertmanager_fit import LEFT_OUT, fit_annotations
from api.alertmanager_webhook import AmWebhook, events_of, incident_annotations
from api.schemas.common import ANNOTATION_MAX
from models.integrations import GroupBy
from models.selectors import MAX_LABELS
from workflows.payloads import MAX_ANNOTATIONS, with_incident_annotations


def webhook(annotations: dict[str, str], truncated: int = 0) -> AmWebhook:
    alert: dict[str, Any] = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "host": "db1"},
        "annotations": annotations,
        "generatorURL": "http://prometheus.example/graph",
    }
    return AmWebhook.model_validate(
        {
            "version": "4",
            "groupKey": '{}:{alertname="DiskFull"}',
            "truncatedAlerts": truncated,
            "status": "firing",
            "receiver": "herald",
            "externalURL": "http://alertmanager.example",
            "alerts": [alert],
        }
    )


def test_the_workflows_cap_is_the_apis() -> None:
    assert MAX_ANNOTATIONS == MAX_LABELS


@pytest.mark.parametrize("own", [0, 1, 59, 60, 62])
def test_an_alert_within_the_cap_is_never_refused_for_what_herald_adds(own: int) -> None:
    """Before: 60 own annotations plus Herald's five (four, and the count of a cut notification) were refused."""
    annotations = {f"a{i}": "x" for i in range(own)}
    [event] = events_of(
        webhook(annotations, truncated=3), scope="default", labels={}, policy=None, group_by=GroupBy.GROUP_KEY
    )
    assert event.annotations is not None
    assert {k: v for k, v in event.annotations.items() if k.startswith("a") and k[1:].isdigit()} == annotations
    assert len(event.annotations) == max(own, min(own + 4, MAX_LABELS - 1))
    assert "alertmanager_truncated_alerts" not in event.annotations  # the incident's, not the alert's


def test_an_alert_over_the_cap_is_fitted_and_says_what_it_left_out() -> None:
    """Before: 65 annotations were refused (422), and Alertmanager does not retry a 4xx."""
    own = {f"a{i:02}": "x" for i in range(70)} | {"summary": "Disk full", "long": "y" * 12_000}
    [event] = events_of(webhook(own, truncated=1), scope="default", labels={}, policy=None, group_by=GroupBy.GROUP_KEY)
    assert event.annotations is not None and len(event.annotations) == MAX_LABELS - 1
    assert event.annotations["summary"] == "Disk full"  # summary, description, runbook_url come first
    assert event.annotations[LEFT_OUT].startswith("10 more annotations not shown: a61, a62")
    assert "alertmanager_group_key" not in event.annotations  # Herald's own yield to the alert's


def test_fitting_keeps_values_under_the_cap_and_says_how_much_was_cut() -> None:
    fitted = fit_annotations({"long": "y" * 10_001, "short": "ok"})
    assert fitted["short"] == "ok" and len(fitted["long"]) <= ANNOTATION_MAX
    assert fitted["long"].startswith("y" * 9_000) and fitted["long"].endswith("more characters not shown)")
    assert fit_annotations({"a": "1", "b": "2"}, room=2) == {"a": "1", "b": "2"}
    assert fit_annotations({"a": "1", "b": "2", "c": "3"}, room=2) == {
        "a": "1",
        LEFT_OUT: "2 more annotations not shown: b, c",
    }


def test_a_notification_says_its_count_or_that_it_cut_nothing() -> None:
    assert incident_annotations(webhook({}, truncated=4)) == {"alertmanager_truncated_alerts": "4"}
    assert incident_annotations(webhook({})) == {"alertmanager_truncated_alerts": ""}


def test_incident_annotations_replace_remove_and_stop_at_the_cap() -> None:
    assert with_incident_annotations({"a": "1", "t": "2"}, {"t": "5"}) == {"a": "1", "t": "5"}
    assert with_incident_annotations({"a": "1", "t": "2"}, {"t": ""}) == {"a": "1"}
    assert with_incident_annotations({"a": "1"}, {"t": ""}) == {"a": "1"}
    full = {f"a{i}": "x" for i in range(MAX_ANNOTATIONS)}
    assert with_incident_annotations(full, {"t": "5"}) == full  # no 65th: a responder could not save it back
    assert with_incident_annotations(full | {"a0": "y"}, {"a0": "z"})["a0"] == "z"
    short = dict(list(full.items())[:-1])
    assert with_incident_annotations(short, {"t": "5"}) == short | {"t": "5"}
