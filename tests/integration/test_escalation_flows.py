"""Escalation through the REST API on the dev server: routing picks the policy, the alert shows
its level and who was paged, and the actions (escalate, snooze, reassign, notes) answer."""

from __future__ import annotations

from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.integration.conftest import Stack
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


async def post(stack: Stack, path: str, body: dict[str, Any] | None = None, *, status: int = 200) -> dict[str, Any]:
    headers = stack.admin if path.startswith(("/api/v1/users", "/api/v1/escalation")) else stack.responder
    response = await stack.http.post(path, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def person(stack: Stack, name: str, hook: str) -> str:
    body = {
        "name": name,
        "email": f"{name}@example.com",
        "contact_methods": [{"type": "webhook", "address": f"{hook}/{name}"}],
    }
    return str((await post(stack, "/api/v1/users", body, status=201))["id"])


async def test_routing_levels_and_actions_through_the_api(
    stack: Stack, receiver: WebhookReceiver, dev_env: WorkflowEnvironment
) -> None:
    ann = await person(stack, "ann", receiver.url)
    ben = await person(stack, "ben", receiver.url)
    cat = await person(stack, "cat", receiver.url)
    rapid = await post(
        stack,
        "/api/v1/escalation-policies",
        {
            "name": "Critical",
            "levels": [
                {"targets": [{"type": "user", "id": ann}], "delay_minutes": 60},
                {"targets": [{"type": "user", "id": ben}], "delay_minutes": 60},
            ],
        },
        status=201,
    )
    calm = await post(
        stack,
        "/api/v1/escalation-policies",
        {"name": "Standard", "levels": [{"targets": [{"type": "user", "id": cat}], "delay_minutes": 60}]},
        status=201,
    )
    routing = await stack.http.put(
        "/api/v1/escalation-policies/routing",
        headers=stack.admin,
        json={"default_policy_id": calm["id"], "routes": [{"policy_id": rapid["id"], "severities": ["critical"]}]},
    )
    assert routing.status_code == 200, routing.text

    alert = await post(stack, "/api/v1/alerts/", {"title": "API down", "severity": "critical"}, status=201)
    [page] = await receiver.wait_for(1)
    assert page.who == "ann" and page.json["event"] == "triggered"
    escalation = alert["escalation"]
    assert escalation["policy_name"] == "Critical" and escalation["reason"] == 'route {}/{severity="critical"}'

    def paged(a: dict[str, Any]) -> bool:
        return a["escalation"] is not None and len(a["escalation"]["pages"]) >= 1

    detail = await eventually(lambda: get(stack, alert["id"]), paged)
    assert detail["escalation"]["level"] == 1 and detail["escalation"]["next_escalation_at"] is not None
    assert detail["escalation"]["pages"][0]["users"][0]["name"] == "ann"
    assert detail["escalation"]["ladder"] == [  # the ladder the alert took, for the console's escalation view
        {"level": 1, "delay_seconds": 3600, "targets": [{"type": "user", "id": ann}]},
        {"level": 2, "delay_seconds": 3600, "targets": [{"type": "user", "id": ben}]},
    ]
    assert detail["escalation"]["repeat"] == 0

    moved = await post(stack, f"/api/v1/alerts/{alert['id']}/escalate")
    # The answer is the state the escalation produced: level 2 has run and paged ben.
    assert moved["escalation"]["level"] == 2, moved["escalation"]
    assert [u["name"] for u in moved["escalation"]["pages"][-1]["users"]] == ["ben"]
    await receiver.wait_for(2)
    assert receiver.pages()[-1] == ("ben", "escalated")
    again = await stack.http.post(f"/api/v1/alerts/{alert['id']}/escalate", headers=stack.responder)
    assert again.status_code == 409 and "last level" in again.json()["detail"]

    early = await stack.http.post(f"/api/v1/alerts/{alert['id']}/snooze", headers=stack.responder, json={"minutes": 5})
    assert early.status_code == 409 and "acknowledge it first" in early.json()["detail"]
    await post(stack, f"/api/v1/alerts/{alert['id']}/acknowledge")
    snoozed = await post(stack, f"/api/v1/alerts/{alert['id']}/snooze", {"minutes": 30})
    assert snoozed["snoozed_until"] is not None
    bad = await stack.http.post(f"/api/v1/alerts/{alert['id']}/snooze", headers=stack.responder, json={"minutes": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "minutes"

    ghost = await stack.http.post(
        f"/api/v1/alerts/{alert['id']}/reassign", headers=stack.responder, json={"user_id": "ghost"}
    )
    assert ghost.status_code == 422 and ghost.json()["errors"][0]["field"] == "user_id"
    both = await stack.http.post(
        f"/api/v1/alerts/{alert['id']}/reassign",
        headers=stack.responder,
        json={"user_id": cat, "policy_id": calm["id"]},
    )
    assert both.status_code == 422
    handed = await post(stack, f"/api/v1/alerts/{alert['id']}/reassign", {"policy_id": calm["id"]})
    assert handed["status"] == "triggered" and handed["escalation"]["policy_name"] == "Standard"
    assert handed["escalation"]["level"] == 1 and handed["escalation"]["pages"][-1]["users"][0]["name"] == "cat"
    await receiver.wait_for(3)
    assert receiver.pages()[-1] == ("cat", "triggered")
    await post(stack, f"/api/v1/alerts/{alert['id']}/notes", {"text": "failing over to eu-west"})

    detail = await get(stack, alert["id"])
    notes = [e for e in detail["timeline"] if e["kind"] == "note"]
    assert notes and notes[0]["actor"].startswith("api-key:") and notes[0]["message"] == "failing over to eu-west"
    kinds = {e["kind"] for e in detail["timeline"]}
    assert {"policy", "paged", "escalate_requested", "escalated", "acknowledged", "snoozed", "reassigned"} <= kinds

    # The Temporal UI can list alerts by level.
    query = f"HeraldTenant = '{stack.tenant}' AND HeraldLevel = 1"
    found = await eventually(
        lambda: _count(dev_env, query),
        lambda n: n == 1,
    )
    assert found == 1

    await post(stack, f"/api/v1/alerts/{alert['id']}/resolve")
    closed = await stack.http.post(f"/api/v1/alerts/{alert['id']}/notes", headers=stack.responder, json={"text": "x"})
    assert closed.status_code == 409


async def get(stack: Stack, alert_id: str) -> dict[str, Any]:
    response = await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _count(env: WorkflowEnvironment, query: str) -> int:
    return (await env.client.count_workflows(query)).count
