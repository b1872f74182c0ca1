"""An empty label value is an absent label (Prometheus's rule): one alert, one series, one rule
instance, and filters and routes that read `env=""` as "no env"."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.integration.conftest import Stack
from tests.support.alerts import eventually


def documented_key(tenant: str, labels: dict[str, str]) -> str:
    """The group key as docs/api.md spells it, over the labels given."""
    text = json.dumps([tenant, sorted(labels.items())], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def alerts(stack: Stack, **params: Any) -> list[dict[str, Any]]:
    answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"limit": 500, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def events(stack: Stack, *batch: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": list(batch)})
    assert answer.status_code == 202, answer.text
    return answer.json()["results"]  # type: ignore[no-any-return]


async def test_an_empty_value_and_an_absent_label_open_one_alert_and_resolve_it(stack: Stack) -> None:
    [first] = await events(stack, {"title": "db", "labels": {"host": "db1", "env": ""}})
    [second] = await events(stack, {"title": "db", "labels": {"host": "db1"}})
    key = documented_key(stack.tenant, {"host": "db1"})  # unchanged for a set without empty values
    assert first["key"] == second["key"] == key
    [alert] = await eventually(lambda: alerts(stack), lambda found: len(found) == 1 and found[0]["event_count"] == 2)
    assert alert["labels"] == {"host": "db1"}  # stored canonical

    [resolved] = await events(stack, {"action": "resolve", "labels": {"host": "db1"}})
    assert resolved["status"] == "accepted"
    await eventually(lambda: alerts(stack), lambda found: [a["status"] for a in found] == ["resolved"])


async def test_a_resolve_with_an_empty_value_resolves_the_alert_without_it(stack: Stack) -> None:
    await events(stack, {"title": "web", "labels": {"host": "web1"}})
    await eventually(lambda: alerts(stack), lambda found: len(found) == 1)
    [resolved] = await events(stack, {"action": "resolve", "labels": {"host": "web1", "zone": ""}})
    assert resolved["status"] == "accepted"
    await eventually(lambda: alerts(stack), lambda found: [a["status"] for a in found] == ["resolved"])


async def test_manual_alerts_share_the_key_and_filters_read_an_empty_value_as_absent(stack: Stack) -> None:
    created = await stack.http.post(
        "/api/v1/alerts/", headers=stack.responder, json={"title": "a", "labels": {"svc": "api", "env": ""}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["labels"] == {"svc": "api"}
    again = await stack.http.post(
        "/api/v1/alerts/", headers=stack.responder, json={"title": "a", "labels": {"svc": "api"}}
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    other = await stack.http.post(
        "/api/v1/alerts/", headers=stack.responder, json={"title": "b", "labels": {"svc": "api", "env": "prod"}}
    )
    assert other.status_code == 201, other.text

    no_env = await alerts(stack, label=["env="])
    assert [a["id"] for a in no_env] == [created.json()["id"]]
    both = await alerts(stack, label=["svc=api", "env="])
    assert [a["id"] for a in both] == [created.json()["id"]]
    prod = await alerts(stack, label=["env=prod"])
    assert [a["id"] for a in prod] == [other.json()["id"]]
