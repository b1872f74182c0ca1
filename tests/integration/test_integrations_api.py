"""`/api/v1/integrations`: the key shown once, listed masked, revoked at once; admins only; input
checked by field; a policy an integration is bound to cannot be deleted (409 naming it)."""

from __future__ import annotations

import re

from tests.integration.conftest import Stack
from tests.support.alerts import eventually

PATH = "/api/v1/integrations"


async def test_a_routing_key_is_shown_once_listed_by_prefix_and_refused_once_revoked(stack: Stack) -> None:
    created = await stack.http.post(
        PATH, headers=stack.admin, json={"name": "checkout", "kind": "pagerduty", "labels": {"integration": "checkout"}}
    )
    assert created.status_code == 201, created.text
    made = created.json()
    key = made["key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key) and made["prefix"] == key[:8]
    assert (made["kind"], made["labels"], made["group_by"], made["revoked_at"]) == (
        "pagerduty",
        {"integration": "checkout"},
        "groupKey",
        None,
    )
    listed = await stack.http.get(PATH, headers=stack.admin)
    assert listed.status_code == 200 and key not in listed.text
    assert [(i["id"], i["prefix"]) for i in listed.json()] == [(made["id"], key[:8])]
    one = await stack.http.get(f"{PATH}/{made['id']}", headers=stack.admin)
    assert one.status_code == 200 and "key" not in one.json() and one.json()["name"] == "checkout"

    event = {"routing_key": key, "event_action": "resolve", "dedup_key": "x"}
    assert (await stack.http.post("/v2/enqueue", json=event)).status_code == 202
    assert (await stack.http.delete(f"{PATH}/{made['id']}", headers=stack.admin)).status_code == 204
    refused = await stack.http.post("/v2/enqueue", json=event)
    assert refused.status_code == 400 and refused.json()["status"] == "invalid event"
    assert (await stack.http.get(f"{PATH}/{made['id']}", headers=stack.admin)).json()["revoked_at"] is not None
    assert (await stack.http.delete(f"{PATH}/no-such-id", headers=stack.admin)).status_code == 404
    assert (await stack.http.get(f"{PATH}/no-such-id", headers=stack.admin)).status_code == 404


async def test_only_admins_manage_integrations(stack: Stack) -> None:
    for headers in (stack.viewer, stack.responder):
        assert (await stack.http.get(PATH, headers=headers)).status_code == 403
        made = await stack.http.post(PATH, headers=headers, json={"name": "x", "kind": "pagerduty"})
        assert made.status_code == 403
    assert (await stack.http.get(PATH)).status_code == 401


async def test_bad_input_is_a_422_naming_the_field(stack: Stack) -> None:
    cases = [
        ({"name": "x", "kind": "nagios"}, "kind"),
        ({"name": "", "kind": "pagerduty"}, "name"),
        ({"name": "x", "kind": "alertmanager", "group_by": "alertname"}, "group_by"),
        ({"name": "x", "kind": "pagerduty", "labels": {"bad-name": "x"}}, "labels"),
        ({"name": "x", "kind": "pagerduty", "routing_key": "mine"}, "routing_key"),
        (
            {"name": "x", "kind": "pagerduty", "escalation_policy_id": "7d2c1f7e-0000-4000-8000-000000000000"},
            "escalation_policy_id",
        ),
    ]
    for body, field in cases:
        answer = await stack.http.post(PATH, headers=stack.admin, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert any(e["field"] == field for e in answer.json()["errors"]), (field, answer.json())
    grouped = await stack.http.post(
        PATH, headers=stack.admin, json={"name": "x", "kind": "pagerduty", "group_by": "fingerprint"}
    )
    assert grouped.status_code == 422 and "group_by" in grouped.text


async def test_a_policy_an_integration_is_bound_to_cannot_be_deleted(stack: Stack) -> None:
    hook = {"name": "ops", "type": "webhook", "config": {"url": "https://hooks.example/ops"}}
    channel = (await stack.http.post("/api/v1/channels", headers=stack.admin, json=hook)).json()
    level = {"targets": [{"type": "channel", "id": channel["id"]}], "delay_minutes": 30}
    policy = await stack.http.post(
        "/api/v1/escalation-policies", headers=stack.admin, json={"name": "payments", "levels": [level]}
    )
    assert policy.status_code == 201, policy.text
    policy_id = policy.json()["id"]
    made = await stack.http.post(
        PATH, headers=stack.admin, json={"name": "checkout", "kind": "pagerduty", "escalation_policy_id": policy_id}
    )
    assert made.status_code == 201 and made.json()["escalation_policy_id"] == policy_id
    event = {
        "routing_key": made.json()["key"],
        "event_action": "trigger",
        "payload": {"summary": "Card declines", "source": "checkout", "severity": "critical"},
    }
    assert (await stack.http.post("/v2/enqueue", json=event)).status_code == 202
    opened = await eventually(
        lambda: stack.http.get("/api/v1/alerts/", headers=stack.viewer),
        lambda answer: bool(answer.json()["items"]) and answer.json()["items"][0]["escalation"] is not None,
    )
    assert opened.json()["items"][0]["escalation"]["policy_id"] == policy_id  # the integration's policy
    refused = await stack.http.delete(f"/api/v1/escalation-policies/{policy_id}", headers=stack.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["integration 'checkout'"]
    assert (await stack.http.delete(f"{PATH}/{made.json()['id']}", headers=stack.admin)).status_code == 204
    deleted = await stack.http.delete(f"/api/v1/escalation-policies/{policy_id}", headers=stack.admin)
    assert deleted.status_code == 204, deleted.text
