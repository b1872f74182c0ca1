"""Inhibit rules: while a source alert fires, the matching target alerts that share its `equal`
labels send no fire notices and say which alert inhibits them; others are unaffected."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.integration.test_alert_flows import add_channel, get_alert
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver

CLUSTER_RULE = {
    "source_matchers": 'alertname="ClusterDown"',
    "target_matchers": ['alertname="InstanceDown"'],
    "equal": ["cluster"],
    "comment": "a down cluster explains its down instances",
}


async def alert(stack: Stack, title: str, labels: dict[str, str]) -> dict[str, Any]:
    answer = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json={"title": title, "labels": labels})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def inhibited(detail: dict[str, Any]) -> bool:
    return any(entry["kind"] == "notification_inhibited" for entry in detail["timeline"])


async def test_a_firing_source_inhibits_its_targets_that_share_the_equal_labels(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    await add_channel(stack, receiver.url)
    created = await stack.http.post("/api/v1/inhibit-rules", headers=stack.admin, json=CLUSTER_RULE)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["source_matchers"] == ['alertname="ClusterDown"'] and rule["equal"] == ["cluster"]
    source = await alert(stack, "cluster a down", {"alertname": "ClusterDown", "cluster": "a"})
    await receiver.wait_for(1)
    target = await alert(stack, "node 1 down", {"alertname": "InstanceDown", "cluster": "a", "host": "n1"})
    elsewhere = await alert(stack, "node 9 down", {"alertname": "InstanceDown", "cluster": "b", "host": "n9"})
    await receiver.wait_for(2)
    detail = await eventually(lambda: get_alert(stack, target["id"]), inhibited)
    [entry] = [e for e in detail["timeline"] if e["kind"] == "notification_inhibited"]
    assert source["id"] in entry["message"] and entry["details"]["inhibited_by"] == source["id"]
    assert entry["details"]["inhibit_rule_ids"] == rule["id"]
    told = [(h.json["alert"]["id"], h.json["event"]) for h in receiver.received]
    assert told == [(source["id"], "triggered"), (elsewhere["id"], "triggered")]


async def test_an_alert_matching_both_sides_does_not_inhibit_itself(stack: Stack, receiver: WebhookReceiver) -> None:
    await add_channel(stack, receiver.url)
    both = {"source_matchers": 'severity="critical"', "target_matchers": 'severity="critical"', "equal": ["team"]}
    assert (await stack.http.post("/api/v1/inhibit-rules", headers=stack.admin, json=both)).status_code == 201
    await alert(stack, "one", {"severity": "critical", "team": "db", "n": "1"})
    await alert(stack, "two", {"severity": "critical", "team": "db", "n": "2"})
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "triggered"]


async def test_inhibit_rules_crud_and_roles(stack: Stack) -> None:
    created = (await stack.http.post("/api/v1/inhibit-rules", headers=stack.admin, json=CLUSTER_RULE)).json()
    changed = CLUSTER_RULE | {"equal": ["cluster", "region"]}
    replaced = await stack.http.put(f"/api/v1/inhibit-rules/{created['id']}", headers=stack.admin, json=changed)
    assert replaced.status_code == 200 and replaced.json()["equal"] == ["cluster", "region"]
    listed = (await stack.http.get("/api/v1/inhibit-rules", headers=stack.viewer)).json()
    assert [r["id"] for r in listed] == [created["id"]]
    responder = await stack.http.post("/api/v1/inhibit-rules", headers=stack.responder, json=CLUSTER_RULE)
    assert responder.status_code == 403
    gone = await stack.http.delete(f"/api/v1/inhibit-rules/{created['id']}", headers=stack.admin)
    assert gone.status_code == 204
    again = await stack.http.get(f"/api/v1/inhibit-rules/{created['id']}", headers=stack.viewer)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"source_matchers": 'alertname="x'}, "source_matchers", "missing end"),
        ({"target_matchers": []}, "target_matchers", "at least one matcher"),
        ({"equal": ["bad-name"]}, "equal", "must match"),
        ({"equal": ["cluster", "cluster"]}, "equal", "twice"),
        ({"target_matchers": 'job=~"(x"'}, "target_matchers", ""),
    ],
)
async def test_a_bad_inhibit_rule_is_a_422_naming_its_field(
    stack: Stack, change: dict[str, Any], field: str, words: str
) -> None:
    answer = await stack.http.post("/api/v1/inhibit-rules", headers=stack.admin, json=CLUSTER_RULE | change)
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"].startswith(field)]
    assert words in error["message"], error
