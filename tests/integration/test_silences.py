"""Silences: the API (Alertmanager's states and edit rule, a preview, bad input) and their effect
on a real worker — a silenced alert's fire notices are not sent and its timeline says which
silence muted them; an alert whose fire notice was delivered still gets its resolved notice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.api_keys import Role
from tests.integration.conftest import Stack, make_keys
from tests.integration.test_alert_flows import add_channel, get_alert
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def silence(stack: Stack, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    answer = await stack.http.post("/api/v1/silences", headers=stack.responder, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def alert(stack: Stack, title: str, labels: dict[str, str]) -> dict[str, Any]:
    answer = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json={"title": title, "labels": labels})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_a_silenced_alert_sends_no_fire_notice_and_says_why(stack: Stack, receiver: WebhookReceiver) -> None:
    await add_channel(stack, receiver.url)
    muting = await silence(stack, {"matchers": 'service="db"', "ends_at": later(hours=1), "comment": "db deploy"})
    assert muting["state"] == "active" and muting["matchers"] == ['service="db"']
    assert muting["created_by"] == "api-key:responder-key"
    muted = await alert(stack, "db slow", {"service": "db", "host": "db1"})
    heard = await alert(stack, "web slow", {"service": "web"})
    [hook] = await receiver.wait_for(1)
    assert hook.json["alert"]["id"] == heard["id"]  # the unsilenced alert is told; the silenced one is not

    def silenced(detail: dict[str, Any]) -> bool:
        return any(entry["kind"] == "notification_silenced" for entry in detail["timeline"])

    detail = await eventually(lambda: get_alert(stack, muted["id"]), silenced)
    [entry] = [e for e in detail["timeline"] if e["kind"] == "notification_silenced"]
    assert muting["id"] in entry["message"] and entry["details"]["silence_ids"] == muting["id"]
    resolved = await stack.http.post(f"/api/v1/alerts/{muted['id']}/resolve", headers=stack.responder, json={})
    assert resolved.status_code == 200
    await stack.http.post(f"/api/v1/alerts/{heard['id']}/resolve", headers=stack.responder, json={})
    await receiver.wait_for(2)
    assert [(h.json["alert"]["id"], h.json["event"]) for h in receiver.received] == [
        (heard["id"], "triggered"),
        (heard["id"], "resolved"),
    ]  # never told the silenced alert fired, so never told it resolved


async def test_an_alert_told_it_fired_is_told_it_resolved_though_silenced_since(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    await add_channel(stack, receiver.url)
    fired = await alert(stack, "api down", {"service": "api"})
    await receiver.wait_for(1)
    await silence(stack, {"matchers": ['service="api"'], "ends_at": later(hours=1)})
    answer = await stack.http.post(f"/api/v1/alerts/{fired['id']}/resolve", headers=stack.responder, json={})
    assert answer.status_code == 200, answer.text
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "resolved"]


async def test_silences_follow_alertmanagers_states_and_edit_rule(stack: Stack) -> None:
    active = await silence(stack, {"matchers": ['env="prod"', 'job=~"api|web"'], "ends_at": later(hours=2)})
    pending = await silence(
        stack, {"matchers": 'env="stage"', "starts_at": later(hours=1), "ends_at": later(hours=3), "comment": "x"}
    )
    assert (active["state"], pending["state"]) == ("active", "pending")
    assert active["matchers"] == ['env="prod"', 'job=~"api|web"']

    edit = {"matchers": ['env="prod"'], "ends_at": later(hours=4), "comment": "longer"}
    replaced = await stack.http.put(f"/api/v1/silences/{active['id']}", headers=stack.responder, json=edit)
    assert replaced.status_code == 200, replaced.text
    new = replaced.json()
    assert new["id"] != active["id"] and new["replaces"] == active["id"] and new["state"] == "active"
    old = (await stack.http.get(f"/api/v1/silences/{active['id']}", headers=stack.viewer)).json()
    assert old["state"] == "expired" and old["matchers"] == active["matchers"]  # kept as it was

    moved = await stack.http.put(
        f"/api/v1/silences/{pending['id']}",
        headers=stack.responder,
        json={"matchers": 'env="stage"', "starts_at": later(hours=2), "ends_at": later(hours=5)},
    )
    assert moved.status_code == 200 and moved.json()["id"] == pending["id"]  # a pending one changes in place

    expired = await stack.http.delete(f"/api/v1/silences/{new['id']}", headers=stack.responder)
    assert expired.status_code == 200 and expired.json()["state"] == "expired"
    again = await stack.http.delete(f"/api/v1/silences/{new['id']}", headers=stack.responder)
    assert again.status_code == 409 and "expired" in again.json()["detail"]
    stale = await stack.http.put(f"/api/v1/silences/{new['id']}", headers=stack.responder, json=edit)
    assert stale.status_code == 409
    never_started = await stack.http.delete(f"/api/v1/silences/{pending['id']}", headers=stack.responder)
    assert never_started.json()["state"] == "expired"

    listed = await stack.http.get("/api/v1/silences", headers=stack.viewer, params={"state": "expired"})
    assert {s["id"] for s in listed.json()} == {active["id"], new["id"], pending["id"]}
    assert (await stack.http.post("/api/v1/silences", headers=stack.viewer, json=edit)).status_code == 403


async def test_the_preview_names_the_open_alerts_a_draft_would_match(stack: Stack) -> None:
    db = await alert(stack, "db slow", {"service": "db", "env": "prod"})
    await alert(stack, "db stage", {"service": "db", "env": "stage"})
    answer = await stack.http.post(
        "/api/v1/silences/preview", headers=stack.viewer, json={"matchers": '{service="db", env!="stage"}'}
    )
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["total"] == 1 and [a["id"] for a in preview["alerts"]] == [db["id"]]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"matchers": 'env="prod', "ends_at": "+1h"}, "matchers", "missing end"),
        ({"matchers": 'job=~"(unclosed"', "ends_at": "+1h"}, "matchers", ""),
        ({"matchers": 'env=~".*"', "ends_at": "+1h"}, "matchers", "empty string"),
        ({"matchers": [], "ends_at": "+1h"}, "matchers", "at least one matcher"),
        ({"matchers": 'env="prod"', "ends_at": "-1h"}, "ends_at", "in the future"),
        ({"matchers": 'env="prod"', "starts_at": "+3h", "ends_at": "+2h"}, "ends_at", "after starts_at"),
        ({"matchers": 'env="prod"', "ends_at": "+2400h"}, "ends_at", "at most 90 days"),
        ({"matchers": 'env="prod"', "ends_at": "2030-01-01T00:00:00"}, "ends_at", "timezone"),
        ({"matchers": 'env="prod"', "ends_at": "+1h", "owner": "x"}, "owner", "Extra inputs"),
    ],
)
async def test_a_bad_silence_is_a_422_naming_its_field(
    stack: Stack, body: dict[str, Any], field: str, words: str
) -> None:
    def when(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in "+-" and value.endswith("h"):
            return later(hours=float(value[:-1]))
        return value

    answer = await stack.http.post(
        "/api/v1/silences", headers=stack.responder, json={k: when(v) for k, v in body.items()}
    )
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"].startswith(field)]
    assert words in error["message"], error


async def test_another_tenants_silence_is_not_found(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    theirs = await silence(stack, {"matchers": 'env="prod"', "ends_at": later(hours=1)})
    other = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    for method in ("GET", "DELETE"):
        answer = await stack.http.request(method, f"/api/v1/silences/{theirs['id']}", headers=other[Role.ADMIN])
        assert answer.status_code == 404, answer.text
    listed = await stack.http.get("/api/v1/silences", headers=other[Role.VIEWER])
    assert listed.json() == []
