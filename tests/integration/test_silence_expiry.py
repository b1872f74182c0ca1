"""Silences that expire when every alert they matched has resolved (`expire_when_resolved`,
noise/silence_expiry.py), through the real API, a real worker and the Temporal dev server: the
projection of a member's resolve expires them, nothing polls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.integration.conftest import Stack
from tests.integration.test_routes import put_tree
from tests.integration.test_silences import later, silence
from tests.support.alerts import eventually


async def events(stack: Stack, action: str, *hosts: str) -> None:
    body = {
        "events": [
            {"action": action, "labels": {"alertname": "DiskFull", "host": host}}
            | ({"title": f"disk full on {host}"} if action == "trigger" else {})
            for host in hosts
        ]
    }
    answer = await stack.http.post("/api/v1/events", headers=stack.responder, json=body)
    assert answer.status_code in (200, 202), answer.text
    assert answer.json()["accepted"] == len(hosts), answer.text


async def read(stack: Stack, silence_id: str) -> dict[str, Any]:
    answer = await stack.http.get(f"/api/v1/silences/{silence_id}", headers=stack.viewer)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_a_silence_that_expires_when_resolved_ends_with_the_last_member_it_matched(stack: Stack) -> None:
    await put_tree(stack, {"group_by": ["alertname"], "group_wait": "0s"}, "0")  # both hosts: one incident
    await events(stack, "trigger", "a", "b")

    async def firing_members() -> int:
        answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer)
        rows = answer.json()["items"]
        return int(rows[0]["firing_members"]) if rows else 0

    await eventually(firing_members, lambda n: n == 2)
    flagged = await silence(
        stack, {"matchers": 'alertname="DiskFull"', "ends_at": later(hours=6), "expire_when_resolved": True}
    )
    assert flagged["expire_when_resolved"] is True and flagged["matched_at"] is not None
    plain = await silence(stack, {"matchers": 'alertname="DiskFull"', "ends_at": later(hours=6)})
    assert plain["expire_when_resolved"] is False and plain["matched_at"] is None
    never = await silence(
        stack, {"matchers": 'alertname="Nothing"', "ends_at": later(hours=6), "expire_when_resolved": True}
    )
    assert never["matched_at"] is None  # nothing fires that it matches

    await events(stack, "resolve", "a")
    await eventually(firing_members, lambda n: n == 1)
    assert (await read(stack, flagged["id"]))["state"] == "active"  # b still fires

    before = datetime.now(UTC)
    await events(stack, "resolve", "b")
    expired = await eventually(lambda: read(stack, flagged["id"]), lambda s: s["state"] == "expired")
    ends_at = datetime.fromisoformat(expired["ends_at"])
    assert before <= ends_at <= datetime.now(UTC)
    assert expired["ends_at"] != flagged["ends_at"] and "every alert it matched has resolved" in expired["comment"]
    assert (await read(stack, plain["id"]))["state"] == "active"  # not flagged: runs to its ends_at
    assert (await read(stack, never["id"]))["state"] == "active"  # never matched: runs to its ends_at
    assert (await read(stack, plain["id"]))["ends_at"] == plain["ends_at"]


async def test_a_silence_made_before_its_alert_fires_is_matched_when_the_alert_fires(stack: Stack) -> None:
    flagged = await silence(
        stack, {"matchers": 'alertname="DiskFull"', "ends_at": later(hours=6), "expire_when_resolved": True}
    )
    assert flagged["matched_at"] is None
    await events(stack, "trigger", "c")
    matched = await eventually(lambda: read(stack, flagged["id"]), lambda s: s["matched_at"] is not None)
    assert matched["state"] == "active"
    await events(stack, "resolve", "c")
    await eventually(lambda: read(stack, flagged["id"]), lambda s: s["state"] == "expired")


async def test_expire_when_resolved_is_a_boolean(stack: Stack) -> None:
    answer = await stack.http.post(
        "/api/v1/silences",
        headers=stack.responder,
        json={"matchers": 'env="prod"', "ends_at": later(hours=1), "expire_when_resolved": "sometimes"},
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["expire_when_resolved"]
