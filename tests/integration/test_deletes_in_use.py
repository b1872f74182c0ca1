"""A delete of something still pointed at is a 409 naming what points at it — open alerts included.

The field report: a channel that an open alert notifies was deleted (204) and the alert's resolve
then went nowhere, with nothing in its timeline or deliveries saying why. The same holds for the
user, team and schedule an open alert's policy snapshot targets (an alert keeps the policy it
started with, so editing the policy does not free them), for a user who has an override still to
come or who is someone's manager.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver


async def create(stack: Stack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await stack.http.post(path, headers=stack.admin, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def refused(stack: Stack, path: str, *names: str) -> list[str]:
    """DELETE `path` is a 409 whose used_by holds each of `names` (as substrings)."""
    answer = await stack.http.delete(path, headers=stack.admin)
    assert answer.status_code == 409, answer.text
    used_by: list[str] = answer.json()["used_by"]
    for name in names:
        assert any(name in entry for entry in used_by), (name, used_by)
    return used_by


async def resolved(stack: Stack, alert_id: str) -> None:
    answer = await stack.http.post(f"/api/v1/alerts/{alert_id}/resolve", headers=stack.responder, json={})
    assert answer.status_code == 200, answer.text


async def test_a_channel_an_open_alert_notifies_cannot_be_deleted_until_it_is_resolved(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    channel = await create(
        stack, "/api/v1/channels", {"name": "ops-hook", "type": "webhook", "config": {"url": receiver.url}}
    )
    alert = await create(stack, "/api/v1/alerts/", {"title": "Disk full", "channels": [channel["id"]]})
    used_by = await refused(stack, f"/api/v1/channels/{channel['id']}", f"open alert 'Disk full' ({alert['id']})")
    assert used_by == [f"open alert 'Disk full' ({alert['id']})"]
    await resolved(stack, alert["id"])
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "resolved"]  # the resolve reached the channel it was meant for
    gone = await stack.http.delete(f"/api/v1/channels/{channel['id']}", headers=stack.admin)
    assert gone.status_code == 204, gone.text


@pytest.mark.parametrize("kind", ["user", "team", "schedule", "channel"])
async def test_what_an_open_alerts_policy_snapshot_targets_stays_until_it_is_resolved(
    stack: Stack, receiver: WebhookReceiver, kind: str
) -> None:
    ann = await create(
        stack,
        "/api/v1/users",
        {"name": "ann", "email": "ann@example.com", "contact_methods": [{"type": "webhook", "address": receiver.url}]},
    )
    hook = {"name": "hook", "type": "webhook", "config": {"url": receiver.url}}
    layer = {
        "name": "weekly",
        "participants": [ann["id"]],
        "shift_length": 1,
        "shift_unit": "weeks",
        "start": "2026-01-05T09:00:00",
    }
    if kind == "user":
        target = ann
    elif kind == "team":
        target = await create(stack, "/api/v1/teams", {"name": "sre", "member_ids": [ann["id"]]})
    elif kind == "schedule":
        target = await create(stack, "/api/v1/schedules", {"name": "primary", "time_zone": "UTC", "layers": [layer]})
    else:
        target = await create(stack, "/api/v1/channels", hook)
    level = {"targets": [{"type": kind, "id": target["id"]}], "delay_minutes": 60}
    policy = await create(stack, "/api/v1/escalation-policies", {"name": "p", "levels": [level]})
    alert = await create(stack, "/api/v1/alerts/", {"title": "API down", "escalation_policy_id": policy["id"]})
    # The policy no longer targets it, but the open alert escalates by its snapshot.
    other = await create(stack, "/api/v1/channels", hook | {"name": "other"})
    edit = {"name": "p", "levels": [{"targets": [{"type": "channel", "id": other["id"]}], "delay_minutes": 60}]}
    edited = await stack.http.put(f"/api/v1/escalation-policies/{policy['id']}", headers=stack.admin, json=edit)
    assert edited.status_code == 200, edited.text
    path = {"user": "users", "team": "teams", "schedule": "schedules", "channel": "channels"}[kind]
    await refused(stack, f"/api/v1/{path}/{target['id']}", f"open alert 'API down' ({alert['id']})")
    await resolved(stack, alert["id"])
    if kind in ("team", "schedule"):
        gone = await stack.http.delete(f"/api/v1/{path}/{target['id']}", headers=stack.admin)
        assert gone.status_code == 204, gone.text


async def test_a_user_with_an_override_to_come_or_reports_cannot_be_deleted(stack: Stack) -> None:
    boss = await create(stack, "/api/v1/users", {"name": "boss", "email": "boss@example.com"})
    ann = await create(stack, "/api/v1/users", {"name": "ann", "email": "ann@example.com", "manager_id": boss["id"]})
    cat = await create(stack, "/api/v1/users", {"name": "cat", "email": "cat@example.com"})
    await refused(stack, f"/api/v1/users/{boss['id']}", "the manager of user 'ann'")
    layer = {
        "name": "weekly",
        "participants": [ann["id"]],
        "shift_length": 1,
        "shift_unit": "weeks",
        "start": "2026-01-05T09:00:00",
    }
    schedule = await create(stack, "/api/v1/schedules", {"name": "primary", "time_zone": "UTC", "layers": [layer]})
    window = {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}
    await create(stack, f"/api/v1/schedules/{schedule['id']}/overrides", {"user_id": cat["id"], **window})
    await refused(stack, f"/api/v1/users/{cat['id']}", "an override of schedule 'primary' from 2030-01-01T00:00:00Z")


async def test_the_only_channel_that_carries_peoples_pages_cannot_go_while_an_alert_pages_through_it(
    stack: Stack,
) -> None:
    """E-mail contact methods are paged through the tenant's e-mail channel: deleting the only one
    while an open alert pages someone by e-mail would leave the next pages nowhere to go."""
    smtp = {"host": "127.0.0.1", "port": 9, "security": "none", "from_address": "herald@example.com"}
    mail = await create(stack, "/api/v1/channels", {"name": "mail", "type": "email", "config": smtp})
    ann = await create(
        stack,
        "/api/v1/users",
        {
            "name": "ann",
            "email": "ann@example.com",
            "contact_methods": [{"type": "email", "address": "ann@example.com"}],
        },
    )
    level = {"targets": [{"type": "user", "id": ann["id"]}], "delay_minutes": 60}
    policy = await create(stack, "/api/v1/escalation-policies", {"name": "p", "levels": [level]})
    alert = await create(stack, "/api/v1/alerts/", {"title": "Mail paged", "escalation_policy_id": policy["id"]})

    async def refused_now() -> int:
        return (await stack.http.delete(f"/api/v1/channels/{mail['id']}", headers=stack.admin)).status_code

    await eventually(refused_now, lambda code: code == 409)  # once the page to ann's e-mail has begun
    await refused(stack, f"/api/v1/channels/{mail['id']}", f"open alert 'Mail paged' ({alert['id']})")
    spare = await create(stack, "/api/v1/channels", {"name": "mail-2", "type": "email", "config": smtp})
    assert (await stack.http.delete(f"/api/v1/channels/{mail['id']}", headers=stack.admin)).status_code == 204
    await refused(stack, f"/api/v1/channels/{spare['id']}", f"open alert 'Mail paged' ({alert['id']})")
    await resolved(stack, alert["id"])
