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


async def test_the_alert_list_takes_alertmanager_matchers(stack: Stack) -> None:
    batch = [
        {"title": "p", "labels": {"svc": "api", "env": "prod"}},
        {"title": "s", "labels": {"svc": "api", "env": "staging"}},
        {"title": "q", "labels": {"svc": "db", "env": "stag"}},
        {"title": "n", "labels": {"svc": "api"}},
    ]
    await events(stack, *batch)
    await eventually(lambda: alerts(stack), lambda found: len(found) == 4)

    async def titles(*matchers: str, **params: Any) -> list[str]:
        return sorted(a["title"] for a in await alerts(stack, matcher=list(matchers), **params))

    assert await titles('env=~"prod|stag"') == ["p", "q"]  # anchored: not "staging"
    assert await titles('env!~"prod|stag"') == ["n", "s"]  # an absent label matches as ""
    assert await titles('env=""') == ["n"]
    assert await titles('env!=""', 'svc="api"') == ["p", "s"]
    assert await titles('{svc="api", env=~"stag.*"}') == ["s"]
    assert await titles('env=~".+"', label=["svc=db"]) == ["q"]  # with the old form too
    assert await titles('"env"!="prod"', "svc=api") == ["n", "s"]
    assert await titles('env=~"nothing"') == []

    for bad, named in (
        ('env=~"[a"', "invalid regular expression for label 'env'"),
        ("env", "expected an operator"),
        ('"e\\x00nv"="x"', "label name contains a NUL character"),  # an escape the body check cannot see
    ):
        answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"matcher": bad})
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["errors"]
        assert error["field"] == "matcher" and named in error["message"] and repr(bad) in error["message"]
