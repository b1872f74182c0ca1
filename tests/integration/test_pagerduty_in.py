"""PagerDuty's Events API v2 spoken by Herald (`POST /v2/enqueue`, `/v2/change/enqueue`), through
the real API with a worker on the Temporal dev server: what a trigger keeps and shows, follow-ups
by dedup key, PagerDuty's answers, and every refusal in PagerDuty's shape naming its field."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import Stack
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver

PROCESSED = {"status": "success", "message": "Event processed"}


async def integration(stack: Stack, name: str = "payments-pd", **extra: Any) -> dict[str, Any]:
    answer = await stack.http.post(
        "/api/v1/integrations", headers=stack.admin, json={"name": name, "kind": "pagerduty", **extra}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def trigger(key: str, summary: str = "Checkout latency high", **fields: Any) -> dict[str, Any]:
    payload = {"summary": summary, "source": "checkout-1.prod", "severity": "error"} | fields.pop("payload", {})
    return {"routing_key": key, "event_action": "trigger", "payload": payload} | fields


async def enqueue(stack: Stack, body: dict[str, Any], status: int = 202) -> dict[str, Any]:
    answer = await stack.http.post("/v2/enqueue", json=body)
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def alerts(stack: Stack) -> list[dict[str, Any]]:
    answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"sort": "created_at"})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def detail(stack: Stack, alert_id: str) -> dict[str, Any]:
    answer = await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_a_trigger_opens_an_alert_that_keeps_and_shows_every_field(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    hook = {"name": "ops", "type": "webhook", "config": {"url": receiver.url}, "is_default": True}
    assert (await stack.http.post("/api/v1/channels", headers=stack.admin, json=hook)).status_code == 201
    pd = await integration(stack, labels={"team": "payments"})
    body = trigger(
        pd["key"],
        dedup_key="checkout/latency",
        payload={
            "timestamp": "2026-07-17T08:42:58.315+0000",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "deploy",
            "custom_details": {"ping time": "1500ms", "load avg": 0.75},
        },
        images=[{"src": "https://graphs.example/p99.png", "href": "https://graphs.example", "alt": "p99"}],
        links=[{"href": "https://runbooks.example/checkout", "text": "Runbook"}],
        client="Sample Monitoring Service",
        client_url="https://monitoring.example",
    )
    assert await enqueue(stack, body) == PROCESSED | {"dedup_key": "checkout/latency"}

    [opened] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    shown = await detail(stack, opened["id"])
    assert (shown["title"], shown["severity"], shown["source"]) == ("Checkout latency high", "high", "checkout-1.prod")
    assert shown["dedup_key"] == f"pd/{pd['id']}/checkout/latency"
    assert shown["labels"] == {"component": "postgres", "group": "prod-datapipe", "class": "deploy", "team": "payments"}
    notes = shown["annotations"]
    assert json.loads(notes["custom_details"]) == {"ping time": "1500ms", "load avg": 0.75}
    assert json.loads(notes["links"]) == [{"href": "https://runbooks.example/checkout", "text": "Runbook"}]
    assert json.loads(notes["images"])[0]["src"] == "https://graphs.example/p99.png"
    assert notes["pagerduty_timestamp"] == "2026-07-17T08:42:58.315+0000"
    assert notes["pagerduty_dedup_key"] == "checkout/latency"
    assert notes["pagerduty_client"] == "Sample Monitoring Service"
    assert "Runbook: https://runbooks.example/checkout" in shown["description"]

    [delivered] = await receiver.wait_for(1)
    sent = delivered.json["alert"]
    assert json.loads(sent["annotations"]["links"])[0]["href"] == "https://runbooks.example/checkout"
    assert json.loads(sent["annotations"]["images"])[0]["alt"] == "p99"


async def test_a_trigger_without_a_dedup_key_gets_one_that_resolves_it(stack: Stack) -> None:
    pd = await integration(stack)
    answered = await enqueue(stack, trigger(pd["key"], payload={"severity": "critical"}))
    key = answered["dedup_key"]
    assert len(key) == 32 and answered == PROCESSED | {"dedup_key": key}
    [opened] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    assert opened["severity"] == "critical"
    assert await enqueue(stack, {"routing_key": pd["key"], "event_action": "resolve", "dedup_key": key}) == (
        PROCESSED | {"dedup_key": key}
    )
    await eventually(lambda: alerts(stack), lambda items: items[0]["status"] == "resolved")


async def test_acknowledge_then_resolve_by_dedup_key(stack: Stack) -> None:
    pd = await integration(stack, name="db-pd")
    await enqueue(stack, trigger(pd["key"], dedup_key="db-disk", payload={"severity": "warning"}))
    [opened] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    assert opened["severity"] == "medium"
    follow = {"routing_key": pd["key"], "dedup_key": "db-disk"}
    assert await enqueue(stack, follow | {"event_action": "acknowledge"}) == PROCESSED | {"dedup_key": "db-disk"}
    acknowledged = await eventually(lambda: detail(stack, opened["id"]), lambda a: a["status"] == "acknowledged")
    assert acknowledged["acknowledged_by"] == "pagerduty:db-pd"
    await enqueue(stack, follow | {"event_action": "acknowledge"})  # again: accepted, nothing changes
    await enqueue(stack, follow | {"event_action": "resolve"})
    resolved = await eventually(lambda: detail(stack, opened["id"]), lambda a: a["status"] == "resolved")
    assert resolved["resolved_by"] == "pagerduty:db-pd"


async def test_an_acknowledge_sent_right_after_its_trigger_is_not_lost(stack: Stack) -> None:
    """The trigger may still be in the ingest inbox when the acknowledge arrives: the acknowledge is
    queued behind it and applied once the alert is open (it used to find no open alert and be dropped)."""
    pd = await integration(stack, name="fast-pd")
    await enqueue(stack, trigger(pd["key"], dedup_key="flap"))
    await enqueue(stack, {"routing_key": pd["key"], "dedup_key": "flap", "event_action": "acknowledge"})
    [opened] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    acknowledged = await eventually(lambda: detail(stack, opened["id"]), lambda a: a["status"] == "acknowledged")
    assert acknowledged["acknowledged_by"] == "pagerduty:fast-pd"
    kinds = [entry["kind"] for entry in acknowledged["timeline"]]
    assert kinds.index("triggered") < kinds.index("acknowledged")


async def test_follow_ups_with_no_open_alert_are_accepted_and_ignored(stack: Stack) -> None:
    pd = await integration(stack)
    for action in ("acknowledge", "resolve"):
        answered = await enqueue(stack, {"routing_key": pd["key"], "event_action": action, "dedup_key": "never"})
        assert answered == PROCESSED | {"dedup_key": "never"}
    await enqueue(stack, trigger(pd["key"], dedup_key="later"))
    [only] = await eventually(lambda: alerts(stack), lambda items: len(items) >= 1)
    assert only["dedup_key"] == f"pd/{pd['id']}/later"
    assert len(await alerts(stack)) == 1


async def test_a_trigger_after_a_resolve_opens_a_new_alert(stack: Stack) -> None:
    pd = await integration(stack)
    await enqueue(stack, trigger(pd["key"], dedup_key="flappy"))
    [first] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    await enqueue(stack, {"routing_key": pd["key"], "event_action": "resolve", "dedup_key": "flappy"})
    await enqueue(stack, trigger(pd["key"], "Flapping again", dedup_key="flappy"))
    both = await eventually(lambda: alerts(stack), lambda items: len(items) == 2 and items[0]["status"] == "resolved")
    assert both[0]["id"] == first["id"]
    assert (both[1]["title"], both[1]["status"]) == ("Flapping again", "triggered")
    assert both[1]["id"] != first["id"] and both[1]["dedup_key"] == first["dedup_key"]


async def test_dedup_keys_belong_to_the_integration_that_sent_the_trigger(stack: Stack) -> None:
    one, other = await integration(stack, name="one"), await integration(stack, name="other")
    await enqueue(stack, trigger(one["key"], dedup_key="same"))
    await enqueue(stack, trigger(other["key"], "Other's", dedup_key="same"))
    opened = await eventually(lambda: alerts(stack), lambda items: len(items) == 2)
    mine = next(a for a in opened if a["dedup_key"] == f"pd/{one['id']}/same")
    await enqueue(stack, {"routing_key": other["key"], "event_action": "acknowledge", "dedup_key": "same"})
    assert (await detail(stack, mine["id"]))["status"] == "triggered"
    long_key = "x " * 200  # not a Herald dedup key (spaces, over 255): hashed, still one alert
    answered = await enqueue(stack, trigger(one["key"], dedup_key=long_key[:255]), status=202)
    assert answered["dedup_key"] == long_key[:255]
    third = await eventually(lambda: alerts(stack), lambda items: len(items) == 3)
    assert third[2]["dedup_key"].startswith(f"pd/{one['id']}#")


async def test_every_invalid_event_is_a_400_in_pagerdutys_shape_naming_the_field(stack: Stack) -> None:
    pd = await integration(stack)
    revoked = await integration(stack, name="old")
    assert (await stack.http.delete(f"/api/v1/integrations/{revoked['id']}", headers=stack.admin)).status_code == 204
    good = trigger(pd["key"], dedup_key="k")
    payload = good["payload"]
    cases: list[tuple[Any, str]] = [
        ({k: v for k, v in good.items() if k != "routing_key"}, "'routing_key' is missing"),
        (good | {"routing_key": "0" * 32}, "'routing_key' is not an active integration key"),
        (good | {"routing_key": revoked["key"]}, "'routing_key' is not an active integration key"),
        (good | {"event_action": "snooze"}, "'event_action' must be 'trigger', 'acknowledge' or 'resolve'"),
        (good | {"payload": {k: v for k, v in payload.items() if k != "summary"}}, "'payload.summary' is missing"),
        (good | {"payload": {k: v for k, v in payload.items() if k != "source"}}, "'payload.source' is missing"),
        (good | {"payload": {k: v for k, v in payload.items() if k != "severity"}}, "'payload.severity' is missing"),
        (good | {"payload": payload | {"severity": "major"}}, "'payload.severity' must be 'critical', 'error'"),
        (good | {"payload": payload | {"summary": "s" * 1025}}, "'payload.summary' is invalid"),
        (good | {"payload": payload | {"summary": "   "}}, "'payload.summary'"),
        (good | {"dedup_key": "d" * 256}, "'dedup_key' is invalid"),
        (good | {"payload": payload | {"timestamp": "yesterday"}}, "'payload.timestamp' is not an ISO 8601"),
        (good | {"payload": payload | {"timestamp": "2026-07-17T08:42:58"}}, "'payload.timestamp' needs a time zone"),
        ({k: v for k, v in good.items() if k != "payload"}, "'payload' is missing"),
        ({"routing_key": pd["key"], "event_action": "resolve"}, "'dedup_key' is missing"),
        (good | {"payload": payload | {"custom_details": {"blob": "x" * 600_000}}}, "'body' is larger than 524288"),
        (good | {"links": [{"text": "no href"}]}, "'links.0.href' is missing"),
        ("not an object", "'body' is invalid"),
    ]
    for body, expected in cases:
        answer = await stack.http.post("/v2/enqueue", json=body)
        assert answer.status_code == 400, (expected, answer.text)
        answered = answer.json()
        assert (answered["status"], answered["message"]) == ("invalid event", "Event object is invalid"), answered
        assert any(expected in error for error in answered["errors"]), (expected, answered)
    malformed = await stack.http.post(
        "/v2/enqueue", content=b'{"routing_key": ', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["errors"][0].startswith("'body' is not valid JSON")
    assert await alerts(stack) == []


async def test_change_events_are_recorded_and_listed_newest_first(stack: Stack) -> None:
    pd = await integration(stack)
    for hour, summary in ((9, "Deploy v41"), (11, "Deploy v43"), (10, "Config push")):
        change = {
            "routing_key": pd["key"],
            "payload": {
                "summary": summary,
                "source": "ci",
                "timestamp": f"2026-07-17T{hour:02}:00:00Z",
                "custom_details": {"build": hour},
            },
            "links": [{"href": f"https://ci.example/{hour}", "text": "Build"}],
        }
        answer = await stack.http.post("/v2/change/enqueue", json=change)
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"status": "success", "message": "Change event processed", "dedup_key": None}
    first = await stack.http.get("/api/v1/change-events", headers=stack.viewer, params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [c["summary"] for c in page["items"]] == ["Deploy v43", "Config push"]
    assert page["items"][0]["custom_details"] == {"build": 11}
    assert page["items"][0]["links"] == [{"href": "https://ci.example/11", "text": "Build"}]
    assert page["items"][0]["integration_id"] == pd["id"]
    rest = await stack.http.get(
        "/api/v1/change-events", headers=stack.viewer, params={"limit": 2, "cursor": page["next_cursor"]}
    )
    assert [c["summary"] for c in rest.json()["items"]] == ["Deploy v41"] and rest.json()["next_cursor"] is None
    bad_cursor = await stack.http.get("/api/v1/change-events", headers=stack.viewer, params={"cursor": "nope"})
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.text
    invalid = await stack.http.post("/v2/change/enqueue", json={"routing_key": pd["key"], "payload": {"source": "ci"}})
    assert invalid.status_code == 400
    assert invalid.json()["message"] == "Change event object is invalid"
    assert "'payload.summary' is missing or blank" in invalid.json()["errors"]
    assert await alerts(stack) == []  # a change opens no alert
