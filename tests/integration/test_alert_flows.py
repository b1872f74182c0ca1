"""The REST flows end to end: ingest → workflow → signed webhook → acknowledge → resolve."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from httpx import Response
from temporalio.testing import WorkflowEnvironment

from tests.integration.conftest import Stack
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver
from workflows.ids import labels_key


async def add_channel(stack: Stack, url: str, *, name: str = "ops", secret: str = "topsecret-123") -> dict[str, Any]:
    response = await stack.http.post(
        "/api/v1/channels",
        headers=stack.admin,
        json={"name": name, "type": "webhook", "config": {"url": url, "secret": secret}, "is_default": True},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def get_alert(stack: Stack, alert_id: str) -> dict[str, Any]:
    response = await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def find_by_key(stack: Stack, key: str) -> list[dict[str, Any]]:
    response = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"limit": 500})
    assert response.status_code == 200, response.text
    return [a for a in response.json()["items"] if a["dedup_key"] == key]


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(secret.encode(), headers["x-herald-timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-herald-signature"], "sha256=" + expected.hexdigest())


def disk_labels() -> dict[str, str]:
    return {"host": "db1", "check": "disk"}


async def fire_disk_event(stack: Stack) -> str:
    """POST one event to /api/v1/events; its group key."""
    labels = disk_labels()
    response = await stack.http.post(
        "/api/v1/events",
        headers=stack.responder,
        json={"events": [{"title": "Disk 95% full", "severity": "critical", "labels": labels, "source": "nagios"}]},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    key = labels_key(stack.tenant, labels)
    assert body["accepted"] == 1 and body["results"][0]["key"] == key
    return key


async def triggered_alert(stack: Stack, receiver: WebhookReceiver) -> dict[str, Any]:
    """A default webhook channel and the alert one event opened (once the channel heard of it)."""
    await add_channel(stack, receiver.url)
    key = await fire_disk_event(stack)
    await receiver.wait_for(1)
    [alert] = await eventually(lambda: find_by_key(stack, key), lambda found: len(found) == 1)
    return alert


async def acknowledge_then_resolve(stack: Stack, alert_id: str) -> tuple[Response, Response, Response]:
    """Acknowledge (with a note), acknowledge again, resolve (with a note): the three answers."""
    ack = await stack.http.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", headers=stack.responder, json={"note": "looking"}
    )
    again = await stack.http.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=stack.responder)
    resolved = await stack.http.post(
        f"/api/v1/alerts/{alert_id}/resolve", headers=stack.responder, json={"note": "freed space"}
    )
    return ack, again, resolved


async def test_an_event_reaches_the_default_channel_as_a_signed_webhook(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    await add_channel(stack, receiver.url)
    key = await fire_disk_event(stack)
    [hook] = await receiver.wait_for(1)
    assert verify_signature("topsecret-123", hook.headers, hook.body)
    payload = hook.json
    assert payload["event"] == "triggered"
    assert payload["alert"]["title"] == "Disk 95% full" and payload["alert"]["labels"] == disk_labels()
    assert payload["links"]["temporal_ui"].endswith(f"alert%2F{stack.tenant}%2F{key}")
    assert (
        payload["links"]["dashboard"]
        == f"{stack.settings.public_url.rstrip('/')}/dashboard/alerts/{payload['alert']['id']}"
    )
    assert hook.headers["idempotency-key"]


async def test_an_event_opens_a_triggered_alert_with_its_source(stack: Stack, receiver: WebhookReceiver) -> None:
    alert = await triggered_alert(stack, receiver)
    assert alert["status"] == "triggered" and alert["source"] == "nagios"


async def test_acknowledge_is_idempotent_and_a_resolved_alert_refuses_it(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    alert_id = (await triggered_alert(stack, receiver))["id"]
    ack, again, resolved = await acknowledge_then_resolve(stack, alert_id)
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "acknowledged" and ack.json()["acknowledged_by"] == "api-key:responder-key"
    assert again.status_code == 200 and again.json()["status"] == "acknowledged"
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    late_ack = await stack.http.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=stack.responder)
    assert late_ack.status_code == 409
    assert "resolved" in late_ack.json()["detail"]
    # when, written as the API writes instants (it was str(datetime): a space and +00:00)
    assert f"at {resolved.json()['resolved_at']} and cannot be acknowledged" in late_ack.json()["detail"]
    await receiver.wait_for(3)
    assert receiver.events() == ["triggered", "acknowledged", "resolved"]


async def test_the_timeline_names_the_acknowledger_and_every_delivery(stack: Stack, receiver: WebhookReceiver) -> None:
    alert_id = (await triggered_alert(stack, receiver))["id"]
    await acknowledge_then_resolve(stack, alert_id)
    detail = await eventually(
        lambda: get_alert(stack, alert_id),
        lambda a: sum(n["status"] == "delivered" for n in a["notifications"]) == 3,
    )
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds[0] == "triggered"
    assert "acknowledged" in kinds and "resolved" in kinds and kinds.count("notification_delivered") == 3
    ack_entry = next(e for e in detail["timeline"] if e["kind"] == "acknowledged")
    assert ack_entry["actor"] == "api-key:responder-key" and ack_entry["message"] == "looking"
    assert detail["links"]["temporal_ui"].startswith(stack.settings.temporal_ui_url)
    assert detail["links"]["dashboard"].endswith(f"/dashboard/alerts/{alert_id}")


async def test_the_same_labels_after_resolution_open_a_new_alert(stack: Stack, receiver: WebhookReceiver) -> None:
    alert = await triggered_alert(stack, receiver)
    await acknowledge_then_resolve(stack, alert["id"])
    await receiver.wait_for(3)  # the resolution has been sent
    await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [{"title": "again", "labels": disk_labels()}]}
    )
    key = labels_key(stack.tenant, disk_labels())
    found = await eventually(lambda: find_by_key(stack, key), lambda found: len(found) == 2)
    assert {a["id"] for a in found} - {alert["id"]}


async def test_manual_alert_is_readable_at_once_and_refire_counts(stack: Stack) -> None:
    body = {"title": "Payment errors", "severity": "high", "category": "application", "dedup_key": "payments-5xx"}
    created = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json=body)
    assert created.status_code == 201, created.text
    alert_id = created.json()["id"]
    detail = await get_alert(stack, alert_id)  # no waiting: the projection is written before the answer
    assert detail["title"] == "Payment errors" and detail["event_count"] == 1

    refire = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json=body)
    assert refire.status_code == 200
    assert refire.json()["id"] == alert_id and refire.json()["event_count"] == 2
    assert (await get_alert(stack, alert_id))["event_count"] == 2

    edited = await stack.http.put(
        f"/api/v1/alerts/{alert_id}",
        headers=stack.responder,
        json={"title": "Payment errors (EU)", "annotations": {"runbook": "x"}},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Payment errors (EU)"
    detail = await get_alert(stack, alert_id)
    assert detail["annotations"] == {"runbook": "x"} and detail["timeline"][-1]["kind"] == "edited"
    relabel = await stack.http.put(f"/api/v1/alerts/{alert_id}", headers=stack.responder, json={"labels": {"a": "b"}})
    assert relabel.status_code == 422 and "identity" in relabel.json()["detail"]


async def test_list_filters_sort_and_cursor(stack: Stack) -> None:
    events = [
        {"title": f"alert {i}", "severity": ("critical", "low")[i % 2], "labels": {"svc": "api", "n": str(i)}}
        for i in range(7)
    ]
    events.append({"title": "other", "severity": "info", "labels": {"svc": "db"}, "source": "prom"})
    response = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": events})
    assert response.status_code == 202

    async def listing(**params: Any) -> dict[str, Any]:
        result = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params=params)
        assert result.status_code == 200, result.text
        return result.json()  # type: ignore[no-any-return]

    await eventually(lambda: listing(), lambda page: page["total"] == 8)
    assert (await listing(label="svc=api"))["total"] == 7
    assert (await listing(label=["svc=api", "n=3"]))["total"] == 1
    assert (await listing(severity="critical"))["total"] == 4
    assert (await listing(severity=["critical", "info"]))["total"] == 5
    assert (await listing(source="prom"))["total"] == 1
    assert (await listing(status="resolved"))["total"] == 0
    by_severity = await listing(sort="severity", limit=8)
    assert [a["severity"] for a in by_severity["items"]][:4] == ["critical"] * 4

    seen: list[str] = []
    page = await listing(limit=3, sort="-created_at")
    while True:
        assert page["total"] == 8
        seen += [a["id"] for a in page["items"]]
        if not page["next_cursor"]:
            break
        page = await listing(limit=3, sort="-created_at", cursor=page["next_cursor"])
    assert len(seen) == 8 == len(set(seen))

    bad_sort = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"sort": "title"})
    assert bad_sort.status_code == 422 and bad_sort.json()["detail"].startswith("sort:")
    bad_cursor = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"cursor": "nope"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["detail"].startswith("cursor:")
    bad_label = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"label": "svc"})
    assert bad_label.status_code == 422 and "key=value" in bad_label.json()["detail"]
    naive = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]


async def test_bulk_action_and_statistics(stack: Stack) -> None:
    ids = []
    for i in range(3):
        created = await stack.http.post(
            "/api/v1/alerts/",
            headers=stack.responder,
            json={"title": f"bulk {i}", "dedup_key": f"bulk-{i}", "severity": "high"},
        )
        ids.append(created.json()["id"])
    ack = await stack.http.post(
        "/api/v1/alerts/bulk_action",
        headers=stack.responder,
        json={"action": "acknowledge", "alert_ids": [*ids[:2], "missing"]},
    )
    assert ack.status_code == 200, ack.text
    results = {r["id"]: r for r in ack.json()["results"]}
    assert results[ids[0]]["ok"] and results[ids[1]]["alert_status"] == "acknowledged"
    assert results["missing"]["status"] == 404 and not results["missing"]["ok"]
    resolve = await stack.http.post(
        "/api/v1/alerts/bulk_action", headers=stack.responder, json={"action": "resolve", "alert_ids": ids}
    )
    assert resolve.json()["succeeded"] == 3

    twice = await stack.http.post(
        "/api/v1/alerts/bulk_action", headers=stack.responder, json={"action": "resolve", "alert_ids": ids[:1]}
    )
    assert twice.json()["results"][0]["status"] == 409

    stats = (await stack.http.get("/api/v1/alerts/statistics", headers=stack.viewer)).json()
    assert stats["total"] == 3 and stats["by_status"] == {"resolved": 3}
    assert stats["by_severity"] == {"high": 3}
    assert stats["time_to_acknowledge"]["count"] == 2 and stats["time_to_acknowledge"]["p90_seconds"] >= 0
    assert stats["time_to_resolve"]["count"] == 3
    assert sum(bucket["count"] for bucket in stats["per_day"]) == 3
    inverted = await stack.http.get(
        "/api/v1/alerts/statistics",
        headers=stack.viewer,
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    )
    assert inverted.status_code == 422


async def test_search_attributes_let_operators_filter_in_temporal(stack: Stack, dev_env: WorkflowEnvironment) -> None:
    created = await stack.http.post(
        "/api/v1/alerts/",
        headers=stack.responder,
        json={"title": "visible", "dedup_key": "ui", "severity": "critical", "category": "security"},
    )
    alert_id = created.json()["id"]
    await stack.http.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=stack.responder)
    query = f"HeraldTenant = '{stack.tenant}' AND HeraldStatus = 'acknowledged' AND HeraldSeverity = 'critical' AND HeraldCategory = 'security'"

    async def matching() -> list[str]:
        return [wf.id async for wf in dev_env.client.list_workflows(query)]

    found = await eventually(matching, lambda ids: len(ids) == 1)
    assert found == [f"alert/{stack.tenant}/ui"]
    description = await dev_env.client.get_workflow_handle(found[0]).describe()
    assert await description.static_summary() == "[critical] visible"


async def test_health(stack: Stack) -> None:
    assert (await stack.http.get("/healthz")).json() == {"status": "ok"}

    async def probe() -> Any:
        return await stack.http.get("/api/v1/alerts/health", headers=stack.viewer)

    # A worker that has just started may not have reached Temporal's matching service with its first
    # workflow poll yet; health reports exactly what Temporal sees, so wait for the poll to register.
    health = await eventually(probe, lambda r: r.status_code == 200, within=20)
    checks = health.json()["checks"]
    assert checks["database"]["ok"] and checks["temporal"]["ok"] and checks["workers"]["workflow_pollers"] >= 1


async def test_openapi_documents_every_route(stack: Stack) -> None:
    spec = (await stack.http.get("/openapi.json")).json()
    for path in ("/api/v1/events", "/api/v1/alerts/", "/api/v1/alerts/{alert_id}/acknowledge", "/api/v1/channels"):
        assert path in spec["paths"]
    assert all(op.get("summary") for item in spec["paths"].values() for op in item.values())


async def test_bulk_snooze_snoozes_the_acknowledged_and_says_why_it_skipped_the_others(stack: Stack) -> None:
    ids = []
    for i in range(3):
        created = await stack.http.post(
            "/api/v1/alerts/",
            headers=stack.responder,
            json={"title": f"bulk snooze {i}", "dedup_key": f"bulk-snooze-{i}"},
        )
        ids.append(created.json()["id"])
    acked = await stack.http.post(
        "/api/v1/alerts/bulk_action", headers=stack.responder, json={"action": "acknowledge", "alert_ids": ids[:2]}
    )
    assert acked.json()["succeeded"] == 2
    no_minutes = await stack.http.post(
        "/api/v1/alerts/bulk_action", headers=stack.responder, json={"action": "snooze", "alert_ids": ids}
    )
    assert no_minutes.status_code == 422 and no_minutes.json()["errors"][0]["field"] == "minutes"
    stray = await stack.http.post(
        "/api/v1/alerts/bulk_action",
        headers=stack.responder,
        json={"action": "resolve", "alert_ids": ids, "minutes": 5},
    )
    assert stray.status_code == 422 and stray.json()["errors"][0]["field"] == "minutes"

    snooze = await stack.http.post(
        "/api/v1/alerts/bulk_action",
        headers=stack.responder,
        json={"action": "snooze", "alert_ids": [*ids, "missing"], "minutes": 30},
    )
    assert snooze.status_code == 200, snooze.text
    out = snooze.json()
    assert (out["succeeded"], out["failed"]) == (2, 2)
    results = {r["id"]: r for r in out["results"]}
    assert results[ids[0]]["ok"] and results[ids[0]]["alert_status"] == "acknowledged"
    skipped = results[ids[2]]
    assert not skipped["ok"] and skipped["status"] == 409 and "acknowledge it first" in skipped["message"]
    assert results["missing"]["status"] == 404
    snoozed = (await stack.http.get(f"/api/v1/alerts/{ids[1]}", headers=stack.viewer)).json()
    assert snoozed["snoozed_until"] is not None
