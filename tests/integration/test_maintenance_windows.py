"""Maintenance windows: the API (states, the edit rule of silences, a state filter, bad input) and their effect on
a real worker — an alert a window matches is recorded but pages nobody, and its timeline names the window; an alert
outside it is paged; an alert told it fired is still told it resolved."""

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

URL = "/api/v1/maintenance-windows"


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def window(stack: Stack, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    answer = await stack.http.post(URL, headers=stack.responder, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def alert(
    stack: Stack, title: str, labels: dict[str, str], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    answer = await stack.http.post(
        "/api/v1/alerts/", headers=headers or stack.responder, json={"title": title, "labels": labels}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def suppressed_entry(stack: Stack, alert_id: str) -> dict[str, Any]:
    def suppressed(detail: dict[str, Any]) -> bool:
        return any(entry["kind"] == "notification_suppressed" for entry in detail["timeline"])

    detail = await eventually(lambda: get_alert(stack, alert_id), suppressed)
    [entry] = [e for e in detail["timeline"] if e["kind"] == "notification_suppressed"]
    return entry  # type: ignore[no-any-return]


async def test_an_alert_in_a_maintenance_window_is_recorded_not_paged(stack: Stack, receiver: WebhookReceiver) -> None:
    await add_channel(stack, receiver.url)
    held = await window(stack, {"matchers": 'service="db"', "ends_at": later(hours=1), "reason": "db migration"})
    assert held["state"] == "active" and held["matchers"] == ['service="db"']
    assert held["created_by"] == "api-key:responder-key"
    muted = await alert(stack, "db slow", {"service": "db", "host": "db1"})
    entry = await suppressed_entry(stack, muted["id"])
    assert entry["details"]["maintenance_window_ids"] == held["id"] and entry["details"]["reason"] == "db migration"
    assert held["id"] in entry["message"] and "db migration" in entry["message"]
    assert (await get_alert(stack, muted["id"]))["status"] == "triggered"  # recorded: the alert is open

    heard = await alert(stack, "web slow", {"service": "web"})
    [hook] = await receiver.wait_for(1)
    assert hook.json["alert"]["id"] == heard["id"]  # outside the window: paged
    for opened in (muted, heard):
        answer = await stack.http.post(f"/api/v1/alerts/{opened['id']}/resolve", headers=stack.responder, json={})
        assert answer.status_code == 200, answer.text
    await receiver.wait_for(2)
    assert [(h.json["alert"]["id"], h.json["event"]) for h in receiver.received] == [
        (heard["id"], "triggered"),
        (heard["id"], "resolved"),
    ]  # never told the held alert fired, so never told it resolved


async def test_a_window_without_matchers_holds_every_alert_of_its_tenant_only(
    stack: Stack, receiver: WebhookReceiver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_channel(stack, receiver.url)
    everything = await window(stack, {"ends_at": later(hours=1)})
    assert everything["matchers"] == []
    muted = await alert(stack, "anything", {"service": "whatever"})
    entry = await suppressed_entry(stack, muted["id"])
    assert entry["details"]["maintenance_window_ids"] == everything["id"]

    other = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    channel = {"name": "ops", "type": "webhook", "config": {"url": receiver.url, "secret": "x" * 12}}
    created = await stack.http.post("/api/v1/channels", headers=other[Role.ADMIN], json={**channel, "is_default": True})
    assert created.status_code == 201, created.text
    theirs = await alert(stack, "anything", {"service": "whatever"}, headers=other[Role.RESPONDER])
    [hook] = await receiver.wait_for(1)
    assert hook.json["alert"]["id"] == theirs["id"]  # another tenant's window holds nothing of theirs


async def test_an_alert_told_it_fired_is_told_it_resolved_though_in_a_window_since(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    await add_channel(stack, receiver.url)
    fired = await alert(stack, "api down", {"service": "api"})
    await receiver.wait_for(1)
    await window(stack, {"matchers": ['service="api"'], "ends_at": later(hours=1)})
    answer = await stack.http.post(f"/api/v1/alerts/{fired['id']}/resolve", headers=stack.responder, json={})
    assert answer.status_code == 200, answer.text
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "resolved"]


async def test_windows_have_states_an_edit_rule_and_a_state_filter(stack: Stack) -> None:
    active = await window(stack, {"matchers": ['env="prod"', 'job=~"api|web"'], "ends_at": later(hours=2)})
    pending = await window(
        stack, {"matchers": 'env="stage"', "starts_at": later(hours=1), "ends_at": later(hours=3), "reason": "x"}
    )
    assert (active["state"], pending["state"]) == ("active", "pending")

    edit = {"matchers": ['env="prod"'], "ends_at": later(hours=4), "reason": "longer"}
    replaced = await stack.http.put(f"{URL}/{active['id']}", headers=stack.responder, json=edit)
    assert replaced.status_code == 200, replaced.text
    new = replaced.json()
    assert new["id"] != active["id"] and new["replaces"] == active["id"] and new["state"] == "active"
    old = (await stack.http.get(f"{URL}/{active['id']}", headers=stack.viewer)).json()
    assert old["state"] == "expired" and old["matchers"] == active["matchers"]  # kept as it was

    moved = await stack.http.put(
        f"{URL}/{pending['id']}",
        headers=stack.responder,
        json={"matchers": 'env="stage"', "starts_at": later(hours=2), "ends_at": later(hours=5), "reason": "moved"},
    )
    assert moved.status_code == 200 and moved.json()["id"] == pending["id"]  # a pending one changes in place
    assert moved.json()["reason"] == "moved" and moved.json()["state"] == "pending"

    by_state = {
        state: {w["id"] for w in (await stack.http.get(URL, headers=stack.viewer, params={"state": state})).json()}
        for state in ("pending", "active", "expired")
    }
    assert by_state == {"pending": {pending["id"]}, "active": {new["id"]}, "expired": {active["id"]}}
    both = await stack.http.get(URL, headers=stack.viewer, params=[("state", "pending"), ("state", "active")])
    assert {w["id"] for w in both.json()} == {pending["id"], new["id"]}

    ended = await stack.http.delete(f"{URL}/{new['id']}", headers=stack.responder)
    assert ended.status_code == 200 and ended.json()["state"] == "expired"
    again = await stack.http.delete(f"{URL}/{new['id']}", headers=stack.responder)
    assert again.status_code == 409 and "ended" in again.json()["detail"]
    stale = await stack.http.put(f"{URL}/{new['id']}", headers=stack.responder, json=edit)
    assert stale.status_code == 409
    listed = await stack.http.get(URL, headers=stack.viewer)
    assert {w["id"] for w in listed.json()} == {active["id"], new["id"], pending["id"]}
    assert (await stack.http.post(URL, headers=stack.viewer, json=edit)).status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"matchers": 'env="prod', "ends_at": "+1h"}, "matchers", "missing end"),
        ({"matchers": 'job=~"(unclosed"', "ends_at": "+1h"}, "matchers", ""),
        ({"matchers": 'env="prod"', "ends_at": "-1h"}, "ends_at", "in the future"),
        ({"matchers": 'env="prod"', "starts_at": "+3h", "ends_at": "+2h"}, "ends_at", "after starts_at"),
        ({"matchers": 'env="prod"', "ends_at": "+2400h"}, "ends_at", "at most 90 days"),
        ({"ends_at": "2030-01-01T00:00:00"}, "ends_at", "timezone"),
        ({"matchers": 'env="prod"'}, "ends_at", "required"),
        ({"ends_at": "+1h", "reason": "x" * 1001}, "reason", "at most 1000"),
        ({"ends_at": "+1h", "owner": "x"}, "owner", "Extra inputs"),
    ],
)
async def test_a_bad_window_is_a_422_naming_its_field(
    stack: Stack, body: dict[str, Any], field: str, words: str
) -> None:
    def when(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in "+-" and value.endswith("h"):
            return later(hours=float(value[:-1]))
        return value

    answer = await stack.http.post(URL, headers=stack.responder, json={k: when(v) for k, v in body.items()})
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"].startswith(field)]
    assert words in error["message"], error


async def test_another_tenants_window_is_not_found(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    theirs = await window(stack, {"matchers": 'env="prod"', "ends_at": later(hours=1)})
    other = await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}")
    for method in ("GET", "DELETE"):
        answer = await stack.http.request(method, f"{URL}/{theirs['id']}", headers=other[Role.ADMIN])
        assert answer.status_code == 404, answer.text
    listed = await stack.http.get(URL, headers=other[Role.VIEWER])
    assert listed.json() == []


async def test_a_pending_or_ended_window_holds_nothing_back(stack: Stack, receiver: WebhookReceiver) -> None:
    await add_channel(stack, receiver.url)
    await window(stack, {"matchers": 'service="db"', "starts_at": later(hours=1), "ends_at": later(hours=2)})
    ended = await window(stack, {"matchers": 'service="db"', "ends_at": later(hours=2)})
    assert (await stack.http.delete(f"{URL}/{ended['id']}", headers=stack.responder)).status_code == 200
    paged = await alert(stack, "db slow", {"service": "db"})
    [hook] = await receiver.wait_for(1)
    assert hook.json["alert"]["id"] == paged["id"]
    timeline = (await get_alert(stack, paged["id"]))["timeline"]
    assert not [e for e in timeline if e["kind"] == "notification_suppressed"]
